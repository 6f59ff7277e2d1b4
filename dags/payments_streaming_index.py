"""Airflow DAG `payments_streaming_index`: the payments micro-batch, every 15 minutes
(America/New_York), never two runs at once.

Loads the payments landing and builds the payments staging and intermediate
models, streaming_index and payment_errors.
What the batch owns, its schedule and task layout are defined in
ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("payments_streaming_index")
