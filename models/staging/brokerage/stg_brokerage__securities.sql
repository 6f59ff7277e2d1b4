with

source as (
    select * from {{ source('raw_brokerage', 'securities') }}
),

renamed as (
    select
        cusip,
        uls,
        product_line,
        description,
        {{ ledgerhouse.safe_cast_exact('strike_price', ledgerhouse.type_price()) }} as strike_price,
        strike_price as strike_price_raw,
        {{ ledgerhouse.safe_cast_exact('contract_size', ledgerhouse.type_quantity()) }} as contract_size,
        contract_size as contract_size_raw,
        {{ ledgerhouse.safe_cast_date('exp_or_maturity_date') }} as exp_or_maturity_date,
        exp_or_maturity_date as exp_or_maturity_date_raw,
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
