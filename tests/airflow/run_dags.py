"""Run DAGs for real with ``dag.test()`` and report each run as JSON.

Runs inside .venv-airflow against the metadata DB of ``AIRFLOW_HOME`` (a
temporary SQLite file migrated by the caller):

    python run_dags.py OUT.json DAY DAG_ID [DAG_ID ...]

DAY (YYYY-MM-DD) is the business day of every run: the logical date is DAY at
the DAG's cron time in New York. The DAGs run in the order given; the report
holds each run's state, wall time and task states, plus the asset events
recorded in the metadata DB.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    out_path, day, dag_ids = sys.argv[1], sys.argv[2], sys.argv[3:]
    import pendulum
    from airflow.dag_processing.dagbag import BundleDagBag

    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")

    report: dict = {"runs": [], "asset_events": []}
    for dag_id in dag_ids:
        dag = bag.dags[dag_id]
        tt = dag.timetable
        # cron fields that are not a fixed number (e.g. */15) count as 0
        minute, hour = (int(f) if f.isdigit() else 0 for f in tt._expression.split()[:2])
        logical = pendulum.parse(day, tz=tt._timezone).replace(hour=hour, minute=minute)
        t0 = time.perf_counter()
        run = dag.test(logical_date=logical)
        seconds = time.perf_counter() - t0
        tis = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
        report["runs"].append(
            {
                "dag_id": dag_id,
                "logical_date": logical.isoformat(),
                "state": str(run.state),
                "seconds": round(seconds, 1),
                "tasks": tis,
            }
        )
        print(f"{dag_id}: {run.state} in {seconds:.1f}s", file=sys.stderr, flush=True)

    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(AssetModel.name, AssetEvent.extra, AssetEvent.source_dag_id)
            .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
            .order_by(AssetEvent.id)
        ).all()
    report["asset_events"] = [
        {"asset": name, "extra": extra, "source_dag_id": src} for name, extra, src in rows
    ]
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=1)


if __name__ == "__main__":
    main()
