with

source as (
    select * from {{ source('raw_payments', 'bank_statements') }}
),

renamed as (
    select
        statement_id,
        transaction_id,
        {{ ledgerhouse.safe_cast_date('posting_date') }} as posting_date,
        posting_date as posting_date_raw,
        {{ ledgerhouse.safe_cast_exact('amount_posted', ledgerhouse.type_money()) }} as amount_posted,
        amount_posted as amount_posted_raw,
        {{ ledgerhouse.safe_cast_exact('fee_charged', ledgerhouse.type_money()) }} as fee_charged,
        fee_charged as fee_charged_raw,
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
