with

source as (
    select * from {{ source('raw_brokerage', 'activity') }}
),

renamed as (
    select
        activity_id,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        maxx_key_code,
        {{ ledgerhouse.safe_cast_exact('quantity', ledgerhouse.type_quantity()) }} as quantity,
        quantity as quantity_raw,
        {{ ledgerhouse.safe_cast_exact('amount', ledgerhouse.type_money()) }} as amount,
        amount as amount_raw,
        {{ ledgerhouse.safe_cast_date('trade_date') }} as trade_date,
        trade_date as trade_date_raw,
        {{ ledgerhouse.safe_cast_date('settle_date') }} as settle_date,
        settle_date as settle_date_raw,
        {{ ledgerhouse.safe_cast_integer('entry_seq') }} as entry_seq,
        entry_seq as entry_seq_raw,
        {{ ledgerhouse.safe_cast_timestamp('entry_ts') }} as entry_ts,
        entry_ts as entry_ts_raw,
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
