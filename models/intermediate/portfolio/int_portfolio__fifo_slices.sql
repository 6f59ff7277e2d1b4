-- FIFO cost basis (spec §3) by cumulative-quantity interval matching.
-- Per portfolio and instrument, lots (BUY, TRANSFER_IN, holdings) occupy
-- [lot_start, lot_end) on the running sum of quantity in, ordered by
-- (trade_date, transaction_id); outs (SELL, TRANSFER_OUT) occupy
-- [out_start, out_end) on the running sum of quantity out in the same order.
-- A slice is the overlap of a lot and an out. P006 guarantees every out is
-- covered by lots dated on or before it, so ins are booked before outs.
-- Quantities are split-adjusted (the instrument's latest units): a split
-- scales a lot's quantity, never its cost, so a slice's share of the lot
-- and the realized P&L are the same as without the split.
with

events as (
    select * from {{ ref('int_portfolio__events') }}
),

lots as (
    select
        portfolio_id,
        instrument_id,
        transaction_id as lot_transaction_id,
        trade_date as lot_trade_date,
        split_adjusted_quantity as lot_quantity,
        lot_cost_local,
        sum(split_adjusted_quantity) over (
            partition by portfolio_id, instrument_id
            order by trade_date, {{ ledgerhouse.binary_order('transaction_id') }}
            rows between unbounded preceding and current row
        ) as lot_end
    from events
    where opens_lot
),

outs as (
    select
        portfolio_id,
        instrument_id,
        transaction_id as out_transaction_id,
        trade_date as out_trade_date,
        split_factor_to_latest as out_split_factor,
        split_adjusted_quantity as out_quantity,
        sum(split_adjusted_quantity) over (
            partition by portfolio_id, instrument_id
            order by trade_date, {{ ledgerhouse.binary_order('transaction_id') }}
            rows between unbounded preceding and current row
        ) as out_end
    from events
    where consumes_lot
),

matched_slices as (
    select
        lots.portfolio_id,
        lots.instrument_id,
        lots.lot_transaction_id,
        lots.lot_trade_date,
        lots.lot_quantity,
        lots.lot_cost_local,
        outs.out_transaction_id,
        outs.out_trade_date,
        outs.out_split_factor,
        outs.out_end - outs.out_quantity as out_start,
        lots.lot_end,
        -- the slice that reaches the lot's end exhausts the lot
        lots.lot_end <= outs.out_end as is_last_slice_of_lot,
        case
            when lots.lot_end < outs.out_end then lots.lot_end else outs.out_end
        end
        - case
            when lots.lot_end - lots.lot_quantity > outs.out_end - outs.out_quantity
                then lots.lot_end - lots.lot_quantity
            else outs.out_end - outs.out_quantity
        end as slice_quantity
    from lots
    inner join outs
        on
            lots.portfolio_id = outs.portfolio_id
            and lots.instrument_id = outs.instrument_id
            and lots.lot_end - lots.lot_quantity < outs.out_end
            and outs.out_end - outs.out_quantity < lots.lot_end
),

rounded as (
    select
        *,
        {{ ledgerhouse.divide_round(
            'matched_slices.lot_cost_local * matched_slices.slice_quantity', 'matched_slices.lot_quantity', 4) }}
            as proportional_cost
    from matched_slices
),

with_prior as (
    select
        *,
        coalesce(sum(proportional_cost) over (
            partition by portfolio_id, instrument_id, lot_transaction_id
            order by out_start, out_trade_date, {{ ledgerhouse.binary_order('out_transaction_id') }}
            rows between unbounded preceding and 1 preceding
        ), 0) as prior_slices_cost
    from rounded
),

final as (
    select
        portfolio_id,
        instrument_id,
        lot_transaction_id,
        lot_trade_date,
        out_transaction_id,
        out_trade_date,
        -- in the units of the out's trade date
        cast(
            {{ ledgerhouse.divide_round('slice_quantity', 'out_split_factor', 6) }}
            as {{ ledgerhouse.type_quantity() }}
        ) as slice_quantity,
        is_last_slice_of_lot,
        cast(
            case
                when is_last_slice_of_lot then lot_cost_local - prior_slices_cost
                else proportional_cost
            end
            as {{ ledgerhouse.type_money() }}
        ) as slice_cost_local
    from with_prior
)

select * from final
