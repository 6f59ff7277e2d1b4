-- One row per load batch of a portfolio landing file (every load, superseded
-- ones included; a header-only load from the loader's audit): when it was
-- loaded and the earliest business-relevant date it carries. The incremental
-- facts read their watermark and the dates a new load can change from here
-- (macros/portfolio/portfolio.sql).
{%- set entities = [
    ('portfolios', none),
    ('instruments', none),
    ('transactions', 'trade_date'),
    ('holdings', 'as_of_date'),
    ('prices_eod', 'price_date'),
    ('tiingo_eod', 'price_date'),
    ('fx_rates', 'rate_date'),
]
%}
{#- reference data (no date column): a new delivery can change every date -#}
{%- set reference_entities = entities | selectattr(1, 'none') | map('first') | list %}
with

{% for entity, date_column in entities %}
{{ entity }} as (
    select * from {{ ref('stg_portfolio__' ~ entity) }}
),

{% endfor -%}
audit as (
    select * from {{ ref('stg_meta__load_audit') }}
),

batches as (
    {%- for entity, date_column in entities %}
    {#- reference data (no date column): a new delivery can change every date #}
    {%- set date_expr = "cast('1900-01-01' as date)" if date_column is none else "min(" ~ date_column ~ ")" %}
    select
        '{{ entity }}' as entity,
        _source_file,
        _batch_id,
        max(_loaded_at) as loaded_at,
        count(*) as row_count,
        {{ date_expr }} as min_affected_date
    from {{ entity }}
    group by _source_file, _batch_id
    union all
    {%- endfor %}
    {#- a load without data rows (a header-only correction) has no raw row:
        its audit row stands in, so the file's earlier dates re-open #}
    select
        audit.entity,
        audit.source_file as _source_file,
        audit.batch_id as _batch_id,
        audit.loaded_at,
        0 as row_count,
        case
            when
                audit.entity in (
                    {%- for reference_entity in reference_entities %}
                    '{{ reference_entity }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then cast('1900-01-01' as date)
        end as min_affected_date
    from audit
    where audit.status = 'loaded' and audit.domain = 'portfolio' and audit.row_count = 0
),

final as (
    select * from batches
)

select * from final
