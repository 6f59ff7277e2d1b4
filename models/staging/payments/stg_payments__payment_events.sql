with

source as (
    select * from {{ source('raw_payments', 'payment_events') }}
),

renamed as (
    select
        transaction_id,
        merchant_id,
        user_id,
        {{ ledgerhouse.safe_cast_exact('amount', ledgerhouse.type_money()) }} as amount,
        amount as amount_raw,
        currency,
        status,
        {{ ledgerhouse.safe_cast_timestamp('event_ts') }} as event_ts,
        event_ts as event_ts_raw,
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
