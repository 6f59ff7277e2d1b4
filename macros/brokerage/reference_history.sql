{#
    brokerage_reference_history(entity, key_columns, value_columns):
    the SCD2 history of a brokerage reference entity (accounts, securities)
    by delivery, from every accepted row in the raw log — also when several
    deliveries arrive between two builds, which a dbt snapshot (one version
    per key and run) cannot record.

    - entity: the staging model's entity (`stg_brokerage__<entity>`);
    - key_columns: the business key;
    - value_columns: [(output name, expression)], the versioned values
      (expressions may tokenise personal data).

    A delivery is a dated folder: delivery_date is the folder of
    `_source_file` (`YYYY-MM-DD/...`; the loader refuses other names). Per
    key and delivery date the latest load counts (a re-delivered folder
    corrects that date); consecutive delivery dates with equal values are
    one version (A, B, A are three). valid_from is the first delivery date
    of a version, valid_to the next version's valid_from (null: current).
    The load metadata is the version's latest delivery, as on the current
    state; first_source_file the delivery that started the version.
#}
{% macro brokerage_reference_history(entity, key_columns, value_columns) -%}
{%- set keys = key_columns | join(', ') -%}
{%- set names = value_columns | map('first') | list -%}
with

source_rows as (
    select * from {{ ref('stg_brokerage__' ~ entity) }}
),

accepted as (
    select
        {%- for key in key_columns %}
        {{ key }},
        {%- endfor %}
        {%- for name, expression in value_columns %}
        {{ expression }}{% if expression != name %} as {{ name }}{% endif %},
        {%- endfor %}
        -- a row loaded from a folder not named by its date (before the
        -- loader required it) counts as the oldest delivery
        coalesce(
            {{ ledgerhouse.safe_cast_date('substr(_source_file, 1, 10)') }},
            cast('1900-01-01' as date)
        ) as delivery_date,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from source_rows
    where {{ ledgerhouse.brokerage_reference_row_ok(entity) }}
),

-- one row per key and delivery date: the latest load of that date
per_delivery as (
    select * from (
        select
            accepted.*,
            row_number() over (
                partition by {{ keys }}, delivery_date
                order by _loaded_at desc, _line_number desc, _batch_id desc
            ) as load_rank
        from accepted
    ) as ranked
    where load_rank = 1
),

previous as (
    select
        per_delivery.*,
        lag(delivery_date) over (partition by {{ keys }} order by delivery_date) as previous_delivery_date
        {%- for name in names %},
        lag({{ name }}) over (partition by {{ keys }} order by delivery_date) as previous_{{ name }}
        {%- endfor %}
    from per_delivery
),

compared as (
    select
        previous.*,
        (
            previous_delivery_date is null
            {%- for name in names %}
            or {{ name }} is distinct from previous_{{ name }}
            {%- endfor %}
        ) as is_change
    from previous
),

versioned as (
    select
        compared.*,
        sum(case when is_change then 1 else 0 end) over (
            partition by {{ keys }}
            order by delivery_date
            rows between unbounded preceding and current row
        ) as version_number
    from compared
),

bounded as (
    select
        versioned.*,
        min(delivery_date) over (partition by {{ keys }}, version_number) as valid_from,
        first_value(_source_file) over (
            partition by {{ keys }}, version_number
            order by delivery_date
            rows between unbounded preceding and unbounded following
        ) as first_source_file,
        row_number() over (
            partition by {{ keys }}, version_number
            order by delivery_date desc
        ) as rank_in_version
    from versioned
),

final as (
    select
        {%- for key in key_columns %}
        {{ key }},
        {%- endfor %}
        {%- for name in names %}
        {{ name }},
        {%- endfor %}
        cast(version_number as integer) as version_number,
        valid_from,
        lead(valid_from) over (partition by {{ keys }} order by version_number) as valid_to,
        first_source_file,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from bounded
    where rank_in_version = 1
)

select * from final
{%- endmacro %}
