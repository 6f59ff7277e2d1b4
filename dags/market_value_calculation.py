"""Airflow DAG `market_value_calculation`: the DailyMarketValueCalculationBatch,
daily at 05:00 America/New_York.

Builds the portfolio concentration report from the day's market values.
What the batch owns, its schedule, upstream asset and task layout are defined
in ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("market_value_calculation")
