"""Load the DAG folder with Airflow's DagBag and print what it found as JSON.

Runs inside .venv-airflow (tests/python/test_dags.py starts it as a
subprocess): ``python inspect_dags.py OUT.json``. No scheduler and no metadata DB needed:
AIRFLOW__COSMOS__ENABLE_CACHE=0 keeps Cosmos from writing its cache there.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    t0 = time.perf_counter()
    from airflow.dag_processing.dagbag import BundleDagBag

    t_import = time.perf_counter() - t0
    folder = os.environ["AIRFLOW__CORE__DAGS_FOLDER"]
    t1 = time.perf_counter()
    # What the DAG processor does: the bundle (dags/) goes on sys.path.
    bag = BundleDagBag(dag_folder=folder, bundle_path=folder, bundle_name="dags-folder")
    t_parse = time.perf_counter() - t1

    dags = {}
    for dag_id, dag in bag.dags.items():
        timetable = dag.timetable
        tasks = {}
        for t in dag.tasks:
            tasks[t.task_id] = {
                "type": type(t).__name__,
                "retries": t.retries,
                "retry_exponential_backoff": float(t.retry_exponential_backoff or 0),
                "pool": t.pool,
                "owner": t.owner,
                "upstream": sorted(t.upstream_task_ids),
                "select": getattr(t, "select", None),
                "indirect_selection": getattr(t, "indirect_selection", None),
                "dbt_executable_path": str(getattr(t, "dbt_executable_path", "") or ""),
                "inlets": [getattr(a, "name", str(a)) for a in (t.inlets or [])],
                "outlets": [getattr(a, "name", str(a)) for a in (t.outlets or [])],
            }
        dags[dag_id] = {
            "fileloc": dag.fileloc,
            "timetable": type(timetable).__name__,
            "cron": getattr(timetable, "_expression", None),
            "timezone": str(getattr(timetable, "_timezone", "")),
            "catchup": dag.catchup,
            "max_active_tasks": dag.max_active_tasks,
            "max_active_runs": dag.max_active_runs,
            "owner": dag.owner,
            "doc_md": dag.doc_md or "",
            "tags": sorted(dag.tags),
            "tasks": tasks,
        }
    out = {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "airflow_import_seconds": round(t_import, 3),
        "dagbag_seconds": round(t_parse, 3),
        "dags": dags,
    }
    with open(sys.argv[1], "w", encoding="utf-8") as handle:
        json.dump(out, handle, indent=1)


if __name__ == "__main__":
    main()
