{{ config(**ledgerhouse.portfolio_daily_fact_config()) }}
{{ ledgerhouse.portfolio_incremental_depends_on() }}
with

positions_valued as (
    select * from {{ ref('int_portfolio__positions_valued_daily') }}
),

performance as (
    select * from {{ ref('int_portfolio__performance_daily') }}
),

final as (
    select
        positions_valued.portfolio_id,
        positions_valued.instrument_id,
        positions_valued.business_date,
        positions_valued.base_currency,
        positions_valued.instrument_currency,
        positions_valued.quantity,
        positions_valued.cost_basis_local,
        cast(positions_valued.close_price as {{ ledgerhouse.type_price() }}) as close_price,
        positions_valued.price_date,
        cast(positions_valued.fx_rate as {{ ledgerhouse.type_price() }}) as fx_rate,
        positions_valued.market_value_local,
        positions_valued.market_value_base,
        positions_valued.cost_basis_base,
        cast(
            positions_valued.market_value_base - positions_valued.cost_basis_base
            as {{ ledgerhouse.type_money() }}
        ) as unrealized_pnl_base,
        cast(
            {{ ledgerhouse.divide_round('positions_valued.market_value_base', 'performance.portfolio_value', 10) }}
            as decimal(38, 10)
        ) as weight,
        {{ ledgerhouse.portfolio_inputs_loaded_at() }} as _inputs_loaded_at,
        {{ ledgerhouse.portfolio_rules_fingerprint() }} as _rules_fingerprint
    from positions_valued
    inner join performance
        on
            positions_valued.portfolio_id = performance.portfolio_id
            and positions_valued.business_date = performance.business_date
    {{ ledgerhouse.portfolio_incremental_filter('positions_valued.business_date') }}
)

select * from final
