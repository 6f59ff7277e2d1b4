{{ config(**ledgerhouse.portfolio_daily_fact_config()) }}
{{ ledgerhouse.portfolio_incremental_depends_on() }}
with

prices_daily as (
    select * from {{ ref('int_portfolio__prices_daily') }}
),

final as (
    select
        instrument_id,
        business_date,
        price_date,
        is_carried_forward,
        cast(open_price as {{ ledgerhouse.type_price() }}) as open_price,
        cast(high_price as {{ ledgerhouse.type_price() }}) as high_price,
        cast(low_price as {{ ledgerhouse.type_price() }}) as low_price,
        cast(close_price as {{ ledgerhouse.type_price() }}) as close_price,
        cast(volume as {{ ledgerhouse.type_quantity() }}) as volume,
        cast(adj_close as {{ ledgerhouse.type_price() }}) as adj_close,
        cast(div_cash as {{ ledgerhouse.type_price() }}) as div_cash,
        cast(split_factor as {{ ledgerhouse.type_price() }}) as split_factor,
        daily_return,
        total_return_local,
        {{ ledgerhouse.portfolio_inputs_loaded_at() }} as _inputs_loaded_at,
        {{ ledgerhouse.portfolio_rules_fingerprint() }} as _rules_fingerprint
    from prices_daily
    {{ ledgerhouse.portfolio_incremental_filter('business_date') }}
)

select * from final
