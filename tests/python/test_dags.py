"""The seven batch DAGs (four brokerage, two payments, one portfolio), checked with
Airflow itself (in .venv-airflow).

Airflow and dbt live in different venvs, so these tests start Airflow as a
subprocess (.venv-airflow/bin/python tests/airflow/*.py) with a temporary
AIRFLOW_HOME whose metadata DB is a SQLite file, and read back JSON. The DAGs
run dbt and the ledgerhouse CLI from this venv, exactly as in production.

What is expected is written here from the spec and docs/airflow.md, not read
from dags/: the schedule of each batch, which marts it publishes, and the rules
(retries on models, none on tests, one warehouse slot, upstream asset waits).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from airflow_support import (
    DOMAIN_EXPECTED,
    POOL,
    SCRIPTS,
    _run,
)
from conftest import AIRFLOW_BIN, LEDGERHOUSE, ROOT, SAMPLE_ARGS

pytestmark = pytest.mark.airflow

DAY = "2026-03-02"  # business day of the chained run (the logical dates' day)

# dag_id -> (cron, marts it publishes, upstream dag_id, asset it publishes)
EXPECTED = {
    "position_update_processing": (
        "0 2 * * *",
        {"activity_errors", "position_updates", "positions_daily", "balances_daily"},
        None,
        "ledgerhouse.brokerage.positions",
    ),
    "managed_position_processing": (
        "0 3 * * *",
        {"market_values"},
        "position_update_processing",
        "ledgerhouse.brokerage.market_values",
    ),
    "margin_balance_updating": (
        "0 4 * * *",
        {"position_requirements", "margin_errors", "margin_balances"},
        "managed_position_processing",
        "ledgerhouse.brokerage.margin",
    ),
    "market_value_calculation": (
        "0 5 * * *",
        {"portfolio_concentration"},
        "managed_position_processing",
        "ledgerhouse.brokerage.concentration",
    ),
}
ORDER = list(EXPECTED)
BATCH_NAMES = {
    "position_update_processing": "DailyPositionValuationBatch",
    "managed_position_processing": "DailyManagedPositionUpdateBatch",
    "margin_balance_updating": "DailyBookkeepingBatch",
    "market_value_calculation": "DailyMarketValueCalculationBatch",
}


def _upstream_chain(dag_id: str) -> list[str]:
    chain = []
    up = EXPECTED[dag_id][2]
    while up:
        chain.append(up)
        up = EXPECTED[up][2]
    return chain


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def manifest(airflow_env: dict[str, str]) -> dict:
    return json.loads(Path(airflow_env["LEDGERHOUSE_DBT_MANIFEST"]).read_text())


@pytest.fixture(scope="session")
def bag(airflow_env: dict[str, str]) -> dict:
    """The DAG folder as Airflow's DagBag sees it (no metadata DB needed)."""
    out = Path(airflow_env["AIRFLOW_HOME"]).parent / "dagbag.json"
    env = {**airflow_env, "AIRFLOW__COSMOS__ENABLE_CACHE": "0"}
    _run([str(AIRFLOW_BIN / "python"), str(SCRIPTS / "inspect_dags.py"), str(out)], env)
    report = json.loads(out.read_text())
    print(
        f"\nDagBag: {len(report['dags'])} DAGs parsed in {report['dagbag_seconds']:.2f}s "
        f"(importing Airflow itself: {report['airflow_import_seconds']:.2f}s)"
    )
    return report


@pytest.fixture(scope="session")
def chained_run(airflow_env: dict[str, str]) -> dict:
    """generate -> the four DAGs with dag.test(), in batch order, on one DuckDB file."""
    airflow = str(AIRFLOW_BIN / "airflow")
    _run([airflow, "db", "migrate"], airflow_env)
    _run([airflow, "pools", "set", POOL, "1", "ledgerhouse warehouse: one writer"], airflow_env)
    _run([LEDGERHOUSE, "generate", airflow_env["LEDGERHOUSE_LANDING"], *SAMPLE_ARGS], airflow_env)
    landing = Path(airflow_env["LEDGERHOUSE_LANDING"])
    landed = sorted(p.name for p in landing.iterdir() if p.is_dir())
    out = Path(airflow_env["AIRFLOW_HOME"]).parent / "runs.json"
    t0 = time.perf_counter()
    _run([str(AIRFLOW_BIN / "python"), str(SCRIPTS / "run_dags.py"), str(out), DAY, *ORDER],
         airflow_env)
    report = json.loads(out.read_text())
    report["landed"] = landed
    print(f"\nchained dag.test() of the four DAGs: {time.perf_counter() - t0:.0f}s")
    for run in report["runs"]:
        print(f"  {run['dag_id']}: {run['state']} in {run['seconds']}s, {len(run['tasks'])} tasks")
    return report


# --------------------------------------------------------------------------- DagBag


def test_dag_folder_imports_without_errors(bag: dict) -> None:
    assert bag["import_errors"] == {}
    assert set(bag["dags"]) == set(EXPECTED) | set(DOMAIN_EXPECTED)
    # Parsing reads the manifest, never runs dbt: generous bound, the print is the measure.
    assert bag["dagbag_seconds"] < 30


def test_no_dag_file_is_named_like_a_dbt_plugin() -> None:
    assert not list((ROOT / "dags").glob("dbt_*.py"))


@pytest.mark.parametrize("dag_id", ORDER)
def test_schedule_timezone_catchup_owner_docs(bag: dict, dag_id: str) -> None:
    dag = bag["dags"][dag_id]
    cron = EXPECTED[dag_id][0]
    assert dag["timetable"] == "CronTriggerTimetable"
    assert dag["cron"] == cron
    assert dag["timezone"] == "America/New_York"
    assert dag["catchup"] is False
    assert dag["max_active_tasks"] == 1 and dag["max_active_runs"] == 1
    assert dag["owner"] == "brokerage-operations"
    assert BATCH_NAMES[dag_id] in dag["doc_md"] and BATCH_NAMES[dag_id] in dag["tags"]
    for mart in EXPECTED[dag_id][1]:
        assert mart in dag["doc_md"]


@pytest.mark.parametrize("dag_id", ORDER)
def test_retries_on_models_not_on_tests_and_one_warehouse_slot(bag: dict, dag_id: str) -> None:
    tasks = bag["dags"][dag_id]["tasks"]
    dbt_bin = str(ROOT / ".venv" / "bin" / "dbt")
    kinds = {"run": 0, "test": 0}
    for task_id, t in tasks.items():
        if t["type"] in ("DbtRunLocalOperator", "DbtSeedLocalOperator", "DbtSnapshotLocalOperator"):
            kinds["run"] += 1
            assert t["retries"] == 3, task_id
            assert t["retry_exponential_backoff"] > 1, task_id
        elif t["type"] == "DbtTestLocalOperator":
            kinds["test"] += 1
            assert t["retries"] == 0, task_id
        if t["type"].startswith("Dbt"):
            assert t["pool"] == POOL, task_id
            assert t["dbt_executable_path"] == dbt_bin, task_id
    assert kinds["run"] >= len(EXPECTED[dag_id][1]) and kinds["test"] >= 1
    assert tasks["load_landing"]["retries"] == 3
    assert tasks["load_landing"]["pool"] == POOL
    assert tasks["archive_landing"]["retries"] == 3


def _model_tasks(dag: dict) -> dict[str, str]:
    """model/seed/snapshot name -> its build task id, from Cosmos' task naming."""
    found = {}
    for task_id, t in dag["tasks"].items():
        if t["type"] in ("DbtRunLocalOperator", "DbtSeedLocalOperator", "DbtSnapshotLocalOperator",
                         "EmptyOperator") and task_id.startswith("dbt."):
            name = task_id.removeprefix("dbt.")
            for suffix in (".run", "_run", ".seed", "_seed", ".snapshot", "_snapshot"):
                if name.endswith(suffix):
                    name = name.removesuffix(suffix)
                    break
            found[name] = task_id
    return found


def _brokerage_nodes(manifest: dict) -> dict[str, dict]:
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed", "snapshot")
        and ("/brokerage/" in "/" + n["original_file_path"] or "_brokerage__" in n["name"])
    }


def test_every_brokerage_model_is_a_task_in_exactly_one_dag(bag: dict, manifest: dict) -> None:
    owners: dict[str, list[str]] = {}
    for dag_id in ORDER:
        for name in _model_tasks(bag["dags"][dag_id]):
            owners.setdefault(name, []).append(dag_id)
    nodes = _brokerage_nodes(manifest)
    missing = sorted(set(nodes) - set(owners))
    twice = {name: dags for name, dags in owners.items() if len(dags) > 1}
    assert not missing, f"brokerage nodes no DAG runs: {missing}"
    assert not twice, f"nodes run by more than one DAG: {twice}"
    for dag_id, (_, marts, _, _) in EXPECTED.items():
        for mart in marts:
            assert owners[mart] == [dag_id], mart


def test_each_model_task_is_followed_by_its_test_task(bag: dict, manifest: dict) -> None:
    tested = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] == "test":
            for parent in node.get("depends_on", {}).get("nodes", []):
                tested.add(parent.split(".")[-1])
    nodes = _brokerage_nodes(manifest)
    without_tests = sorted(
        n for n, node in nodes.items() if node["resource_type"] == "model" and n not in tested
    )
    assert not without_tests, f"brokerage models with no data test (no test task): {without_tests}"
    for dag_id in ORDER:
        tasks = bag["dags"][dag_id]["tasks"]
        for name, task_id in _model_tasks(bag["dags"][dag_id]).items():
            if name in tested and nodes.get(name, {}).get("resource_type") == "model":
                test_id = f"dbt.{name}.test"
                assert test_id in tasks, f"{dag_id}: {name} has tests but no {test_id}"
                assert tasks[test_id]["upstream"] == [task_id]
                assert tasks[test_id]["indirect_selection"] == "buildable"


def _ancestors(tasks: dict, task_id: str) -> set[str]:
    seen: set[str] = set()
    stack = list(tasks[task_id]["upstream"])
    while stack:
        t = stack.pop()
        if t not in seen:
            seen.add(t)
            stack.extend(tasks[t]["upstream"])
    return seen


def test_models_depend_only_on_their_own_or_upstream_batches(bag: dict, manifest: dict) -> None:
    owner = {}
    for dag_id in ORDER:
        for name in _model_tasks(bag["dags"][dag_id]):
            owner[name] = dag_id
    by_id = {uid: n["name"] for uid, n in manifest["nodes"].items()}
    for node in manifest["nodes"].values():
        name = node["name"]
        if name not in owner or node["resource_type"] == "test":
            continue
        allowed = {owner[name], *_upstream_chain(owner[name])}
        for parent in node.get("depends_on", {}).get("nodes", []):
            p = by_id.get(parent)
            if p in owner:
                assert owner[p] in allowed, f"{name} ({owner[name]}) reads {p} ({owner[p]})"


@pytest.mark.parametrize("dag_id", ORDER)
def test_load_then_models_then_gate_then_publish_then_archive(bag: dict, dag_id: str) -> None:
    tasks = bag["dags"][dag_id]["tasks"]
    _, _, upstream, asset = EXPECTED[dag_id]
    dbt_tasks = [t for t in tasks if t.startswith("dbt.")]
    gate_anc = _ancestors(tasks, "data_quality_gate")
    assert set(dbt_tasks) <= gate_anc
    assert "load_landing" in gate_anc
    publish = [t for t, v in tasks.items() if v["outlets"]]
    assert len(publish) == 1 and tasks[publish[0]]["outlets"] == [asset]
    assert "data_quality_gate" in _ancestors(tasks, publish[0])
    assert {publish[0], "load_landing"} <= _ancestors(tasks, "archive_landing")
    for t in dbt_tasks:
        assert "load_landing" in _ancestors(tasks, t), t
    if upstream:
        sensor = f"wait_for_{upstream}"
        assert tasks[sensor]["inlets"] == [EXPECTED[upstream][3]]
        assert tasks[sensor]["retries"] == 0
        # nothing is loaded while the upstream run still builds from the landing
        assert sensor in _ancestors(tasks, "load_landing")
        for t in dbt_tasks:
            assert sensor in _ancestors(tasks, t), t
    else:
        assert not any(t.startswith("wait_for_") for t in tasks)


# --------------------------------------------------------------------------- real runs


@pytest.mark.slow
def test_chained_run_succeeds_and_publishes_each_asset_for_the_day(chained_run: dict) -> None:
    runs = {r["dag_id"]: r for r in chained_run["runs"]}
    for dag_id in ORDER:
        run = runs[dag_id]
        failed = {t: s for t, s in run["tasks"].items() if s != "success"}
        assert run["state"] == "success", f"{dag_id}: {failed}"
        assert not failed
    published = [(e["asset"], e["extra"]["business_day"]) for e in chained_run["asset_events"]]
    assert published == [(EXPECTED[d][3], DAY) for d in ORDER]


@pytest.mark.slow
def test_chained_run_leaves_the_marts_behind(chained_run: dict, airflow_env: dict) -> None:
    con = duckdb.connect(airflow_env["LEDGERHOUSE_DUCKDB"], read_only=True)
    try:
        counts = {}
        for _, marts, _, _ in EXPECTED.values():
            for mart in marts:
                counts[mart] = con.sql(f"select count(*) from brokerage.{mart}").fetchall()[0][0]
        raw = con.sql("select count(*) from raw_brokerage.activity").fetchall()[0][0]
        valid_ids = con.sql(
            "select count(distinct activity_id) from brokerage.position_updates"
        ).fetchall()[0][0]
        mb_vs_bd = con.sql(
            "select (select count(*) from brokerage.margin_balances),"
            " (select count(*) from brokerage.balances_daily)"
        ).fetchall()[0]
        conc_days = con.sql(
            "select count(*) from ("
            " select distinct business_date from brokerage.portfolio_concentration"
            " except select distinct business_date from brokerage.market_values)"
        ).fetchall()[0][0]
    finally:
        con.close()
    print(f"\nmart rows after the chained run: {counts} (raw activity rows: {raw})")
    # The generator's sample has rows for every mart but margin_errors (may be empty).
    for mart, n in counts.items():
        if mart != "margin_errors":
            assert n > 0, mart
    assert raw > 0 and 0 < valid_ids <= raw
    # Spec §7: margin_balances has a row for every sub-account row of balances_daily.
    assert mb_vs_bd[0] == mb_vs_bd[1]
    assert conc_days == 0


@pytest.mark.slow
def test_chained_run_archives_what_it_loaded(chained_run: dict, airflow_env: dict) -> None:
    landing = Path(airflow_env["LEDGERHOUSE_LANDING"])
    archive = Path(airflow_env["LEDGERHOUSE_ARCHIVE"])
    assert chained_run["landed"], "the generator wrote no delivery folders"
    assert not [p for p in landing.iterdir() if p.is_dir()]
    assert sorted(p.name for p in archive.iterdir() if p.is_dir()) == chained_run["landed"]
    for name in chained_run["landed"]:
        proc = subprocess.run(
            ["sha256sum", "--check", "--quiet", "MANIFEST.sha256"],
            cwd=archive / name, capture_output=True, text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        listed = (archive / name / "MANIFEST.sha256").read_text().splitlines()
        files = [p for p in (archive / name).iterdir() if p.name != "MANIFEST.sha256"]
        assert len(listed) == len(files) > 0


@pytest.mark.slow
def test_downstream_batch_never_runs_on_another_days_positions(
    chained_run: dict, airflow_env: dict
) -> None:
    """market values for a day whose positions were never published: the run fails
    at the upstream wait and no dbt task runs."""
    assert chained_run["runs"]  # the positions asset exists, but only for DAY
    out = Path(airflow_env["AIRFLOW_HOME"]).parent / "stale.json"
    _run([str(AIRFLOW_BIN / "python"), str(SCRIPTS / "run_dags.py"), str(out), "2026-03-03",
          "managed_position_processing"], airflow_env)
    run = json.loads(out.read_text())["runs"][0]
    assert run["state"] == "failed"
    assert run["seconds"] >= 15  # it waited LEDGERHOUSE_UPSTREAM_WAIT_MINUTES, then gave up
    assert run["tasks"]["wait_for_position_update_processing"] == "failed"
    assert run["tasks"]["load_landing"] == "upstream_failed"  # nothing loaded either
    ran = {t: s for t, s in run["tasks"].items() if t.startswith("dbt.") and s != "upstream_failed"}
    assert not ran
    assert run["tasks"]["archive_landing"] == "upstream_failed"


# --------------------------------------------------------------------------- payments, portfolio
#
# Same factory, other choices (docs/airflow.md, "Payments and portfolio"): one
# `dbt build` task per model (TestBehavior.BUILD), no archive step, owners per domain.

DOMAIN_OWNERS = {
    "payments_streaming_index": "payments-operations",
    "payments_daily_reconciliation": "payments-operations",
    "portfolio_analytics_daily": "portfolio-analytics",
}
DOMAIN_ORDER = list(DOMAIN_EXPECTED)


def _build_tasks(dag: dict) -> dict[str, str]:
    """model/seed name -> its `dbt build` task id (Cosmos: dbt.<name>_<type>_build)."""
    found = {}
    for task_id, t in dag["tasks"].items():
        if t["type"] == "DbtBuildLocalOperator":
            name = task_id.removeprefix("dbt.").removesuffix("_build")
            for suffix in ("_model", "_seed", "_snapshot"):
                name = name.removesuffix(suffix)
            found[name] = task_id
    return found


def _domain_of(node: dict) -> str | None:
    for domain in ("brokerage", "payments", "portfolio"):
        if f"/{domain}/" in "/" + node["original_file_path"] or f"_{domain}__" in node["name"]:
            return domain
    return None


@pytest.mark.parametrize("dag_id", DOMAIN_ORDER)
def test_domain_dag_schedule_owner_and_no_overlap(bag: dict, dag_id: str) -> None:
    dag = bag["dags"][dag_id]
    cron, marts, _, _ = DOMAIN_EXPECTED[dag_id]
    assert dag["timetable"] == "CronTriggerTimetable"
    assert dag["cron"] == cron
    assert dag["timezone"] == "America/New_York"
    assert dag["catchup"] is False
    assert dag["max_active_runs"] == 1 and dag["max_active_tasks"] == 1
    assert dag["owner"] == DOMAIN_OWNERS[dag_id]
    assert dag_id.split("_")[0] in dag["tags"]
    for mart in marts:
        assert f"`{mart}`" in dag["doc_md"]


@pytest.mark.parametrize("dag_id", DOMAIN_ORDER)
def test_domain_dag_build_tasks_retry_gate_does_not(bag: dict, dag_id: str) -> None:
    tasks = bag["dags"][dag_id]["tasks"]
    dbt_bin = str(ROOT / ".venv" / "bin" / "dbt")
    builds = [t for t, v in tasks.items() if v["type"] == "DbtBuildLocalOperator"]
    assert len(builds) >= len(DOMAIN_EXPECTED[dag_id][1])
    # BUILD: no separate run or test task per model
    assert not [t for t, v in tasks.items() if v["type"] in ("DbtRunLocalOperator",
                                                            "DbtSeedLocalOperator")]
    assert [t for t, v in tasks.items() if v["type"] == "DbtTestLocalOperator"] == [
        "data_quality_gate"
    ]
    for task_id in builds:
        t = tasks[task_id]
        assert t["retries"] == 3 and t["retry_exponential_backoff"] > 1, task_id
        assert t["pool"] == POOL and t["dbt_executable_path"] == dbt_bin, task_id
    assert tasks["data_quality_gate"]["retries"] == 0
    assert tasks["data_quality_gate"]["pool"] == POOL
    assert tasks["load_landing"]["retries"] == 3 and tasks["load_landing"]["pool"] == POOL
    assert "archive_landing" not in tasks


@pytest.mark.parametrize("dag_id", DOMAIN_ORDER)
def test_domain_dag_load_then_models_then_gate_then_publish(bag: dict, dag_id: str) -> None:
    tasks = bag["dags"][dag_id]["tasks"]
    _, marts, upstream, asset = DOMAIN_EXPECTED[dag_id]
    dbt_tasks = [t for t in tasks if t.startswith("dbt.")]
    assert marts <= set(_build_tasks(bag["dags"][dag_id]))
    assert set(dbt_tasks) <= _ancestors(tasks, "data_quality_gate")
    for t in dbt_tasks:
        assert "load_landing" in _ancestors(tasks, t), t
    publish = [t for t, v in tasks.items() if v["outlets"]]
    assert len(publish) == 1 and tasks[publish[0]]["outlets"] == [asset]
    assert "data_quality_gate" in _ancestors(tasks, publish[0])
    sensors = [t for t in tasks if t.startswith("wait_for_")]
    if upstream:
        assert sensors == [f"wait_for_{upstream}"]
        assert tasks[sensors[0]]["inlets"] == [DOMAIN_EXPECTED[upstream][3]]
        assert tasks[sensors[0]]["retries"] == 0
        assert sensors[0] in _ancestors(tasks, "load_landing")
        for t in dbt_tasks:
            assert sensors[0] in _ancestors(tasks, t), t
    else:
        assert not sensors


def test_every_domain_node_is_built_by_exactly_one_dag(bag: dict, manifest: dict) -> None:
    """Brokerage, payments and portfolio models and seeds: each in exactly one DAG of
    its own domain; a DAG reads only its own or its upstream's nodes."""
    owners: dict[str, list[str]] = {}
    for dag_id in ORDER:
        for name in _model_tasks(bag["dags"][dag_id]):
            owners.setdefault(name, []).append(dag_id)
    for dag_id in DOMAIN_ORDER:
        for name in _build_tasks(bag["dags"][dag_id]):
            owners.setdefault(name, []).append(dag_id)
    nodes = {
        n["name"]: n for n in manifest["nodes"].values()
        if n["resource_type"] in ("model", "seed", "snapshot") and _domain_of(n)
    }
    assert {_domain_of(n) for n in nodes.values()} == {"brokerage", "payments", "portfolio"}
    missing = sorted(set(nodes) - set(owners))
    twice = {name: dags for name, dags in owners.items() if len(dags) > 1}
    assert not missing, f"nodes no DAG runs: {missing}"
    assert not twice, f"nodes run by more than one DAG: {twice}"
    for dag_id, (_, marts, _, _) in DOMAIN_EXPECTED.items():
        for mart in marts:
            assert owners[mart] == [dag_id], mart
    dag_domain = {d: "brokerage" for d in ORDER} | {d: d.split("_")[0] for d in DOMAIN_ORDER}
    for name, node in nodes.items():
        assert dag_domain[owners[name][0]] == _domain_of(node), name
    # the reconciliation reads the streaming DAG's nodes, never the other way round
    by_id = {uid: n["name"] for uid, n in manifest["nodes"].items()}
    recon = set(_build_tasks(bag["dags"]["payments_daily_reconciliation"]))
    for name in set(_build_tasks(bag["dags"]["payments_streaming_index"])):
        for parent in nodes[name].get("depends_on", {}).get("nodes", []):
            assert by_id.get(parent) not in recon, f"{name} reads {by_id.get(parent)}"
