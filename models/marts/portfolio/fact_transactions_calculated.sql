with

events as (
    select * from {{ ref('int_portfolio__events') }}
),

slices as (
    select * from {{ ref('int_portfolio__fifo_slices') }}
),

cost_of_outs as (
    select
        out_transaction_id,
        count(*) as slice_count,
        sum(slice_cost_local) as cost_of_sold_local
    from slices
    group by out_transaction_id
),

final as (
    select
        events.transaction_id,
        events.portfolio_id,
        events.instrument_id,
        events.transaction_type,
        events.event_source,
        events.trade_date,
        events.settle_date,
        events.business_date,
        events.quantity,
        events.price,
        events.gross_amount,
        events.fees,
        events.currency,
        events.trade_value_local,
        events.cash_flow_local,
        events.lot_cost_local,
        case when events.consumes_lot then coalesce(cost_of_outs.slice_count, 0) end as lot_slice_count,
        cast(
            case when events.consumes_lot then cost_of_outs.cost_of_sold_local end
            as {{ ledgerhouse.type_money() }}
        ) as cost_of_sold_local,
        cast(
            case
                when events.has_realized_pnl
                    then events.trade_value_local - coalesce(events.fees, 0) - cost_of_outs.cost_of_sold_local
            end
            as {{ ledgerhouse.type_money() }}
        ) as realized_pnl_local,
        events._source_file as source_file,
        events._line_number as line_number
    from events
    left join cost_of_outs
        on events.transaction_id = cost_of_outs.out_transaction_id
)

select * from final
