{#
    brokerage.md §3 invariant: raw activity rows = valid activities +
    distinct rejected activity rows, and no row is both valid and rejected.
    Counts come from the raw source itself, so staging losing a row fails too.
#}
with

raw_rows as (
    select count(*) as n_rows from {{ source('raw_brokerage', 'activity') }}
),

valid_rows as (
    select count(*) as n_rows from {{ ref('int_brokerage__activity_valid') }}
),

rejected_rows as (
    select count(*) as n_rows
    from (
        select distinct
            _batch_id,
            _line_number
        from {{ ref('activity_errors') }}
    ) as distinct_rejected
),

both_valid_and_rejected as (
    select count(*) as n_rows
    from {{ ref('int_brokerage__activity_valid') }} as valid_activity
    inner join {{ ref('activity_errors') }} as error_rows
        on
            valid_activity._batch_id = error_rows._batch_id
            and valid_activity._line_number = error_rows._line_number
),

final as (
    select
        raw_rows.n_rows as raw_rows,
        valid_rows.n_rows as valid_rows,
        rejected_rows.n_rows as rejected_rows,
        both_valid_and_rejected.n_rows as both_rows
    from raw_rows
    cross join valid_rows
    cross join rejected_rows
    cross join both_valid_and_rejected
)

select * from final
where raw_rows <> valid_rows + rejected_rows or both_rows <> 0
