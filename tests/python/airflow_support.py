"""What the Airflow test files share (test_dags.py, test_dags_domain_runs.py).

Airflow and dbt live in different venvs, so these tests start Airflow as a
subprocess (.venv-airflow/bin/python tests/airflow/*.py) with a temporary
AIRFLOW_HOME whose metadata DB is a SQLite file, and read back JSON. The DAGs
run dbt and the ledgerhouse CLI from this venv, exactly as in production.

Two files so that pytest-xdist (`make test`, a whole file per worker) runs the
brokerage chain and the payments/portfolio runs on different workers; each
worker builds its own `airflow_env` (conftest.py; session fixtures are per
worker).
"""

from __future__ import annotations

import functools

import duckdb
from conftest import ROOT
from conftest import _run as _run_any

SCRIPTS = ROOT / "tests" / "airflow"
# conftest's runner, failing with the command's output when it exits non-zero
_run = functools.partial(_run_any, check=True)
POOL = "ledgerhouse_warehouse"

# The payments and portfolio DAGs (issues 6 and 7): dag_id -> (cron, marts it
# publishes, upstream dag_id, asset it publishes), as test_dags.EXPECTED.
DOMAIN_EXPECTED = {
    "payments_streaming_index": (
        "*/15 * * * *",
        {"streaming_index", "payment_errors"},
        None,
        "ledgerhouse.payments.streaming_index",
    ),
    "payments_daily_reconciliation": (
        "0 6 * * *",
        {"batch_index", "final_aggregate_index", "merchant_daily_kpis"},
        "payments_streaming_index",
        "ledgerhouse.payments.reconciliation",
    ),
    "portfolio_analytics_daily": (
        "30 18 * * *",
        {
            "dim_date", "dim_portfolio", "dim_security", "fact_market_price_daily",
            "fact_portfolio_performance_daily", "fact_portfolio_position_daily",
            "fact_transactions_calculated", "portfolio_allocation_daily",
            "portfolio_contribution_daily", "portfolio_errors", "portfolio_risk_daily",
            "portfolio_sector_exposure_daily", "portfolio_sector_performance_daily",
        },
        None,
        "ledgerhouse.portfolio.analytics",
    ),
}


def _mart_counts(path: str, schema_marts: dict[str, set[str]]) -> dict[str, int]:
    """Rows of each mart in a DuckDB file, read-only."""
    con = duckdb.connect(path, read_only=True)
    try:
        return {
            mart: con.sql(f"select count(*) from {schema}.{mart}").fetchall()[0][0]
            for schema, marts in schema_marts.items()
            for mart in marts
        }
    finally:
        con.close()
