"""Airflow DAG `portfolio_analytics_daily`: the portfolio analytics batch,
daily at 18:30 America/New_York (after the US close).

Loads the portfolio landing and builds every portfolio model.
What the batch owns, its schedule and task layout are defined in
ledgerhouse_batches/batches.py (BATCHES) and explained in docs/airflow.md;
the DAG is rendered by Cosmos from the dbt manifest (no dbt call at parse time).
"""

from ledgerhouse_batches.factory import build_batch_dag

dag = build_batch_dag("portfolio_analytics_daily")
