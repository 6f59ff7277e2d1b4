{{ config(**ledgerhouse.portfolio_daily_fact_config()) }}
{{ ledgerhouse.portfolio_incremental_depends_on() }}
with

performance as (
    select * from {{ ref('int_portfolio__performance_daily') }}
),

final as (
    select
        portfolio_id,
        business_date,
        cast(day_number as bigint) as day_number,
        base_currency,
        benchmark_id,
        position_count,
        event_count,
        securities_value_base,
        cash_base,
        portfolio_value,
        net_external_flow,
        daily_return,
        cumulative_return,
        volatility_21d,
        volatility_63d,
        drawdown,
        max_drawdown,
        benchmark_return,
        beta_63d,
        {{ ledgerhouse.portfolio_inputs_loaded_at() }} as _inputs_loaded_at,
        {{ ledgerhouse.portfolio_rules_fingerprint() }} as _rules_fingerprint
    from performance
    {{ ledgerhouse.portfolio_incremental_filter('business_date') }}
)

select * from final
