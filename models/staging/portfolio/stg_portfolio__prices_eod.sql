with

source as (
    select * from {{ source('portfolio', 'prices_eod') }}
),

renamed as (
    select
        instrument_id,
        date as price_date_raw,
        {{ ledgerhouse.safe_cast_date('date') }} as price_date,
        {{ ledgerhouse.portfolio_stg_price_columns(exact=true) }},
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
