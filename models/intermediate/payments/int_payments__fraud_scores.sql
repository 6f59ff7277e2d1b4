-- The current fraud score per transaction: the valid signal with the latest
-- inference_time (ties: later load order wins). Re-scoring by a newer model
-- therefore replaces the older score. X001/X003 signals never count.
with

signals as (
    select * from {{ ref('int_payments__fraud_signals_checked') }}
),

valid_signals as (
    select * from signals
    where is_valid
),

ranked as (
    select
        *,
        row_number() over (
            partition by transaction_id
            order by inference_time desc, _loaded_at desc, _source_file desc, _line_number desc
        ) as recency_rank,
        count(*) over (partition by transaction_id) as signal_count,
        max(_loaded_at) over (partition by transaction_id) as signals_loaded_at
    from valid_signals
),

final as (
    select
        transaction_id,
        fraud_signal_id,
        fraud_score,
        model_version,
        inference_time,
        signal_count,
        signals_loaded_at
    from ranked
    where recency_rank = 1
)

select * from final
