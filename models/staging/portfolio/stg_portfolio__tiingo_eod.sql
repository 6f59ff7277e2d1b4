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
        open as open_raw,
        {{ ledgerhouse.safe_cast_number('open', ledgerhouse.type_price()) }} as open_price,
        high as high_raw,
        {{ ledgerhouse.safe_cast_number('high', ledgerhouse.type_price()) }} as high_price,
        low as low_raw,
        {{ ledgerhouse.safe_cast_number('low', ledgerhouse.type_price()) }} as low_price,
        close as close_raw,
        {{ ledgerhouse.safe_cast_number('close', ledgerhouse.type_price()) }} as close_price,
        volume as volume_raw,
        {{ ledgerhouse.safe_cast_number('volume', ledgerhouse.type_quantity()) }} as volume,
        adj_close as adj_close_raw,
        {{ ledgerhouse.safe_cast_number('adj_close', ledgerhouse.type_price()) }} as adj_close,
        div_cash as div_cash_raw,
        {{ ledgerhouse.safe_cast_number('div_cash', ledgerhouse.type_price()) }} as div_cash,
        split_factor as split_factor_raw,
        {{ ledgerhouse.safe_cast_number('split_factor', ledgerhouse.type_price()) }} as split_factor,
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
