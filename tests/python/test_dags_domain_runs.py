"""The payments pair and the portfolio DAG, run for real with dag.test().

The structure of these DAGs (schedule, owner, BUILD tasks, gate) is checked in
test_dags.py from the DagBag; here they run on generated data and leave their
marts behind. A file of its own so that `make test` runs it on the other
pytest-xdist worker than the brokerage chain (tests/python/airflow_support.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from airflow_support import (
    DOMAIN_EXPECTED,
    POOL,
    SCRIPTS,
    _mart_counts,
    _run,
)
from conftest import AIRFLOW_BIN, LEDGERHOUSE

pytestmark = pytest.mark.airflow


def _expected_error_rows(landing: str) -> int:
    """Data rows of the generator's _expected_errors.csv (one per labelled error)."""
    return len((Path(landing) / "_expected_errors.csv").read_text().splitlines()) - 1


@pytest.fixture(scope="session")
def domain_runs(airflow_env: dict[str, str]) -> dict:
    """generate (small) -> the payments pair, then the portfolio DAG, with dag.test(),
    on their own DuckDB file and Airflow metadata DB."""
    work = Path(airflow_env["AIRFLOW_HOME"]).parent / "domains"
    env = {
        **airflow_env,
        "AIRFLOW_HOME": str(work / "airflow_home"),
        "LEDGERHOUSE_DUCKDB": str(work / "warehouse.duckdb"),
        "LEDGERHOUSE_PAYMENTS_LANDING": str(work / "landing-payments"),
        "LEDGERHOUSE_PORTFOLIO_LANDING": str(work / "landing-portfolio"),
    }
    airflow = str(AIRFLOW_BIN / "airflow")
    _run([airflow, "db", "migrate"], env)
    _run([airflow, "pools", "set", POOL, "1", "ledgerhouse warehouse: one writer"], env)
    _run([LEDGERHOUSE, "generate", env["LEDGERHOUSE_PAYMENTS_LANDING"], "--domain", "payments",
          "--days", "3", "--accounts", "5"], env)
    # 23 business days: portfolio_risk_daily needs at least 21 daily returns
    _run([LEDGERHOUSE, "generate", env["LEDGERHOUSE_PORTFOLIO_LANDING"], "--domain", "portfolio",
          "--days", "23", "--accounts", "3"], env)
    reports: dict = {"env": env}
    for key, dag_ids in (
        ("payments", ["payments_streaming_index", "payments_daily_reconciliation"]),
        ("portfolio", ["portfolio_analytics_daily"]),
    ):
        landing = Path(env[f"LEDGERHOUSE_{key.upper()}_LANDING"])
        # business day of the runs: the last generated delivery date
        day = max(p.name for p in landing.iterdir() if p.is_dir())
        out = work / f"{key}.json"
        t0 = time.perf_counter()
        _run([str(AIRFLOW_BIN / "python"), str(SCRIPTS / "run_dags.py"), str(out), day, *dag_ids],
             env)
        reports[key] = json.loads(out.read_text())
        reports[key]["day"] = day
        reports[key]["expected_errors"] = _expected_error_rows(str(landing))
        print(f"\n{key}: dag.test() of {dag_ids}: {time.perf_counter() - t0:.0f}s")
        for run in reports[key]["runs"]:
            print(f"  {run['dag_id']}: {run['state']} in {run['seconds']}s, "
                  f"{len(run['tasks'])} tasks")
    reports["duckdb"] = env["LEDGERHOUSE_DUCKDB"]
    return reports


@pytest.mark.slow
def test_payments_pair_runs_and_leaves_its_marts(domain_runs: dict) -> None:
    report = domain_runs["payments"]
    for run in report["runs"]:
        failed = {t: s for t, s in run["tasks"].items() if s != "success"}
        assert run["state"] == "success" and not failed, f"{run['dag_id']}: {failed}"
    published = [(e["asset"], e["extra"]["business_day"]) for e in report["asset_events"]]
    assert published == [
        ("ledgerhouse.payments.streaming_index", report["day"]),
        ("ledgerhouse.payments.reconciliation", report["day"]),
    ]
    marts = DOMAIN_EXPECTED["payments_streaming_index"][1] | DOMAIN_EXPECTED[
        "payments_daily_reconciliation"][1]
    counts = _mart_counts(domain_runs["duckdb"], {"payments": marts})
    print(f"\npayments mart rows: {counts}")
    # the generator injects labelled bad rows, so payment_errors is not empty either
    assert all(n > 0 for n in counts.values()), counts
    # docs/payments.md: payment_errors equals the generator's _expected_errors.csv
    assert counts["payment_errors"] == report["expected_errors"] > 0


@pytest.mark.slow
def test_portfolio_dag_runs_and_leaves_its_marts(domain_runs: dict) -> None:
    report = domain_runs["portfolio"]
    (run,) = report["runs"]
    failed = {t: s for t, s in run["tasks"].items() if s != "success"}
    assert run["state"] == "success" and not failed, failed
    portfolio_events = [e for e in report["asset_events"] if e["asset"].startswith(
        "ledgerhouse.portfolio.")]
    assert [(e["asset"], e["extra"]["business_day"]) for e in portfolio_events] == [
        ("ledgerhouse.portfolio.analytics", report["day"])
    ]
    counts = _mart_counts(
        domain_runs["duckdb"], {"portfolio": DOMAIN_EXPECTED["portfolio_analytics_daily"][1]}
    )
    print(f"\nportfolio mart rows: {counts}")
    assert all(n > 0 for n in counts.values()), counts
    # docs/portfolio.md: portfolio_errors equals the generator's _expected_errors.csv
    assert counts["portfolio_errors"] == report["expected_errors"] > 0
