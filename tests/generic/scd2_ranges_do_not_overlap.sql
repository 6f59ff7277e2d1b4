{#
    scd2_ranges_do_not_overlap: in an SCD2 snapshot, the versions of one key
    form a chain — each version ends (dbt_valid_to) no later than the next
    one starts, never before it starts itself, and only the last version is
    open (dbt_valid_to null). Fails with every version breaking that.
    arguments: key_columns (list of the snapshot's unique key columns).
    dbt-core #1736 / #10235: overlapping ranges are the classic snapshot bug.
#}
{% test scd2_ranges_do_not_overlap(model, key_columns) %}
    with

    versions as (
        select
            {{ key_columns | join(', ') }},
            dbt_scd_id,
            dbt_valid_from,
            dbt_valid_to,
            lead(dbt_valid_from) over (
                partition by {{ key_columns | join(', ') }}
                order by dbt_valid_from, dbt_scd_id
            ) as next_valid_from
        from {{ model }}
    )

    select *
    from versions
    where
        (dbt_valid_to is null and next_valid_from is not null)
        or dbt_valid_to > next_valid_from
        or dbt_valid_to < dbt_valid_from
{% endtest %}
