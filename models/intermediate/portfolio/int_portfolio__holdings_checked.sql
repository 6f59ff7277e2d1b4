with

holdings as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__holdings')) }}
),

portfolios as (
    select portfolio_id from {{ ref('int_portfolio__portfolios_checked') }}
    where is_valid
),

instruments as (
    select instrument_id from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

checked as (
    select
        holdings.*,
        portfolios.portfolio_id is null as has_p002,
        instruments.instrument_id is null as has_p003,
        (
            holdings.as_of_date is null
            or not coalesce(holdings.quantity > 0, false)
        ) as has_p005
    from holdings
    left join portfolios
        on holdings.portfolio_id = portfolios.portfolio_id
    left join instruments
        on holdings.instrument_id = instruments.instrument_id
),

final as (
    select
        -- a holdings row is a TRANSFER_IN; its id names its row
        'HOLDING-' || portfolio_id || '-' || instrument_id || '-' || as_of_date_raw
            as transaction_id,
        portfolio_id,
        instrument_id,
        quantity,
        as_of_date,
        has_p002,
        has_p003,
        has_p005,
        not(has_p002 or has_p003 or has_p005) as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from checked
)

select * from final
