-- One row per valid transaction (a transaction_id with at least one valid
-- event). The current status, amount, currency, merchant and user come from
-- the latest valid event: by event_ts, then load order (_loaded_at,
-- _source_file, _line_number) — so out-of-order files and late deliveries
-- give the same answer as in-order ones. user_token (mask_sensitive) is made
-- here so that marts select the token and never the clear user_id.
with

events as (
    select * from {{ ref('int_payments__events_checked') }}
),

valid_events as (
    select * from events
    where is_valid
),

ranked as (
    select
        *,
        row_number() over (
            partition by transaction_id
            order by event_ts desc, _loaded_at desc, _source_file desc, _line_number desc
        ) as recency_rank
    from valid_events
),

latest as (
    select * from ranked
    where recency_rank = 1
),

history as (
    select
        transaction_id,
        min(event_ts) as first_event_ts,
        max(event_ts) as last_event_ts,
        count(*) as event_count,
        max(_loaded_at) as events_loaded_at
    from valid_events
    group by transaction_id
),

final as (
    select
        latest.transaction_id,
        latest.merchant_id,
        latest.user_id,
        {{ ledgerhouse.mask_sensitive('latest.user_id') }} as user_token,
        latest.amount,
        latest.currency,
        latest.status,
        cast(history.first_event_ts as date) as transaction_date,
        history.first_event_ts,
        history.last_event_ts,
        history.event_count,
        history.events_loaded_at
    from latest
    inner join history
        on latest.transaction_id = history.transaction_id
)

select * from final
