with

source as (
    select * from {{ source('portfolio', 'fx_rates') }}
),

renamed as (
    select
        date as rate_date_raw,
        {{ ledgerhouse.safe_cast_date('date') }} as rate_date,
        from_currency,
        to_currency,
        rate as rate_raw,
        {{ ledgerhouse.safe_cast_exact('rate', ledgerhouse.type_price()) }} as rate,
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
