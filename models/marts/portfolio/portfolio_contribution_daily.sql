{{ config(materialized="view") }}
-- Contribution to return (spec §3) per portfolio, line and business date:
-- weight on the previous business date x the line's return on the date, in
-- base currency. Security lines use the total return from close, div_cash
-- and split_factor (a split day's close is in post-split units), converted
-- at each day's fx; cash lines in a foreign currency
-- contribute their fx return. On a day without events (no trade, dividend,
-- fee or flow) the lines sum to the portfolio's daily_return.
{%- set double = ledgerhouse.portfolio_type_double() %}
with

positions as (
    select * from {{ ref('fact_portfolio_position_daily') }}
),

performance as (
    select * from {{ ref('fact_portfolio_performance_daily') }}
),

cash_daily as (
    select * from {{ ref('int_portfolio__cash_daily') }}
),

prices_daily as (
    select * from {{ ref('fact_market_price_daily') }}
),

fx_daily as (
    select * from {{ ref('int_portfolio__fx_daily') }}
),

instruments as (
    select * from {{ ref('dim_security') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

security_lines as (
    select
        positions.portfolio_id,
        dates.next_business_date as business_date,
        'security' as line_type,
        positions.instrument_id as line_id,
        instruments.sector,
        cast(positions.weight as {{ double }}) as previous_weight,
        {{ ledgerhouse.portfolio_ratio_minus_one(
            '(prices_daily.close_price + prices_daily.div_cash) * prices_daily.split_factor'
            ~ ' * coalesce(fx_daily.fx_rate, 1)',
            'positions.close_price * positions.fx_rate') }} as line_return
    from positions
    inner join dates
        on positions.business_date = dates.business_date
    inner join prices_daily
        on
            positions.instrument_id = prices_daily.instrument_id
            and dates.next_business_date = prices_daily.business_date
    left join instruments
        on positions.instrument_id = instruments.instrument_id
    left join fx_daily
        on
            positions.instrument_currency = fx_daily.from_currency
            and positions.base_currency = fx_daily.to_currency
            and dates.next_business_date = fx_daily.business_date
),

cash_lines as (
    select
        cash_daily.portfolio_id,
        dates.next_business_date as business_date,
        'cash' as line_type,
        cash_daily.currency as line_id,
        cast(null as {{ dbt.type_string() }}) as sector,
        {{ ledgerhouse.portfolio_ratio_minus_one('cash_daily.cash_base', 'performance.portfolio_value') }} + 1
            as previous_weight,
        {{ ledgerhouse.portfolio_ratio_minus_one('next_cash.fx_rate', 'cash_daily.fx_rate') }} as line_return
    from cash_daily
    inner join dates
        on cash_daily.business_date = dates.business_date
    inner join performance
        on
            cash_daily.portfolio_id = performance.portfolio_id
            and cash_daily.business_date = performance.business_date
    inner join cash_daily as next_cash
        on
            cash_daily.portfolio_id = next_cash.portfolio_id
            and cash_daily.currency = next_cash.currency
            and dates.next_business_date = next_cash.business_date
),

lines as (
    select * from security_lines
    union all
    select * from cash_lines
),

final as (
    select
        lines.portfolio_id,
        lines.business_date,
        lines.line_type,
        lines.line_id,
        lines.sector,
        lines.previous_weight,
        lines.line_return,
        {{ ledgerhouse.portfolio_round_kpi('lines.previous_weight * lines.line_return') }} as contribution
    from lines
    inner join performance
        on
            lines.portfolio_id = performance.portfolio_id
            and lines.business_date = performance.business_date
)

select * from final
