-- Every raw fraud signal row with its validation result (payments.md §1).
-- X001: fraud_score or inference_time missing or unparseable;
-- X003: fraud_score parses but lies outside [0, 1].
with

signals as (
    select * from {{ ref('stg_payments__fraud_signals') }}
),

checked as (
    select
        *,
        (fraud_score is null or inference_time is null) as is_x001,
        coalesce(fraud_score < 0 or fraud_score > 1, false) as is_x003
    from signals
),

final as (
    select
        *,
        not (is_x001 or is_x003) as is_valid
    from checked
)

select * from final
