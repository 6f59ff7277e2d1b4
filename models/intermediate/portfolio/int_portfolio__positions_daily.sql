-- Quantity and remaining FIFO cost per portfolio, instrument and business
-- date: running sums of the events' quantity and cost changes, carried
-- forward to every business date of the portfolio until the next change.
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
        sum(events.quantity_sign * events.quantity) as quantity_change,
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

final as (
    select
        running.portfolio_id,
        running.instrument_id,
        portfolio_days.business_date,
        cast(running.quantity as {{ ledgerhouse.type_quantity() }}) as quantity,
        cast(running.cost_basis_local as {{ ledgerhouse.type_money() }}) as cost_basis_local
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
)

select * from final
