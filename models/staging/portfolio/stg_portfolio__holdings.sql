with

source as (
    select * from {{ source('portfolio', 'holdings') }}
),

renamed as (
    select
        portfolio_id,
        instrument_id,
        quantity as quantity_raw,
        {{ ledgerhouse.safe_cast_exact('quantity', ledgerhouse.type_quantity()) }} as quantity,
        as_of_date as as_of_date_raw,
        {{ ledgerhouse.safe_cast_date('as_of_date') }} as as_of_date,
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
