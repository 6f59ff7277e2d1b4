-- P006 (spec §1): for every otherwise-valid SELL / TRANSFER_OUT, in order
-- (trade_date, transaction_id) per portfolio and instrument, the cumulative
-- quantity out (all such rows, flagged ones included) is compared with the
-- cumulative quantity in (BUY, TRANSFER_IN, holdings) with trade_date on or
-- before that row's. Set-based: two running sums and a range join, on
-- split-adjusted quantities (the instrument's latest units).
with

transactions as (
    select * from {{ ref('int_portfolio__transactions_checked') }}
    where is_valid
),

holdings as (
    select * from {{ ref('int_portfolio__holdings_checked') }}
    where is_valid
),

transaction_types as (
    select * from {{ ref('portfolio_transaction_types') }}
),

split_factors as (
    select * from {{ ref('int_portfolio__split_factors') }}
),

typed_moves as (
    -- a holdings row is a TRANSFER_IN (spec §1): its sign comes from the seed
    select
        portfolio_id,
        instrument_id,
        transaction_id,
        trade_date,
        quantity,
        transaction_type
    from transactions
    union all
    select
        portfolio_id,
        instrument_id,
        transaction_id,
        as_of_date as trade_date,
        quantity,
        'TRANSFER_IN' as transaction_type
    from holdings
),

unadjusted_moves as (
    select
        typed_moves.portfolio_id,
        typed_moves.instrument_id,
        typed_moves.transaction_id,
        typed_moves.trade_date,
        typed_moves.quantity,
        transaction_types.quantity_sign
    from typed_moves
    inner join transaction_types
        on typed_moves.transaction_type = transaction_types.transaction_type
    where transaction_types.quantity_sign <> 0
),

moves as (
    select
        unadjusted_moves.portfolio_id,
        unadjusted_moves.instrument_id,
        unadjusted_moves.transaction_id,
        unadjusted_moves.trade_date,
        {{ ledgerhouse.portfolio_split_adjusted(
            'unadjusted_moves.quantity', 'split_factors.factor_to_latest') }} as quantity,
        unadjusted_moves.quantity_sign
    from unadjusted_moves
    left join split_factors
        on
            unadjusted_moves.instrument_id = split_factors.instrument_id
            and unadjusted_moves.trade_date >= split_factors.valid_from
            and unadjusted_moves.trade_date < split_factors.valid_to
),

ins_by_date as (
    select
        portfolio_id,
        instrument_id,
        trade_date,
        sum(quantity) as quantity_in
    from moves
    where quantity_sign > 0
    group by portfolio_id, instrument_id, trade_date
),

cumulative_in as (
    select
        portfolio_id,
        instrument_id,
        trade_date,
        sum(quantity_in) over (
            partition by portfolio_id, instrument_id
            order by trade_date
            rows between unbounded preceding and current row
        ) as cumulative_quantity_in
    from ins_by_date
),

outs as (
    select
        portfolio_id,
        instrument_id,
        transaction_id,
        trade_date,
        quantity,
        sum(quantity) over (
            partition by portfolio_id, instrument_id
            order by trade_date, {{ ledgerhouse.binary_order('transaction_id') }}
            rows between unbounded preceding and current row
        ) as cumulative_quantity_out
    from moves
    where quantity_sign < 0
),

outs_with_in as (
    select
        outs.transaction_id,
        outs.portfolio_id,
        outs.instrument_id,
        outs.trade_date,
        outs.quantity,
        outs.cumulative_quantity_out,
        coalesce(max(cumulative_in.cumulative_quantity_in), 0) as cumulative_quantity_in
    from outs
    left join cumulative_in
        on
            outs.portfolio_id = cumulative_in.portfolio_id
            and outs.instrument_id = cumulative_in.instrument_id
            and outs.trade_date >= cumulative_in.trade_date
    group by
        outs.transaction_id,
        outs.portfolio_id,
        outs.instrument_id,
        outs.trade_date,
        outs.quantity,
        outs.cumulative_quantity_out
),

final as (
    select
        transaction_id,
        portfolio_id,
        instrument_id,
        trade_date,
        quantity,
        cumulative_quantity_out,
        cumulative_quantity_in,
        cumulative_quantity_out > cumulative_quantity_in as has_p006
    from outs_with_in
)

select * from final
