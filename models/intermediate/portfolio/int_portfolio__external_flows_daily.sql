-- External flow F_d per portfolio and business date (spec §3), base
-- currency: deposits - withdrawals (at that day's fx) + value of
-- TRANSFER_IN - value of TRANSFER_OUT (quantity x close x fx of the day).
-- Flows are booked at the end of their effective business date.
with

events as (
    select * from {{ ref('int_portfolio__events') }}
    where external_flow_sign <> 0
),

portfolio_days as (
    select * from {{ ref('int_portfolio__portfolio_days') }}
),

prices_daily as (
    select * from {{ ref('int_portfolio__prices_daily') }}
),

fx_daily as (
    select * from {{ ref('int_portfolio__fx_daily') }}
),

valued as (
    select
        events.portfolio_id,
        events.business_date,
        events.transaction_id,
        events.external_flow_sign,
        case
            when events.external_flow_basis = 'amount'
                then {{ ledgerhouse.round_half_away(
                    'events.gross_amount * case when events.currency = portfolio_days.base_currency then 1 else fx_daily.fx_rate end', 4) }}
            when events.external_flow_basis = 'market_value'
                then {{ ledgerhouse.round_half_away(
                    'events.quantity * prices_daily.close_price * case when events.instrument_currency = portfolio_days.base_currency then 1 else fx_daily.fx_rate end', 4) }}
        end as flow_value_base
    from events
    inner join portfolio_days
        on
            events.portfolio_id = portfolio_days.portfolio_id
            and events.business_date = portfolio_days.business_date
    left join prices_daily
        on
            events.instrument_id = prices_daily.instrument_id
            and events.business_date = prices_daily.business_date
    left join fx_daily
        on
            case
                when events.external_flow_basis = 'amount' then events.currency
                else events.instrument_currency
            end = fx_daily.from_currency
            and portfolio_days.base_currency = fx_daily.to_currency
            and events.business_date = fx_daily.business_date
),

final as (
    select
        portfolio_id,
        business_date,
        count(*) as flow_count,
        cast(sum(external_flow_sign * flow_value_base) as {{ ledgerhouse.type_money() }})
            as net_external_flow
    from valued
    group by portfolio_id, business_date
)

select * from final
