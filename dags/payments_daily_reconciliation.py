"""Airflow DAG `payments_daily_reconciliation`: the payments daily reconciliation,
daily at 06:00 America/New_York.

Waits for the streaming index of the business day, then builds batch_index,
final_aggregate_index and merchant_daily_kpis.
What the batch owns, its schedule, upstream asset and task layout are defined
in ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("payments_daily_reconciliation")
