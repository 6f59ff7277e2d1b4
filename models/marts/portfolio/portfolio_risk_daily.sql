{{ config(materialized="view") }}
-- 1-day historical VaR 95 % per portfolio and business date over the last
-- 252 non-null daily returns (fewer while the history is shorter, at least
-- 21). Quantile method: the empirical lower quantile ("inverted CDF", numpy
-- method='inverted_cdf'): sort the n returns ascending and take the k-th,
-- k = ceil(n x 5 / 100); VaR is its negative (a loss as a positive
-- fraction) and var_95_base that fraction of the day's portfolio_value.
{%- set double = ledgerhouse.portfolio_type_double() %}
{%- set window = ledgerhouse.portfolio_var_window() | int %}
{%- set tail = ledgerhouse.portfolio_var_tail_pct() | int %}
{%- set min_n = ledgerhouse.portfolio_var_min_observations() | int %}
with

performance as (
    select * from {{ ref('fact_portfolio_performance_daily') }}
),

returns as (
    select
        portfolio_id,
        business_date,
        portfolio_value,
        daily_return,
        row_number() over (
            partition by portfolio_id
            order by business_date
        ) as return_number
    from performance
    where daily_return is not null
),

windows as (
    select
        current_day.portfolio_id,
        current_day.business_date,
        current_day.portfolio_value,
        past_day.daily_return,
        count(*) over (
            partition by current_day.portfolio_id, current_day.business_date
        ) as observation_count,
        row_number() over (
            partition by current_day.portfolio_id, current_day.business_date
            order by past_day.daily_return, past_day.return_number
        ) as ascending_rank
    from returns as current_day
    inner join returns as past_day
        on
            current_day.portfolio_id = past_day.portfolio_id
            and past_day.return_number > current_day.return_number - {{ window }}
            and current_day.return_number >= past_day.return_number
),

quantiles as (
    select
        portfolio_id,
        business_date,
        portfolio_value,
        observation_count,
        daily_return as quantile_return
    from windows
    where
        observation_count >= {{ min_n }}
        and ascending_rank = ceil(cast(observation_count * {{ tail }} as {{ double }}) / 100)
),

final as (
    select
        portfolio_id,
        business_date,
        observation_count,
        quantile_return,
        -quantile_return as var_95_return,
        cast(
            {{ ledgerhouse.round_half_away(
                'cast(-quantile_return as ' ~ ledgerhouse.type_exact() ~ ') * portfolio_value', 4) }}
            as {{ ledgerhouse.type_money() }}
        ) as var_95_base
    from quantiles
)

select * from final
