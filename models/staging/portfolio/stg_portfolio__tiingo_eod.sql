-- Tiingo end-of-day responses (raw_portfolio.tiingo_eod, one row per price
-- object) renamed to the columns of stg_portfolio__prices_eod and cast. The
-- API's date is an ISO timestamp at midnight ('2026-03-02T00:00:00.000Z').
with

source as (
    select * from {{ source('portfolio', 'tiingo_eod') }}
),

renamed as (
    select
        ticker as instrument_id,
        date as price_date_raw,
        {{ ledgerhouse.safe_cast_date(ledgerhouse.portfolio_tiingo_date_text('date')) }} as price_date,
        {{ ledgerhouse.portfolio_stg_price_columns(exact=false) }},
        adj_open as adj_open_raw,
        adj_high as adj_high_raw,
        adj_low as adj_low_raw,
        adj_volume as adj_volume_raw,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
