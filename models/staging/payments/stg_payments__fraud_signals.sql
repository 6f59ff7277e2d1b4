with

source as (
    select * from {{ source('raw_payments', 'fraud_signals') }}
),

renamed as (
    select
        fraud_signal_id,
        transaction_id,
        {{ ledgerhouse.safe_cast_exact('fraud_score', ledgerhouse.type_score()) }} as fraud_score,
        fraud_score as fraud_score_raw,
        model_version,
        {{ ledgerhouse.safe_cast_timestamp('inference_time') }} as inference_time,
        inference_time as inference_time_raw,
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
