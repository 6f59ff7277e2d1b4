{#
    merchant_daily_kpis (payments.md §2): merchant x transaction_date x
    currency, aggregated from final_aggregate_index with kpi_calculation().
    transaction_date = date of the transaction's first valid event. Currency
    is part of the grain because amounts in different currencies cannot be
    added (each generated merchant trades in one currency, so in the sample
    this is one row per merchant and day).
#}
with

transactions as (
    select * from {{ ref('final_aggregate_index') }}
),

final as (
    select
        merchant_id,
        transaction_date,
        currency,
        {{ ledgerhouse.kpi_calculation() }}
    from transactions
    group by merchant_id, transaction_date, currency
)

select * from final
