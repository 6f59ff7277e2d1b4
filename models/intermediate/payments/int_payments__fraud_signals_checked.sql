-- Every raw fraud signal row with its validation result (payments.md §1).
-- X001: fraud_score or inference_time missing or unparseable;
-- X003: fraud_score parses but lies outside [0, 1].
with

signals as (
    select * from {{ ref('stg_payments__fraud_signals') }}
),

checked as (
    select
        fraud_signal_id,
        transaction_id,
        fraud_score,
        fraud_score_raw,
        model_version,
        inference_time,
        inference_time_raw,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at,
        (fraud_score is null or inference_time is null) as is_x001,
        coalesce(fraud_score < 0 or fraud_score > 1, false) as is_x003
    from signals
),

final as (
    select
        fraud_signal_id,
        transaction_id,
        fraud_score,
        fraud_score_raw,
        model_version,
        inference_time,
        inference_time_raw,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at,
        is_x001,
        is_x003,
        (not is_x001 and not is_x003) as is_valid
    from checked
)

select * from final
