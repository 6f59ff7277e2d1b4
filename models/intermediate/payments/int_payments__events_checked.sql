-- Every raw payment event row with its validation result (payments.md §1).
-- X001: amount or event_ts present-but-unparseable or missing (an amount
-- with more decimal places than money keeps is unparseable, never rounded),
-- or no transaction_id or merchant_id (a row that names no transaction or
-- merchant cannot be reconciled or reported: quarantined, not dropped);
-- X002: status not one of PENDING, APPROVED, DECLINED, REFUNDED.
-- A row with any error is excluded from everything downstream (is_valid).
with

events as (
    select * from {{ ref('stg_payments__payment_events') }}
),

statuses as (
    select * from {{ ref('payment_statuses') }}
),

checked as (
    select
        events.transaction_id,
        events.merchant_id,
        events.user_id,
        events.amount,
        events.amount_raw,
        events.currency,
        events.status,
        events.event_ts,
        events.event_ts_raw,
        events._batch_id,
        events._source_file,
        events._line_number,
        events._file_sha256,
        events._loaded_at,
        (
            events.amount is null
            or events.event_ts is null
            or events.transaction_id is null
            or events.merchant_id is null
        ) as is_x001,
        statuses.status is null as is_x002
    from events
    left join statuses
        on events.status = statuses.status
),

final as (
    select
        transaction_id,
        merchant_id,
        user_id,
        amount,
        amount_raw,
        currency,
        status,
        event_ts,
        event_ts_raw,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at,
        is_x001,
        is_x002,
        (not is_x001 and not is_x002) as is_valid
    from checked
)

select * from final
