-- Spec §3: the contributions of a portfolio's lines sum to its daily_return
-- on days without flows. "Quiet day" here: no event of the portfolio at all
-- (no trade, dividend, fee, deposit, withdrawal or transfer) and no
-- ex-dividend date on a security it held the day before (a holdings-only
-- portfolio books no DIVIDEND cash, so the total return would overstate it).
-- Tolerance 1e-8: market values are rounded to 4 decimals before weighting.
with

performance as (
    select * from {{ ref('fact_portfolio_performance_daily') }}
),

contribution as (
    select * from {{ ref('portfolio_contribution_daily') }}
),

prices as (
    select * from {{ ref('fact_market_price_daily') }}
),

dividend_days as (
    select distinct
        contribution.portfolio_id,
        contribution.business_date
    from contribution
    inner join prices
        on
            contribution.line_id = prices.instrument_id
            and contribution.business_date = prices.business_date
    where contribution.line_type = 'security' and prices.div_cash <> 0
),

summed as (
    select
        portfolio_id,
        business_date,
        sum(contribution) as total_contribution
    from contribution
    group by portfolio_id, business_date
),

final as (
    select
        performance.portfolio_id,
        performance.business_date,
        performance.daily_return,
        summed.total_contribution
    from performance
    inner join summed
        on
            performance.portfolio_id = summed.portfolio_id
            and performance.business_date = summed.business_date
    left join dividend_days
        on
            performance.portfolio_id = dividend_days.portfolio_id
            and performance.business_date = dividend_days.business_date
    where
        performance.event_count = 0
        and performance.daily_return is not null
        and dividend_days.portfolio_id is null
        and abs(performance.daily_return - summed.total_contribution) > 1e-8
)

select * from final
