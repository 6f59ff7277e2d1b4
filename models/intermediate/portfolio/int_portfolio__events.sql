-- Every valid event of a portfolio: transactions that pass P001-P006 and
-- holdings rows as TRANSFER_IN, with the cash rule of spec §3 applied, the
-- cost of the lot an event opens, and the business date it takes effect
-- (the first NYSE business date on or after trade_date). Quantities also in
-- the instrument's latest units (split_adjusted_quantity), for FIFO and positions.
with

transactions as (
    select * from {{ ref('int_portfolio__transactions_checked') }}
    where is_valid
),

oversells as (
    select transaction_id from {{ ref('int_portfolio__oversell_checked') }}
    where has_p006
),

holdings as (
    select * from {{ ref('int_portfolio__holdings_checked') }}
    where is_valid
),

instruments as (
    select * from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

transaction_types as (
    select * from {{ ref('portfolio_transaction_types') }}
),

prices as (
    select * from {{ ref('int_portfolio__prices_checked') }}
    where is_valid
),

business_dates as (
    select business_date from {{ ref('portfolio_business_dates') }}
),

split_factors as (
    select * from {{ ref('int_portfolio__split_factors') }}
),

all_events as (
    -- joins rather than [not] in (subquery): Spark fails to ship a subquery
    -- over a union (a unit test's fixture) to its executors
    select
        transactions.transaction_id,
        transactions.portfolio_id,
        transactions.instrument_id,
        transactions.transaction_type,
        transactions.trade_date,
        transactions.settle_date,
        transactions.quantity,
        transactions.price,
        transactions.gross_amount,
        transactions.fees,
        transactions.currency,
        'transactions' as event_source,
        transactions._source_file,
        transactions._line_number
    from transactions
    left join oversells
        on transactions.transaction_id = oversells.transaction_id
    where oversells.transaction_id is null
    union all
    select
        holdings.transaction_id,
        holdings.portfolio_id,
        holdings.instrument_id,
        'TRANSFER_IN' as transaction_type,
        holdings.as_of_date as trade_date,
        holdings.as_of_date as settle_date,
        holdings.quantity,
        cast(null as {{ ledgerhouse.type_price() }}) as price,
        cast(null as {{ ledgerhouse.type_money() }}) as gross_amount,
        cast(null as {{ ledgerhouse.type_money() }}) as fees,
        instruments.currency,
        'holdings' as event_source,
        holdings._source_file,
        holdings._line_number
    from holdings
    left join instruments
        on holdings.instrument_id = instruments.instrument_id
),

effective_dates as (
    select
        all_events.transaction_id,
        min(business_dates.business_date) as business_date
    from all_events
    inner join business_dates
        on
            all_events.trade_date <= business_dates.business_date
            and business_dates.business_date <= {{ dbt.dateadd('day', 10, 'all_events.trade_date') }}
    group by all_events.transaction_id
),

closes_on_or_before as (
    select
        all_events.transaction_id,
        prices.close_price,
        row_number() over (
            partition by all_events.transaction_id
            order by prices.price_date desc
        ) as recency
    from all_events
    inner join transaction_types
        on
            all_events.transaction_type = transaction_types.transaction_type
            and transaction_types.external_flow_basis = 'market_value'
    inner join prices
        on
            all_events.instrument_id = prices.instrument_id
            and all_events.trade_date >= prices.price_date
),

valued as (
    select
        all_events.*,
        effective_dates.business_date,
        instruments.currency as instrument_currency,
        closes_on_or_before.close_price as close_on_trade_date,
        coalesce(split_factors.factor_to_latest, 1) as split_factor_to_latest,
        transaction_types.cash_basis,
        transaction_types.cash_sign,
        transaction_types.quantity_sign,
        transaction_types.opens_lot,
        transaction_types.consumes_lot,
        transaction_types.has_realized_pnl,
        transaction_types.external_flow_sign,
        transaction_types.external_flow_basis,
        case
            when transaction_types.cash_basis = 'trade'
                then cast(
                    {{ ledgerhouse.round_half_away('all_events.quantity * all_events.price', 4) }}
                    as {{ ledgerhouse.type_money() }}
                )
        end as trade_value_local
    from all_events
    inner join transaction_types
        on all_events.transaction_type = transaction_types.transaction_type
    left join effective_dates
        on all_events.transaction_id = effective_dates.transaction_id
    left join instruments
        on all_events.instrument_id = instruments.instrument_id
    left join closes_on_or_before
        on
            all_events.transaction_id = closes_on_or_before.transaction_id
            and closes_on_or_before.recency = 1
    left join split_factors
        on
            all_events.instrument_id = split_factors.instrument_id
            and all_events.trade_date >= split_factors.valid_from
            and all_events.trade_date < split_factors.valid_to
),

final as (
    select
        transaction_id,
        portfolio_id,
        instrument_id,
        transaction_type,
        trade_date,
        settle_date,
        business_date,
        quantity,
        split_factor_to_latest,
        {{ ledgerhouse.portfolio_split_adjusted('quantity', 'split_factor_to_latest') }}
            as split_adjusted_quantity,
        price,
        gross_amount,
        fees,
        currency,
        instrument_currency,
        event_source,
        cash_basis,
        cash_sign,
        quantity_sign,
        opens_lot,
        consumes_lot,
        has_realized_pnl,
        external_flow_sign,
        external_flow_basis,
        close_on_trade_date,
        trade_value_local,
        cast(
            case cash_basis
                when 'trade' then cash_sign * trade_value_local - coalesce(fees, 0)
                when 'amount' then cash_sign * gross_amount
                else 0
            end
            as {{ ledgerhouse.type_money() }}
        ) as cash_flow_local,
        cast(
            case
                when opens_lot and cash_basis = 'trade'
                    then trade_value_local + coalesce(fees, 0)
                when opens_lot
                    then {{ ledgerhouse.round_half_away('quantity * close_on_trade_date', 4) }}
            end
            as {{ ledgerhouse.type_money() }}
        ) as lot_cost_local,
        _source_file,
        _line_number
    from valued
)

select * from final
