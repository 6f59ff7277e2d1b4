"""Build one batch DAG: load -> dbt models (Cosmos) -> gate -> publish -> archive.

Shape of every batch DAG (docs/airflow.md has the picture):

    wait_for_<upstream>  (downstream batches only: the upstream's asset for today)
    -> load_landing      (`ledgerhouse load` — the CLI is the only entry point)
        -> dbt.*         (Cosmos DbtTaskGroup: one task per model, then its tests)
        -> data_quality_gate  (cross-model tests + the published marts' tests)
        -> publish_<asset>    (emits the mart-level Airflow asset with the business day)
        -> archive_landing    (`ledgerhouse archive` of the folders load_landing loaded;
                               batches with archive=True only)

A downstream batch loads nothing before its upstream published the day: the
sensor is upstream of the load.

Under AFTER_EACH (brokerage) each test task is `dbt test --indirect-selection
buildable --select <model>`, which also runs the model's dbt unit tests; the
gate runs the unit tests of its marts again. Batches with
test_behavior="build" (payments, portfolio) get one `dbt build` task per model
instead of a run task and a test task (TestBehavior.BUILD); unit tests are
excluded there, in the build tasks and the gate
(DBT_EXCLUDE_RESOURCE_TYPES=unit_test): they run in CI, not on the day's data.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pendulum
from airflow.sdk import DAG, Asset, task
from airflow.sdk.bases.sensor import PokeReturnValue
from airflow.timetables.trigger import CronTriggerTimetable
from cosmos import (
    DbtTaskGroup,
    ExecutionConfig,
    ProfileConfig,
    ProjectConfig,
    RenderConfig,
)
from cosmos.constants import InvocationMode, LoadMode, TestBehavior, TestIndirectSelection
from cosmos.operators.local import DbtTestLocalOperator

from ledgerhouse_batches.batches import (
    BY_DAG_ID,
    PROFILE_NAME,
    ROOT,
    TIMEZONE,
    Batch,
    Partition,
    Settings,
    load_manifest,
    partition,
    settings,
)

TZ = pendulum.timezone(TIMEZONE)
START_DATE = pendulum.datetime(2026, 1, 1, tz=TZ)
RETRIES = 3
# ledgerhouse.load.DELIVERY_NAME (the DAGs import nothing from the dbt venv)
DELIVERY_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
# How long a downstream batch waits for its upstream's asset before failing.
UPSTREAM_WAIT = timedelta(minutes=float(os.environ.get("LEDGERHOUSE_UPSTREAM_WAIT_MINUTES", "360")))


def asset_of(batch: Batch) -> Asset:
    return Asset(name=batch.asset, uri=batch.asset_uri, group="ledgerhouse")


def business_day(context: Any) -> str:
    """The run's business day: its logical date (or run-after time) in New York."""
    run = context["dag_run"]
    when = run.logical_date or run.run_after
    return pendulum.instance(when).in_timezone(TZ).date().isoformat()


@functools.cache
def _partition(manifest_path: str, mtime: float) -> Partition:
    return partition(load_manifest(Path(manifest_path)))


def batch_partition(cfg: Settings) -> Partition:
    mtime = cfg.manifest.stat().st_mtime if cfg.manifest.exists() else 0.0
    return _partition(str(cfg.manifest), mtime)


def _run_cli(cfg: Settings, *args: str) -> str:
    """Run the ledgerhouse CLI (in dbt's venv) and stream its output into the task log."""
    env = {**os.environ, **cfg.env()}
    cmd = [str(cfg.ledgerhouse), *args]
    print("running:", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    print(proc.stdout, flush=True)
    if proc.returncode != 0:
        print(proc.stderr, flush=True)
        raise RuntimeError(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return proc.stdout


def _doc_md(batch: Batch, part: Partition, cfg: Settings) -> str:
    upstream = (
        f"waits for asset `{BY_DAG_ID[batch.upstream].asset}` of `{batch.upstream}` for the "
        "same business day"
        if batch.upstream
        else "first batch of the day (no upstream)"
    )
    models = ", ".join(f"`{m}`" for m in part.select(batch.order))
    gate = ", ".join(f"`{t}`" for t in part.gate_tests[batch.order]) or "none"
    tasks = (
        "one `dbt build` task per model (the model and its data tests; unit tests excluded)"
        if batch.test_behavior == "build"
        else "a run task then a test task per model (its data tests and its unit tests)"
    )
    archive = ", archived after publishing" if batch.archive else ", not archived by this DAG"
    no_retries = ["the gate", "the sensor"] if batch.upstream else ["the gate"]
    if batch.test_behavior != "build":
        no_retries.insert(0, "test tasks")
    no_retries_text = no_retries[-1]
    if len(no_retries) > 1:
        no_retries_text = f"{', '.join(no_retries[:-1])} or {no_retries[-1]}"
    if batch.test_behavior == "build":
        retries = (
            f"{RETRIES} with exponential backoff on load, publish and every `*_build`\n"
            "  task (it runs the model's data tests too, so a failing test is retried);\n"
            f"  none on {no_retries_text}"
        )
        runbook = (
            f"a red `dbt.<model>_model_build` (`_seed_build`) task was already retried {RETRIES}\n"
            "times: its log says whether the model or one of its data tests failed (a failed\n"
            "test means the data broke a rule); a red `data_quality_gate` means a test of a\n"
            "published mart or a cross-model test failed. Fix data or model, clear the task."
        )
    else:
        retries = (
            f"{RETRIES} with exponential backoff on load, model, seed, snapshot,\n"
            f"  publish and archive tasks; none on {no_retries_text} (a failed data\n"
            "  test needs a fix, not a retry)"
        )
        runbook = (
            "a red `dbt.<model>.run` (`.seed`, `.snapshot`) task is retried\n"
            "automatically; a red `dbt.<model>.test` or `data_quality_gate` means the data\n"
            "broke a rule — read the task log (it names the failing dbt test), fix data or\n"
            "model, clear the task."
        )
    return f"""
### {batch.dag_id} — {batch.batch_name}

{batch.summary}

* **Schedule:** `{batch.cron}` ({TIMEZONE}); catchup off; {upstream}.
* **Publishes:** asset `{batch.asset}` (`{batch.asset_uri}`) — marts
  {", ".join(f"`{a}`" for a in batch.anchors)}.
* **Owner:** {batch.owner}. **Retries:** {retries}.
* **dbt tasks:** {tasks}; landing `{batch.landing()}`{archive}.
* **Warehouse:** target `{cfg.target}`; every warehouse task runs in pool `{cfg.pool}`
  (one slot on DuckDB: a single writer).
* **dbt nodes of this batch:** {models}
* **Cross-model tests run by the gate:** {gate}

Runbook: {runbook}
Nothing downstream runs and no asset is published until the gate is green.
See docs/airflow.md.
"""


def build_batch_dag(dag_id: str) -> DAG:
    batch = BY_DAG_ID[dag_id]
    cfg = settings()
    part = batch_partition(cfg)
    missing = [a for a in batch.anchors if a not in part.names.values()]
    if missing:
        raise RuntimeError(
            f"{cfg.manifest}: marts of {dag_id} not in the dbt manifest: {', '.join(missing)} "
            "(re-run `dbt parse` / `make airflow-setup` after adding models)"
        )
    own_asset = asset_of(batch)
    upstream = BY_DAG_ID[batch.upstream] if batch.upstream else None

    default_args = {
        "owner": batch.owner,
        "retries": RETRIES,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(minutes=30),
        "pool": cfg.pool,
    }
    env = cfg.env()
    build = batch.test_behavior == "build"
    if build:
        env["DBT_EXCLUDE_RESOURCE_TYPES"] = "unit_test"
    landing = batch.landing()
    profile_config = ProfileConfig(
        profile_name=PROFILE_NAME,
        target_name=cfg.target,
        profiles_yml_filepath=cfg.profiles_yml,
    )

    with DAG(
        dag_id=dag_id,
        description=f"{batch.batch_name}: {', '.join(batch.anchors)}",
        schedule=CronTriggerTimetable(batch.cron, timezone=TZ),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        max_active_tasks=1,
        default_args=default_args,
        doc_md=_doc_md(batch, part, cfg),
        tags=["ledgerhouse", batch.domain, batch.batch_name],
    ) as dag:

        @task(task_id="load_landing")
        def load_landing() -> list[str]:
            """Load every delivery folder present now; return their names for the archive."""
            if not landing.is_dir():
                print(f"{landing}: no landing folder, nothing to load")
                return []
            # The loader's rule: a delivery folder is named YYYY-MM-DD (it refuses
            # other names, and skips '_' folders with a warning); only those are
            # handed to the archive, so nothing unloaded is moved away.
            folders = sorted(
                p.name for p in landing.iterdir() if p.is_dir() and DELIVERY_NAME.fullmatch(p.name)
            )
            if not folders:
                print(f"{landing}: no delivery folders, nothing to load")
                return []
            _run_cli(cfg, "load", str(landing), "--target", cfg.target)
            return folders

        loaded = load_landing()

        dbt_models = DbtTaskGroup(
            group_id="dbt",
            project_config=ProjectConfig(
                dbt_project_path=ROOT,
                manifest_path=cfg.manifest,
                project_name=PROFILE_NAME,
                env_vars=env,
                install_dbt_deps=False,
            ),
            profile_config=profile_config,
            execution_config=ExecutionConfig(
                dbt_executable_path=str(cfg.dbt),
                invocation_mode=InvocationMode.SUBPROCESS,
                # A test whose other parents are upstream of this model runs right
                # after it; any other multi-parent test waits for the gate.
                test_indirect_selection=TestIndirectSelection.BUILDABLE,
            ),
            render_config=RenderConfig(
                load_method=LoadMode.DBT_MANIFEST,
                select=part.select(batch.order),
                test_behavior=TestBehavior.BUILD if build else TestBehavior.AFTER_EACH,
                emit_datasets=False,
                enable_mock_profile=False,
            ),
            operator_args={"install_deps": False, "append_env": True, "pool": cfg.pool},
        )

        gate = DbtTestLocalOperator(
            task_id="data_quality_gate",
            project_dir=str(ROOT),
            profile_config=profile_config,
            dbt_executable_path=str(cfg.dbt),
            invocation_mode=InvocationMode.SUBPROCESS,
            select=" ".join([*batch.anchors, *part.gate_tests[batch.order]]),
            indirect_selection=TestIndirectSelection.BUILDABLE.value,
            env=env,
            append_env=True,
            install_deps=False,
            emit_datasets=False,
            retries=0,
            doc_md="Every test on the published marts plus the cross-model tests of this batch.",
        )

        publish_id = f"publish_{batch.asset.split('.')[-1]}"

        @task(task_id=publish_id, outlets=[own_asset], pool="default_pool")
        def publish(**context: Any) -> str:
            day = business_day(context)
            context["outlet_events"][own_asset].extra = {
                "business_day": day,
                "dag_id": dag_id,
                "marts": list(batch.anchors),
            }
            print(f"published {batch.asset} for business day {day}")
            return day

        @task(task_id="archive_landing", pool="default_pool")
        def archive_landing(folders: list[str]) -> None:
            if not folders:
                print("nothing was loaded by this run, nothing to archive")
                return
            _run_cli(cfg, "archive", str(landing), str(cfg.archive), "--only", *folders)

        published = publish()
        loaded >> dbt_models >> gate >> published
        if batch.archive:
            published >> archive_landing(loaded)

        if upstream is not None:
            upstream_asset = asset_of(upstream)

            @task.sensor(
                task_id=f"wait_for_{upstream.dag_id}",
                inlets=[upstream_asset],
                poke_interval=min(120.0, max(1.0, UPSTREAM_WAIT.total_seconds() / 5)),
                timeout=UPSTREAM_WAIT.total_seconds(),
                mode="reschedule",
                retries=0,
                pool="default_pool",
            )
            def wait_for_upstream(**context: Any) -> PokeReturnValue:
                """Done once the upstream batch published its asset for this business day."""
                day = business_day(context)
                events = context["inlet_events"][upstream_asset]
                recent = [events[i] for i in range(max(0, len(events) - 5), len(events))]
                days = [(e.extra or {}).get("business_day") for e in recent]
                print(f"waiting for {upstream.asset} of {day}; latest published days: {days}")
                return PokeReturnValue(is_done=day in days, xcom_value=day)

            # the load too waits: a downstream batch loads nothing while its
            # upstream run is still building from the same landing area
            wait_for_upstream() >> loaded

    # Test tasks (AFTER_EACH) are never retried: a failed test fails again until
    # data or model change. Model, load, publish and archive tasks keep the
    # retries, and so do BUILD tasks, which run the model and its tests in one
    # dbt command (a failing test there is retried with its model).
    for t in dag.tasks:
        if "DbtTest" in type(t).__name__:
            t.retries = 0
    return dag
