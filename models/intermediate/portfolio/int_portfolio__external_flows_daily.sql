-- External flow F_d per portfolio and business date (spec §3), base
-- currency: deposits - withdrawals (at that day's fx) + value of
-- TRANSFER_IN - value of TRANSFER_OUT (quantity x close x fx of the day).
-- Flows are booked at the end of their effective business date. A transfer's
-- quantity is in the units of its trade date; a split that takes effect
-- after the trade date and on or before the business date (a Saturday trade,
-- a Monday split) converts it to that day's units, as positions_daily does.
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

split_factors as (
    select * from {{ ref('int_portfolio__split_factors') }}
),

in_day_units as (
    select
        events.*,
        case
            when events.split_factor_to_latest = coalesce(split_factors.factor_to_latest, 1)
                then events.quantity
            else
                cast(
                    {{ ledgerhouse.divide_round(
                        'events.split_adjusted_quantity', 'coalesce(split_factors.factor_to_latest, 1)', 6) }}
                    as {{ ledgerhouse.type_quantity() }}
                )
        end as quantity_on_business_date
    from events
    left join split_factors
        on
            events.instrument_id = split_factors.instrument_id
            and events.business_date >= split_factors.valid_from
            and events.business_date < split_factors.valid_to
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
                    'events.quantity_on_business_date * prices_daily.close_price * case when events.instrument_currency = portfolio_days.base_currency then 1 else fx_daily.fx_rate end', 4) }}
        end as flow_value_base
    from in_day_units as events
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
