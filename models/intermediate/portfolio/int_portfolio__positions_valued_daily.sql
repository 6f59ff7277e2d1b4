-- Positions valued on business date d (spec §3): close = latest close on or
-- before d, fx_rate = latest rate on or before d into the base currency
-- (1 when equal), market value and unrealized P&L in base currency, both
-- rounded half away from zero to 4 decimals.
with

positions as (
    select * from {{ ref('int_portfolio__positions_daily') }}
),

portfolio_days as (
    select * from {{ ref('int_portfolio__portfolio_days') }}
),

instruments as (
    select * from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

prices_daily as (
    select * from {{ ref('int_portfolio__prices_daily') }}
),

fx_daily as (
    select * from {{ ref('int_portfolio__fx_daily') }}
),

joined as (
    select
        positions.portfolio_id,
        positions.instrument_id,
        positions.business_date,
        portfolio_days.base_currency,
        instruments.currency as instrument_currency,
        positions.quantity,
        positions.cost_basis_local,
        prices_daily.close_price,
        prices_daily.price_date,
        case
            when instruments.currency = portfolio_days.base_currency
                then cast(1 as {{ ledgerhouse.type_price() }})
            else fx_daily.fx_rate
        end as fx_rate
    from positions
    inner join portfolio_days
        on
            positions.portfolio_id = portfolio_days.portfolio_id
            and positions.business_date = portfolio_days.business_date
    left join instruments
        on positions.instrument_id = instruments.instrument_id
    left join prices_daily
        on
            positions.instrument_id = prices_daily.instrument_id
            and positions.business_date = prices_daily.business_date
    left join fx_daily
        on
            instruments.currency = fx_daily.from_currency
            and portfolio_days.base_currency = fx_daily.to_currency
            and positions.business_date = fx_daily.business_date
),

final as (
    select
        portfolio_id,
        instrument_id,
        business_date,
        base_currency,
        instrument_currency,
        quantity,
        cost_basis_local,
        close_price,
        price_date,
        fx_rate,
        cast(
            {{ ledgerhouse.round_half_away('quantity * close_price', 4) }}
            as {{ ledgerhouse.type_money() }}
        ) as market_value_local,
        cast(
            {{ ledgerhouse.round_half_away('quantity * close_price * fx_rate', 4) }}
            as {{ ledgerhouse.type_money() }}
        ) as market_value_base,
        cast(
            {{ ledgerhouse.round_half_away('cost_basis_local * fx_rate', 4) }}
            as {{ ledgerhouse.type_money() }}
        ) as cost_basis_base
    from joined
)

select * from final
