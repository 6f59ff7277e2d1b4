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
        -- a holdings row is a TRANSFER_IN; its id names its row
        'HOLDING-' || holdings.portfolio_id || '-' || holdings.instrument_id || '-' || holdings.as_of_date_raw
            as transaction_id,
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

-- a second row for the same portfolio, instrument and as_of_date (in
-- this file or another delivered file) has the same transaction id: P001,
-- the first in load order stays valid (as for transactions.csv)
ranked as (
    select
        *,
        row_number() over (
            partition by transaction_id
            order by _loaded_at, _source_file, _line_number
        ) as id_rank
    from checked
),

final as (
    select
        transaction_id,
        portfolio_id,
        instrument_id,
        quantity,
        as_of_date,
        transaction_id is not null and id_rank > 1 as has_p001,
        has_p002,
        has_p003,
        has_p005,
        not(transaction_id is not null and id_rank > 1 or has_p002 or has_p003 or has_p005) as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
)

select * from final
