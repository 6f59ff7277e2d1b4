-- Portfolio value, external flow and every KPI of spec §3 per portfolio and
-- business date. Money is exact decimal; the KPIs are IEEE doubles.
--   daily_return      r_d = (V_d - F_d) / V_{d-1} - 1, null on the first day
--                     and when V_{d-1} = 0 (flows at the end of the day)
--   cumulative_return W_d - 1, W_d = prod(1 + r) (a null r counts as 0)
--   volatility_Nd     stddev_samp of the last N returns x sqrt(252), null
--                     until N non-null returns fill the window
--   drawdown          W_d / max_{s<=d} W_s - 1; max_drawdown = min so far
--   beta_63d          covar_samp(r, r_b) / var_samp(r_b) over the last 63
--                     days where both returns exist
{%- set double = ledgerhouse.portfolio_type_double() %}
{%- set short_n = ledgerhouse.portfolio_vol_short_window() | int %}
{%- set long_n = ledgerhouse.portfolio_vol_long_window() | int %}
{%- set beta_n = ledgerhouse.portfolio_beta_window() | int %}
{%- set periods = ledgerhouse.portfolio_periods_per_year() | int %}
{%- set beta_ratio = 'return_pairs.pair_covariance / return_pairs.benchmark_variance' %}
{%- set annualise = 'sqrt(cast(' ~ periods ~ ' as ' ~ double ~ '))' %}
with

portfolio_days as (
    select * from {{ ref('int_portfolio__portfolio_days') }}
),

positions_valued as (
    select * from {{ ref('int_portfolio__positions_valued_daily') }}
),

cash_daily as (
    select * from {{ ref('int_portfolio__cash_daily') }}
),

flows as (
    select * from {{ ref('int_portfolio__external_flows_daily') }}
),

events as (
    select * from {{ ref('int_portfolio__events') }}
),

prices_daily as (
    select * from {{ ref('int_portfolio__prices_daily') }}
),

securities_value as (
    select
        portfolio_id,
        business_date,
        count(*) as position_count,
        sum(market_value_base) as securities_value_base,
        sum(cost_basis_base) as cost_basis_base
    from positions_valued
    group by portfolio_id, business_date
),

cash_value as (
    select
        portfolio_id,
        business_date,
        sum(cash_base) as cash_base
    from cash_daily
    group by portfolio_id, business_date
),

event_counts as (
    select
        portfolio_id,
        business_date,
        count(*) as event_count
    from events
    group by portfolio_id, business_date
),

valued as (
    select
        portfolio_days.portfolio_id,
        portfolio_days.business_date,
        portfolio_days.day_number,
        portfolio_days.base_currency,
        portfolio_days.benchmark_id,
        coalesce(securities_value.position_count, 0) as position_count,
        coalesce(event_counts.event_count, 0) as event_count,
        cast(coalesce(securities_value.securities_value_base, 0) as {{ ledgerhouse.type_money() }})
            as securities_value_base,
        cast(coalesce(cash_value.cash_base, 0) as {{ ledgerhouse.type_money() }}) as cash_base,
        cast(
            coalesce(securities_value.securities_value_base, 0) + coalesce(cash_value.cash_base, 0)
            as {{ ledgerhouse.type_money() }}
        ) as portfolio_value,
        cast(coalesce(flows.net_external_flow, 0) as {{ ledgerhouse.type_money() }})
            as net_external_flow,
        prices_daily.daily_return as benchmark_return
    from portfolio_days
    left join securities_value
        on
            portfolio_days.portfolio_id = securities_value.portfolio_id
            and portfolio_days.business_date = securities_value.business_date
    left join cash_value
        on
            portfolio_days.portfolio_id = cash_value.portfolio_id
            and portfolio_days.business_date = cash_value.business_date
    left join flows
        on
            portfolio_days.portfolio_id = flows.portfolio_id
            and portfolio_days.business_date = flows.business_date
    left join event_counts
        on
            portfolio_days.portfolio_id = event_counts.portfolio_id
            and portfolio_days.business_date = event_counts.business_date
    left join prices_daily
        on
            portfolio_days.benchmark_id = prices_daily.instrument_id
            and portfolio_days.business_date = prices_daily.business_date
),

with_previous as (
    select
        *,
        lag(portfolio_value) over (
            partition by portfolio_id
            order by business_date
        ) as previous_portfolio_value
    from valued
),

returns as (
    select
        *,
        case
            when day_number > 1
                then {{ ledgerhouse.portfolio_ratio_minus_one(
                    'portfolio_value - net_external_flow', 'previous_portfolio_value') }}
        end as daily_return
    from with_previous
),

growth as (
    select
        *,
        1 + coalesce(daily_return, 0) as growth_factor
    from returns
),

-- W_d = prod(1 + r) as a sum of logarithms, the sign and zeros counted apart
wealth_parts as (
    select
        *,
        sum(case when growth_factor = 0 then 1 else 0 end) over (
            partition by portfolio_id
            order by business_date
            rows between unbounded preceding and current row
        ) as zero_factors,
        sum(case when growth_factor < 0 then 1 else 0 end) over (
            partition by portfolio_id
            order by business_date
            rows between unbounded preceding and current row
        ) as negative_factors,
        sum(case when growth_factor <> 0 then ln(abs(growth_factor)) else 0 end) over (
            partition by portfolio_id
            order by business_date
            rows between unbounded preceding and current row
        ) as log_wealth
    from growth
),

wealth as (
    select
        *,
        case
            when zero_factors > 0 then cast(0 as {{ double }})
            when mod(negative_factors, 2) = 1 then -exp(log_wealth)
            else exp(log_wealth)
        end as wealth_index
    from wealth_parts
),

windows as (
    select
        *,
        max(wealth_index) over (
            partition by portfolio_id
            order by business_date
            rows between unbounded preceding and current row
        ) as peak_wealth_index,
        count(daily_return) over (
            partition by portfolio_id
            order by business_date
            rows between {{ short_n - 1 }} preceding and current row
        ) as short_window_returns,
        stddev_samp(daily_return) over (
            partition by portfolio_id
            order by business_date
            rows between {{ short_n - 1 }} preceding and current row
        ) as short_window_stddev,
        count(daily_return) over (
            partition by portfolio_id
            order by business_date
            rows between {{ long_n - 1 }} preceding and current row
        ) as long_window_returns,
        stddev_samp(daily_return) over (
            partition by portfolio_id
            order by business_date
            rows between {{ long_n - 1 }} preceding and current row
        ) as long_window_stddev
    from wealth
),

drawdowns as (
    select
        *,
        case
            when peak_wealth_index > 0 then wealth_index / peak_wealth_index - 1
        end as drawdown
    from windows
),

return_pairs as (
    select
        portfolio_id,
        business_date,
        count(*) over (
            partition by portfolio_id
            order by business_date
            rows between {{ beta_n - 1 }} preceding and current row
        ) as pair_count,
        covar_samp(daily_return, benchmark_return) over (
            partition by portfolio_id
            order by business_date
            rows between {{ beta_n - 1 }} preceding and current row
        ) as pair_covariance,
        var_samp(benchmark_return) over (
            partition by portfolio_id
            order by business_date
            rows between {{ beta_n - 1 }} preceding and current row
        ) as benchmark_variance
    from returns
    where daily_return is not null and benchmark_return is not null
),

final as (
    select
        drawdowns.portfolio_id,
        drawdowns.business_date,
        drawdowns.day_number,
        drawdowns.base_currency,
        drawdowns.benchmark_id,
        drawdowns.position_count,
        drawdowns.event_count,
        drawdowns.securities_value_base,
        drawdowns.cash_base,
        drawdowns.portfolio_value,
        drawdowns.net_external_flow,
        drawdowns.previous_portfolio_value,
        {{ ledgerhouse.portfolio_round_kpi('drawdowns.daily_return') }} as daily_return,
        {{ ledgerhouse.portfolio_round_kpi('drawdowns.wealth_index - 1') }} as cumulative_return,
        case
            when drawdowns.short_window_returns = {{ short_n }}
                then
                    {{ ledgerhouse.portfolio_round_kpi('drawdowns.short_window_stddev * ' ~ annualise) }}
        end as volatility_21d,
        case
            when drawdowns.long_window_returns = {{ long_n }}
                then
                    {{ ledgerhouse.portfolio_round_kpi('drawdowns.long_window_stddev * ' ~ annualise) }}
        end as volatility_63d,
        {{ ledgerhouse.portfolio_round_kpi('drawdowns.drawdown') }} as drawdown,
        min({{ ledgerhouse.portfolio_round_kpi('drawdowns.drawdown') }}) over (
            partition by drawdowns.portfolio_id
            order by drawdowns.business_date
            rows between unbounded preceding and current row
        ) as max_drawdown,
        {{ ledgerhouse.portfolio_round_kpi('drawdowns.benchmark_return') }} as benchmark_return,
        case
            when return_pairs.pair_count = {{ beta_n }} and return_pairs.benchmark_variance > 0
                then
                    {{ ledgerhouse.portfolio_round_kpi(beta_ratio) }}
        end as beta_63d
    from drawdowns
    left join return_pairs
        on
            drawdowns.portfolio_id = return_pairs.portfolio_id
            and drawdowns.business_date = return_pairs.business_date
)

select * from final
