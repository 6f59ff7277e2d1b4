with

transactions as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__transactions')) }}
),

transaction_types as (
    select * from {{ ref('portfolio_transaction_types') }}
),

portfolios as (
    select portfolio_id from {{ ref('int_portfolio__portfolios_checked') }}
    where is_valid
),

instruments as (
    select instrument_id from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

joined as (
    select
        transactions.*,
        transaction_types.transaction_type is not null as is_known_type,
        transaction_types.cash_basis,
        transaction_types.quantity_sign,
        transaction_types.requires_instrument,
        portfolios.portfolio_id is not null as is_known_portfolio,
        instruments.instrument_id is not null as is_known_instrument,
        row_number() over (
            partition by transactions.transaction_id
            order by transactions._loaded_at, transactions._line_number
        ) as id_rank
    from transactions
    left join transaction_types
        on transactions.transaction_type = transaction_types.transaction_type
    left join portfolios
        on transactions.portfolio_id = portfolios.portfolio_id
    left join instruments
        on transactions.instrument_id = instruments.instrument_id
),

checked as (
    select
        *,
        transaction_id is not null and id_rank > 1 as has_p001,
        not is_known_portfolio as has_p002,
        is_known_type and (
            (requires_instrument and instrument_id is null)
            or (instrument_id is not null and not is_known_instrument)
        ) as has_p003,
        not is_known_type as has_p004,
        coalesce(
            transaction_id is null
            or trade_date is null
            or {{ ledgerhouse.is_unparseable('settle_date_raw', 'settle_date') }}
            or {{ ledgerhouse.is_unparseable('quantity_raw', 'quantity') }}
            or {{ ledgerhouse.is_unparseable('price_raw', 'price') }}
            or {{ ledgerhouse.is_unparseable('gross_amount_raw', 'gross_amount') }}
            or {{ ledgerhouse.is_unparseable('fees_raw', 'fees') }}
            -- what the type needs must be present and positive
            or (cash_basis = 'trade' and not coalesce(price > 0, false))
            or (quantity_sign <> 0 and not coalesce(quantity > 0, false))
            or (cash_basis = 'amount' and gross_amount is null)
            or coalesce(fees < 0, false)
            -- a type that moves cash needs the currency it moves (an ISO code)
            or (
                cash_basis <> 'none'
                and not coalesce({{ ledgerhouse.regex_full_match('currency', '[A-Z]{3}') }}, false)
            ),
            false
        ) as has_p005
    from joined
),

final as (
    select
        transaction_id,
        portfolio_id,
        instrument_id,
        transaction_type,
        trade_date,
        settle_date,
        quantity,
        price,
        gross_amount,
        fees,
        currency,
        has_p001,
        has_p002,
        has_p003,
        has_p004,
        has_p005,
        not(has_p001 or has_p002 or has_p003 or has_p004 or has_p005) as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from checked
)

select * from final
