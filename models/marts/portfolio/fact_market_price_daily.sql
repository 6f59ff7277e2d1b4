{{
    config(
        materialized="incremental",
        incremental_strategy="delete+insert",
        unique_key="business_date",
        on_schema_change="fail",
        pre_hook="{{ ledgerhouse.portfolio_delete_affected() }}",
    )
}}
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
        open_price,
        high_price,
        low_price,
        close_price,
        volume,
        adj_close,
        div_cash,
        split_factor,
        daily_return,
        total_return_local,
        {{ ledgerhouse.portfolio_inputs_loaded_at() }} as _inputs_loaded_at
    from prices_daily
    {{ ledgerhouse.portfolio_incremental_filter('business_date') }}
)

select * from final
