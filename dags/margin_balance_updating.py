"""Airflow DAG `margin_balance_updating`: the DailyBookkeepingBatch,
daily at 04:00 America/New_York.

Builds margin requirements, margin errors and margin balances.
What the batch owns, its schedule, upstream asset and task layout are defined
in ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("margin_balance_updating")
