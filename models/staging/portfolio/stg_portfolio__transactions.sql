with

source as (
    select * from {{ source('portfolio', 'transactions') }}
),

renamed as (
    select
        transaction_id,
        portfolio_id,
        instrument_id,
        type as transaction_type,
        trade_date as trade_date_raw,
        {{ ledgerhouse.safe_cast_date('trade_date') }} as trade_date,
        settle_date as settle_date_raw,
        {{ ledgerhouse.safe_cast_date('settle_date') }} as settle_date,
        quantity as quantity_raw,
        {{ ledgerhouse.safe_cast_exact('quantity', ledgerhouse.type_quantity()) }} as quantity,
        price as price_raw,
        {{ ledgerhouse.safe_cast_exact('price', ledgerhouse.type_price()) }} as price,
        gross_amount as gross_amount_raw,
        {{ ledgerhouse.safe_cast_exact('gross_amount', ledgerhouse.type_money()) }} as gross_amount,
        fees as fees_raw,
        {{ ledgerhouse.safe_cast_exact('fees', ledgerhouse.type_money()) }} as fees,
        currency,
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
