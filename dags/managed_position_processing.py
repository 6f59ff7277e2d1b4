"""Airflow DAG `managed_position_processing`: the DailyManagedPositionUpdateBatch,
daily at 03:00 America/New_York.

Builds market values of the managed positions.
What the batch owns, its schedule, upstream asset and task layout are defined
in ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("managed_position_processing")
