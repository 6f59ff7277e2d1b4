-- Quantity and remaining FIFO cost per portfolio, instrument and business
-- date: running sums of the events' quantity and cost changes, carried
-- forward to every business date of the portfolio until the next change.
-- Quantities are summed in the instrument's latest units and turned into
-- the units of each business date, so a split changes the quantity on its
-- date (and the remaining cost stays).
with

events as (
    select * from {{ ref('int_portfolio__events') }}
    where quantity_sign <> 0
),

slices as (
    select * from {{ ref('int_portfolio__fifo_slices') }}
),

portfolio_days as (
    select * from {{ ref('int_portfolio__portfolio_days') }}
),

split_factors as (
    select * from {{ ref('int_portfolio__split_factors') }}
),

cost_of_outs as (
    select
        out_transaction_id,
        sum(slice_cost_local) as cost_of_sold_local
    from slices
    group by out_transaction_id
),

changes as (
    select
        events.portfolio_id,
        events.instrument_id,
        events.business_date,
        sum(events.quantity_sign * events.split_adjusted_quantity) as quantity_change,
        sum(
            case
                when events.opens_lot then events.lot_cost_local
                when events.consumes_lot then -cost_of_outs.cost_of_sold_local
                else 0
            end
        ) as cost_change
    from events
    left join cost_of_outs
        on events.transaction_id = cost_of_outs.out_transaction_id
    group by events.portfolio_id, events.instrument_id, events.business_date
),

running as (
    select
        portfolio_id,
        instrument_id,
        business_date as change_date,
        sum(quantity_change) over (
            partition by portfolio_id, instrument_id
            order by business_date
            rows between unbounded preceding and current row
        ) as quantity,
        sum(cost_change) over (
            partition by portfolio_id, instrument_id
            order by business_date
            rows between unbounded preceding and current row
        ) as cost_basis_local,
        lead(business_date) over (
            partition by portfolio_id, instrument_id
            order by business_date
        ) as next_change_date
    from changes
),

daily as (
    select
        running.portfolio_id,
        running.instrument_id,
        portfolio_days.business_date,
        running.quantity as split_adjusted_quantity,
        running.cost_basis_local
    from running
    inner join portfolio_days
        on
            running.portfolio_id = portfolio_days.portfolio_id
            and running.change_date <= portfolio_days.business_date
            and (
                running.next_change_date is null
                or running.next_change_date > portfolio_days.business_date
            )
    where running.quantity <> 0
),

final as (
    select
        daily.portfolio_id,
        daily.instrument_id,
        daily.business_date,
        cast(
            {{ ledgerhouse.divide_round(
                'daily.split_adjusted_quantity', 'coalesce(split_factors.factor_to_latest, 1)', 6) }}
            as {{ ledgerhouse.type_quantity() }}
        ) as quantity,
        cast(daily.cost_basis_local as {{ ledgerhouse.type_money() }}) as cost_basis_local
    from daily
    left join split_factors
        on
            daily.instrument_id = split_factors.instrument_id
            and daily.business_date >= split_factors.valid_from
            and daily.business_date < split_factors.valid_to
)

select * from final
