with

source as (
    select * from {{ source('raw_brokerage', 'prices') }}
),

renamed as (
    select
        cusip,
        {{ ledgerhouse.safe_cast_date('price_date') }} as price_date,
        price_date as price_date_raw,
        {{ ledgerhouse.safe_cast_exact('price', ledgerhouse.type_price()) }} as price,
        price as price_raw,
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
