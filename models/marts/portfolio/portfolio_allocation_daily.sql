{{ config(materialized="view") }}
-- Allocation per portfolio and business date by asset class, sector and
-- currency; cash counts as asset class and sector CASH in its own currency.
with

positions as (
    select * from {{ ref('fact_portfolio_position_daily') }}
),

cash_daily as (
    select * from {{ ref('int_portfolio__cash_daily') }}
),

performance as (
    select * from {{ ref('fact_portfolio_performance_daily') }}
),

securities as (
    select * from {{ ref('dim_security') }}
),

holdings_lines as (
    select
        positions.portfolio_id,
        positions.business_date,
        securities.asset_class,
        securities.sector,
        positions.instrument_currency as currency,
        positions.market_value_base as value_base
    from positions
    inner join securities
        on positions.instrument_id = securities.instrument_id
    union all
    select
        cash_daily.portfolio_id,
        cash_daily.business_date,
        'CASH' as asset_class,
        'CASH' as sector,
        cash_daily.currency,
        cash_daily.cash_base as value_base
    from cash_daily
    inner join performance
        on
            cash_daily.portfolio_id = performance.portfolio_id
            and cash_daily.business_date = performance.business_date
),

buckets as (
    {%- for dimension in ['asset_class', 'sector', 'currency'] %}
    select
        portfolio_id,
        business_date,
        '{{ dimension }}' as allocation_dimension,
        {{ dimension }} as allocation_bucket,
        sum(value_base) as value_base
    from holdings_lines
    group by portfolio_id, business_date, {{ dimension }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        buckets.portfolio_id,
        buckets.business_date,
        buckets.allocation_dimension,
        buckets.allocation_bucket,
        cast(buckets.value_base as {{ ledgerhouse.type_money() }}) as value_base,
        {{ ledgerhouse.divide_round('buckets.value_base * 100', 'performance.portfolio_value', 6) }}
            as allocation_pct
    from buckets
    inner join performance
        on
            buckets.portfolio_id = performance.portfolio_id
            and buckets.business_date = performance.business_date
)

select * from final
