{#
    final_aggregate_index (payments.md §2): exactly one row per valid
    transaction — the streaming index joined with the batch reconciliation.
    status = derive_status(reconciled_status, streaming status);
    risk_assessment = flag_compliance(fraud_score, policy_flags);
    user_token comes from the streaming index (mask_sensitive upstream): no
    input of this model carries the clear user_id.
    reconciliation_timestamp = the latest load time of anything the row is
    built from (events, fraud signals, statements), so re-running without new
    data changes nothing.
#}
with

streaming as (
    select * from {{ ref('streaming_index') }}
),

batch as (
    select * from {{ ref('batch_index') }}
),

final as (
    select
        streaming.transaction_id,
        streaming.merchant_id,
        streaming.transaction_date,
        streaming.amount,
        streaming.currency,
        {{ ledgerhouse.derive_status('batch.reconciled_status', 'streaming.status') }} as status,
        streaming.status as streaming_status,
        batch.reconciled_status,
        batch.batch_run_date,
        streaming.fraud_score,
        batch.amount_posted,
        batch.fee_charged,
        batch.discrepancy,
        streaming.enriched_flags as policy_flags,
        {{ ledgerhouse.flag_compliance('streaming.fraud_score', 'streaming.enriched_flags') }} as risk_assessment,
        streaming.user_token,
        case
            when batch.statements_loaded_at > streaming.stream_ingest_time
                then batch.statements_loaded_at
            else streaming.stream_ingest_time
        end as reconciliation_timestamp
    from streaming
    left join batch
        on streaming.transaction_id = batch.transaction_id
)

select * from final
