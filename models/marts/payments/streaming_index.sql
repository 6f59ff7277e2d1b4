{#
    streaming_index (payments.md §2): one row per valid transaction with its
    current status, fraud score and policy flags. Incremental on event time:
    a run recomputes, from ALL their rows, every transaction with a valid
    event or fraud signal whose time is later than the watermark (latest
    last_event_ts already in the table, of an event not dated after it was
    loaded) minus var('payments_lookback_hours')
    (default 72). A late event whose event_ts is within that window is
    absorbed exactly (the result equals a full refresh). An event older than
    the window is NOT picked up by an incremental run: its transaction keeps
    its previous row until a run with a wider lookback or `--full-refresh`
    (see docs/payments.md).
    An edit of the `policies` seed or a merchant delivery that changes a
    transaction's policy flags is picked up by the next incremental run,
    whatever the transaction's event time: every transaction whose flags now
    differ from the enriched_flags it was indexed with is recomputed
    (payments.md §1: changing a parameter in the seed changes the flags).
    That compares the flags of every transaction on each run, as
    final_aggregate_index (a table) does anyway. A `payment_statuses` edit
    still needs a full refresh.
#}
{#- delete+insert on transaction_id; on Spark insert_overwrite of
    transaction_date partitions (macros/payments/streaming_incremental.sql) -#}
{{ config(**ledgerhouse.payments_streaming_config()) }}

with

transactions as (
    select * from {{ ref('int_payments__transactions') }}
),

fraud_scores as (
    select * from {{ ref('int_payments__fraud_scores') }}
),

policy_flags as (
    select * from {{ ref('int_payments__policy_flags') }}
),

{% if is_incremental() %}
-- an event dated after it was loaded (a producer's clock ahead, a typo such
-- as 2099) does not move the watermark: it would put every later delivery
-- outside the lookback. Such a transaction is recomputed on every run (its
-- last_event_ts stays after the watermark); with no row left, every
-- transaction is (recompute_from null).
watermark as (
    select
        {{ ledgerhouse.timestamp_add(
            'hour', -1 * var('payments_lookback_hours', 72), 'max(last_event_ts)'
        ) }} as recompute_from
    from {{ this }}
    where last_event_ts <= stream_ingest_time
),

changed as (
    select transactions.transaction_id
    from transactions
    cross join watermark
    where
        watermark.recompute_from is null
        or transactions.last_event_ts >= watermark.recompute_from
    union
    select fraud_scores.transaction_id
    from fraud_scores
    cross join watermark
    where fraud_scores.inference_time >= watermark.recompute_from
    union
    select policy_flags.transaction_id
    from policy_flags
    inner join {{ this }} as indexed_before
        on policy_flags.transaction_id = indexed_before.transaction_id
    where
        coalesce(policy_flags.enriched_flags, '')
        <> coalesce(indexed_before.enriched_flags, '')
),

{% endif %}
indexed as (
    select
        transactions.transaction_id,
        transactions.merchant_id,
        transactions.user_token,
        transactions.transaction_date,
        -- explicit types: PostgreSQL drops a CASE result's typmod, and the
        -- incremental run compares the new rows' types with the contract's
        cast(transactions.amount as {{ ledgerhouse.type_money() }}) as amount,
        transactions.currency,
        transactions.status,
        cast(fraud_scores.fraud_score as {{ ledgerhouse.type_score() }}) as fraud_score,
        fraud_scores.model_version as fraud_model_version,
        policy_flags.enriched_flags,
        transactions.first_event_ts,
        transactions.last_event_ts,
        case
            when fraud_scores.signals_loaded_at > transactions.events_loaded_at
                then fraud_scores.signals_loaded_at
            else transactions.events_loaded_at
        end as stream_ingest_time
    from transactions
    left join fraud_scores
        on transactions.transaction_id = fraud_scores.transaction_id
    left join policy_flags
        on transactions.transaction_id = policy_flags.transaction_id
    {% if is_incremental() %}
    where transactions.transaction_id in (select changed.transaction_id from changed)
    {% endif %}
),

final as (
    {{ ledgerhouse.payments_streaming_rows('indexed', 'changed') }}
)

select * from final
