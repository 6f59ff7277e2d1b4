{#
    kpi_calculation(): the aggregate columns of merchant_daily_kpis
    (payments.md §2) over rows of final_aggregate_index, for use in a select
    list grouped by merchant x day x currency:
      transaction_count     count of transactions
      approved_count        streaming_status APPROVED (approved, not refunded)
      approved_volume       sum of amount of those
      refund_count/amount   streaming_status REFUNDED (count, sum of amount)
      decline_count         streaming_status DECLINED
      matched/partial/unmatched_count   reconciled_status of the batch run
      total_discrepancy     sum of discrepancy (transactions not in the batch add 0)
      scored_count          transactions with a valid fraud score
      avg_fraud_score       sum(fraud_score) / scored_count, rounded half away
                            from zero to 6 places via divide_round (exact on
                            every target); null when no score
    Money sums are type_money(). Nothing engine-specific here except through
    divide_round's dispatch.
#}
{% macro kpi_calculation() -%}
    cast(count(*) as bigint) as transaction_count,
    cast(sum(case when streaming_status = 'APPROVED' then 1 else 0 end) as bigint) as approved_count,
    cast(coalesce(sum(case when streaming_status = 'APPROVED' then amount end), 0) as {{ ledgerhouse.type_money() }}) as approved_volume,
    cast(sum(case when streaming_status = 'REFUNDED' then 1 else 0 end) as bigint) as refund_count,
    cast(coalesce(sum(case when streaming_status = 'REFUNDED' then amount end), 0) as {{ ledgerhouse.type_money() }}) as refund_amount,
    cast(sum(case when streaming_status = 'DECLINED' then 1 else 0 end) as bigint) as decline_count,
    cast(sum(case when reconciled_status = 'MATCHED' then 1 else 0 end) as bigint) as matched_count,
    cast(sum(case when reconciled_status = 'PARTIAL' then 1 else 0 end) as bigint) as partial_count,
    cast(sum(case when reconciled_status = 'UNMATCHED' then 1 else 0 end) as bigint) as unmatched_count,
    cast(coalesce(sum(discrepancy), 0) as {{ ledgerhouse.type_money() }}) as total_discrepancy,
    cast(count(fraud_score) as bigint) as scored_count,
    {{ ledgerhouse.divide_round('sum(fraud_score)', 'count(fraud_score)', 6) }} as avg_fraud_score
{%- endmacro %}
