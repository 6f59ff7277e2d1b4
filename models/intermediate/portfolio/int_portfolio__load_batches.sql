-- One row per load batch of a portfolio landing file (every load, superseded
-- ones included): when it was loaded and the earliest business-relevant date
-- it carries. The incremental facts read their watermark and the dates a new
-- load can change from here (macros/portfolio/portfolio.sql).
{%- set entities = [
    ('portfolios', 'open_date'),
    ('instruments', none),
    ('transactions', 'trade_date'),
    ('holdings', 'as_of_date'),
    ('prices_eod', 'price_date'),
    ('tiingo_eod', 'price_date'),
    ('fx_rates', 'rate_date'),
] %}
with

{% for entity, date_column in entities %}
{{ entity }} as (
    select * from {{ ref('stg_portfolio__' ~ entity) }}
),

{% endfor -%}
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
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select * from batches
)

select * from final
