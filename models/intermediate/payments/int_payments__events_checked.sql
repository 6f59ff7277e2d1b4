-- Every raw payment event row with its validation result (payments.md §1).
-- X001: amount or event_ts present-but-unparseable or missing;
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
        events.*,
        (events.amount is null or events.event_ts is null) as is_x001,
        statuses.status is null as is_x002
    from events
    left join statuses
        on events.status = statuses.status
),

final as (
    select
        *,
        not (is_x001 or is_x002) as is_valid
    from checked
)

select * from final
