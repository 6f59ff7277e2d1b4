"""Airflow DAG `position_update_processing`: the DailyPositionValuationBatch,
daily at 02:00 America/New_York.

Builds activity validation, position updates, daily positions and balances.
What the batch owns, its schedule, upstream asset and task layout are defined
in ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("position_update_processing")
