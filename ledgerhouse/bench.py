"""Benchmark of the brokerage marts (``make bench``; not a timed test).

Steps, each in its own process so that peak memory (``getrusage`` of the
children) covers dbt and the engine when it runs in the dbt process:

1. ``ledgerhouse generate`` N activities over D + 1 business days;
2. load the first D days into a fresh warehouse of ``--target`` (duckdb,
   the default: a fresh DuckDB file in ``--dir``; postgres: a fresh
   database ``--pg-database``, dropped and recreated; spark: a fresh
   warehouse and metastore in ``--dir``);
3. time the brokerage ``dbt build`` (seeds, staging, validation, every
   brokerage mart; models only, the tests are not timed);
4. DuckDB only: time two hand-written single-query DuckDB baselines of the
   same position application on the same raw data, and check that each
   agrees with ``position_updates``: the minimal one computes td_qty after
   each activity only (opening td_qty + running sum in (trade_date,
   entry_seq, activity_id) order); the full-output one writes every column
   the model writes (sequence number, before/after quantities, the JSON
   payload, load metadata) and is the like-for-like figure;
5. load day D + 1 and time an incremental dbt run (one new day), the same
   run again with nothing new (the fixed cost of any run: dbt start-up,
   seeds, views), each also as dbt's own elapsed time of its nodes
   (``*_nodes_elapsed_s``; the rest of the wall time is the dbt process
   around them), then a ``--full-refresh`` build of the same D + 1 days
   (``--skip-full-refresh`` leaves it out; the D-day build of step 3 is then
   the denominator of the incremental ratio).

Two memory figures: ``peak_memory_mb``, the largest resident set of any
finished child (``getrusage``), and ``peak_process_tree_mb``, the largest sum
of resident memory over a step's whole process tree, sampled every 0.5 s
(the one that counts Spark's JVM, which getrusage misses). PostgreSQL runs in
its own server process, so its memory is in neither.

Prints every figure, the build/baseline ratio and the incremental/full
ratio, and writes them to ``BENCH_DIR/results.json`` (``results-<target>.json``
for another target).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from ledgerhouse.argtypes import whole_number

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

SELECT = ["--select", "+models/marts/brokerage", "--exclude", "activity_errors",
          "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]

# Shared by both baselines: the current opening row per position key (latest
# delivery wins) and the application filter (rules that update td_qty; effects
# on or after the opening's as_of_date).
_OPENINGS_CTE = """openings as (
    select
        firm, ledger, branch, base, sub_acct_key, cusip,
        try_cast(as_of_date as date) as as_of_date,
        try_cast(td_qty as decimal(28, 6)) as td_qty
    from raw_brokerage.opening_positions
    qualify row_number() over (
        partition by firm, ledger, branch, base, sub_acct_key, cusip
        order by _loaded_at desc, _line_number desc
    ) = 1
)"""
_APPLIED_JOINS = """inner join reference.bookkeeping_rules as r
    on a.maxx_key_code = r.maxx_key_code and r.upd_td_qty_sw = 'Y'
left join openings as o
    on a.firm = o.firm and a.ledger = o.ledger and a.branch = o.branch
    and a.base = o.base and a.sub_acct_key = o.sub_acct_key and a.cusip = o.cusip
where o.as_of_date is null or a.trade_date >= o.as_of_date"""

BASELINE_SQL = f"""
create or replace table benchmark.baseline_position_updates as
with
activity as (
    select
        activity_id, firm, ledger, branch, base, sub_acct_key, cusip, maxx_key_code,
        try_cast(quantity as decimal(28, 6)) as quantity,
        try_cast(trade_date as date) as trade_date,
        try_cast(entry_seq as bigint) as entry_seq
    from raw_brokerage.activity
    where cusip is not null
),
{_OPENINGS_CTE}
select
    a.activity_id,
    coalesce(o.td_qty, 0) + sum(a.quantity) over (
        partition by a.firm, a.ledger, a.branch, a.base, a.sub_acct_key, a.cusip
        order by a.trade_date, a.entry_seq, a.activity_id
        rows between unbounded preceding and current row
    ) as td_qty_after
from activity as a
{_APPLIED_JOINS}
"""

def _json_string(expr: str, escape_controls: bool) -> str:
    """A JSON string value of a text expression, escaped as position_updates
    does on DuckDB (macros/brokerage/json_text.sql): \\ and \" by replace(),
    and, in a row that holds a control character, DuckDB's to_json()."""
    if escape_controls:
        return f"coalesce(cast(to_json(cast({expr} as text)) as text), 'null')"
    escaped = f"replace(replace(cast({expr} as text), '\\', '\\\\'), '\"', '\\\"')"
    return f"coalesce('\"' || {escaped} || '\"', 'null')"


def _json_date(expr: str, escape_controls: bool) -> str:
    return f"coalesce('\"' || cast({expr} as text) || '\"', 'null')"


def _json_number(expr: str, escape_controls: bool) -> str:
    return f"coalesce(cast({expr} as text), 'null')"


_PAYLOAD_FIELDS = [("event", "'position.updated'", "s"), ("activity_id", "activity_id", "s"),
                   ("firm", "firm", "s"), ("ledger", "ledger", "s"), ("branch", "branch", "s"),
                   ("base", "base", "s"), ("sub_acct_key", "sub_acct_key", "s"),
                   ("cusip", "cusip", "s"), ("maxx_key_code", "maxx_key_code", "s"),
                   ("trade_date", "trade_date", "d"), ("settle_date", "settle_date", "d"),
                   ("seq_in_position", "seq_in_position", "n"), ("quantity", "quantity", "n"),
                   ("td_qty_before", "td_qty_before", "n"), ("td_qty_after", "td_qty_after", "n")]


def _payload_object(escape_controls: bool) -> str:
    return "concat('{', " + ", ".join(
        f"'{',' if i else ''}\"{key}\":', "
        + {"s": _json_string, "d": _json_date, "n": _json_number}[kind](expr, escape_controls)
        for i, (key, expr, kind) in enumerate(_PAYLOAD_FIELDS)) + ", '}')"


_PAYLOAD_STRINGS = ", ".join(f"coalesce(cast({expr} as text), '')"
                             for _, expr, kind in _PAYLOAD_FIELDS if kind == "s")
_PAYLOAD_SQL = (f"case when regexp_matches(concat({_PAYLOAD_STRINGS}), '[\\x01-\\x1f]') "
                f"then {_payload_object(True)} else {_payload_object(False)} end")

# The full-output baseline: the same position application written by hand as
# one query that also writes every column position_updates writes (key,
# dates, quantity, seq_in_position, opening/before/after quantities, the
# position.updated JSON payload, load metadata). This is the like-for-like
# figure: the spec's position application includes the sequence number and
# the payload, not only td_qty_after. Like the minimal baseline it does no
# validation.
BASELINE_FULL_SQL = f"""
create or replace table benchmark.baseline_position_updates_full as
with
activity as (
    select
        activity_id, firm, ledger, branch, base, sub_acct_key, cusip, maxx_key_code,
        coalesce(try_cast(quantity as decimal(28, 6)), 0) as quantity,
        try_cast(trade_date as date) as trade_date,
        try_cast(settle_date as date) as settle_date,
        try_cast(entry_seq as bigint) as entry_seq,
        _batch_id, _source_file, _line_number, _loaded_at
    from raw_brokerage.activity
    where cusip is not null
),
{_OPENINGS_CTE},
applied as (
    select
        a.*,
        coalesce(o.td_qty, 0) as opening_td_qty,
        row_number() over w as seq_in_position,
        cast(coalesce(o.td_qty, 0) + sum(a.quantity) over (
            w rows between unbounded preceding and current row) as decimal(28, 6)) as td_qty_after
    from activity as a
    {_APPLIED_JOINS}
    window w as (
        partition by a.firm, a.ledger, a.branch, a.base, a.sub_acct_key, a.cusip
        order by a.trade_date, a.entry_seq, a.activity_id
    )
),
before as (
    select *, cast(td_qty_after - quantity as decimal(28, 6)) as td_qty_before from applied
)
select
    activity_id, firm, ledger, branch, base, sub_acct_key, cusip, maxx_key_code,
    trade_date, settle_date, entry_seq, quantity, seq_in_position, opening_td_qty,
    td_qty_before, td_qty_after, {_PAYLOAD_SQL} as event_payload,
    _batch_id, _source_file, _line_number, _loaded_at
from before
"""


# Agreement check: the baseline has no validation, so only activities that
# passed validation are compared; a difference means one of the two is wrong
# (or a rejected row shares a position with valid ones, which the count shows).
def _agreement_sql(baseline_table: str, columns: list[str]) -> str:
    """Rows of position_updates that differ from a baseline table in `columns`."""
    differs = " or ".join(f"b.{c} is distinct from p.{c}" for c in columns)
    return f"""
with
rejected_positions as (
    select distinct firm, ledger, branch, base, sub_acct_key, cusip
    from raw_brokerage.activity as r
    where not exists (
        select 1 from intermediate.int_brokerage__activity_valid as v
        where v.activity_id = r.activity_id and v._batch_id = r._batch_id
            and v._line_number = r._line_number
    )
),
compared as (
    select p.*, ({differs}) as differs
    from brokerage.position_updates as p
    inner join {baseline_table} as b on p.activity_id = b.activity_id
)
select
    count(*) as compared,
    count(*) filter (where differs) as differing,
    count(*) filter (
        where differs and not exists (
            select 1 from rejected_positions as x
            where x.firm = p.firm and x.ledger = p.ledger and x.branch = p.branch
                and x.base = p.base and x.sub_acct_key = p.sub_acct_key and x.cusip = p.cusip
        )
    ) as differing_without_a_rejected_row
from compared as p
"""


AGREEMENT_SQL = _agreement_sql("benchmark.baseline_position_updates", ["td_qty_after"])
AGREEMENT_FULL_SQL = _agreement_sql(
    "benchmark.baseline_position_updates_full",
    ["seq_in_position", "td_qty_before", "td_qty_after", "opening_td_qty", "event_payload",
     "_batch_id", "_line_number"])


def _peak_mb() -> float:
    """Peak resident memory of any finished child process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants now (Linux /proc).

    getrusage misses Spark's JVM (py4j starts it and never waits for it), so
    the benchmark also samples the whole process tree of each step."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


_TREE_PEAK_MB = 0.0


def _wait_sampling(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait for `proc`, sampling its process tree's memory every 0.5 s."""
    global _TREE_PEAK_MB
    result: list[tuple[str, str]] = []
    reader = threading.Thread(target=lambda: result.append(proc.communicate()))
    reader.start()
    while reader.is_alive():
        if os.path.isdir("/proc"):
            _TREE_PEAK_MB = max(_TREE_PEAK_MB, _tree_rss_bytes(proc.pid) / 2**20)
        reader.join(0.5)
    return result[0]


def _run(cmd: list[str], env: dict[str, str], label: str) -> float:
    print(f"bench: {label} ...", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    stdout, stderr = _wait_sampling(proc)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(stdout[-5000:] + stderr[-3000:])
        raise SystemExit(f"bench: {label} failed ({proc.returncode})")
    print(f"bench: {label}: {seconds:.1f}s (peak memory so far {_peak_mb():.0f} MB, "
          f"process tree {_TREE_PEAK_MB:.0f} MB)", flush=True)
    return seconds


def _duckdb(db: Path, sql: str, env: dict[str, str], label: str) -> tuple[float, str]:
    """Run SQL in a child process (so its memory is counted); returns (seconds, output)."""
    code = (
        "import duckdb, sys, time; "
        f"con = duckdb.connect({str(db)!r}); "
        "con.execute(\"set threads = 2\"); con.execute(\"set enable_progress_bar = false\"); "
        "con.execute(\"create schema if not exists benchmark\"); "
        "t = time.perf_counter(); rows = con.sql(sys.stdin.read()).fetchall() "
        "if sys.argv[1] == 'q' else con.execute(sys.stdin.read()); "
        "print('BENCH', time.perf_counter() - t, rows if sys.argv[1] == 'q' else '')"
    )
    mode = "q" if sql.lstrip().startswith(("select", "with")) else "x"
    print(f"bench: {label} ...", flush=True)
    proc = subprocess.run([sys.executable, "-c", code, mode], input=sql, env=env, cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-3000:])
        raise SystemExit(f"bench: {label} failed")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH "))
    _, seconds_text, output = line.split(" ", 2)
    seconds = float(seconds_text)
    print(f"bench: {label}: {seconds:.1f}s {output}".rstrip(), flush=True)
    return seconds, output


def _pg_admin(sql: str, env: dict[str, str]) -> None:
    import psycopg2

    con = psycopg2.connect(
        host=env.get("LEDGERHOUSE_PG_HOST", "127.0.0.1"),
        port=int(env.get("LEDGERHOUSE_PG_PORT", "5432")),
        user=env.get("LEDGERHOUSE_PG_USER", "postgres"),
        password=env.get("LEDGERHOUSE_PG_PASSWORD") or None,
        dbname="postgres", connect_timeout=5)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


def _target_env(target: str, work: Path, pg_database: str) -> dict[str, str]:
    """Environment of every child process: a fresh warehouse of `target` in `work`."""
    env = dict(os.environ, DO_NOT_TRACK="1", DBT_SEND_ANONYMOUS_USAGE_STATS="false",
               LEDGERHOUSE_TARGET=target, DBT_PROFILES_DIR=str(ROOT), DBT_PROJECT_DIR=str(ROOT))
    if target == "duckdb":
        db = work / "bench.duckdb"
        env.update(LEDGERHOUSE_DUCKDB=str(db), LEDGERHOUSE_DUCKDB_TEMP=str(work / "duckdb_tmp"))
        stale = [db, Path(f"{db}.wal")]
    elif target == "postgres":
        env.update(LEDGERHOUSE_PG_DATABASE=pg_database)
        _pg_admin(f'drop database if exists "{pg_database}" with (force)', env)
        _pg_admin(f'create database "{pg_database}"', env)
        stale = []
    else:
        env.update(LEDGERHOUSE_SPARK_WAREHOUSE=str(work / "spark-warehouse"),
                   LEDGERHOUSE_SPARK_METASTORE=str(work / "spark-metastore"))
        stale = [work / "spark-warehouse", work / "spark-metastore"]
    for path in [*stale, work / "target"]:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    return env


def _nodes_elapsed(target_path: Path) -> float:
    """dbt's own elapsed time of the last run (run_results.json): its nodes
    plus the little setup around them (relation cache, schemas, run hooks).
    The run's wall time minus this is the dbt process around the run
    (Python start-up, parse, writing the artifacts, closing the engine)."""
    return float(json.loads((target_path / "run_results.json").read_text())["elapsed_time"])


def _model_seconds(target_path: Path) -> dict[str, float]:
    results = json.loads((target_path / "run_results.json").read_text())
    return {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]}


# The rows of the engine table (``--table``): label, results key, unit.
TABLE_ROWS = [
    ("load history", "load_s", "s"),
    ("dbt build, history", "full_build_s", "s"),
    ("of which position_updates", "position_updates_model_s", "s"),
    ("incremental day", "incremental_s", "s"),
    ("of which dbt's own elapsed", "incremental_nodes_elapsed_s", "s"),
    ("nothing new", "incremental_nothing_new_s", "s"),
    ("incremental / full", "ratio_incremental_to_full", "%"),
    ("peak memory, process tree", "peak_process_tree_mb", "MB"),
]


def engine_table(work: Path) -> str:
    """One markdown table of every results file in ``work`` (results.json for
    DuckDB, results-<target>.json for the others): an engine per column."""
    columns = []
    for target in ("duckdb", "postgres", "spark"):
        path = work / ("results.json" if target == "duckdb" else f"results-{target}.json")
        if path.exists():
            columns.append(json.loads(path.read_text()))
    if not columns:
        raise SystemExit(f"bench: no results*.json in {work} (run the benchmark first)")

    def cell(figures: dict[str, object], key: str, unit: str) -> str:
        value = figures.get(key)
        if value is None:
            return "-"
        number = float(str(value))
        if unit == "%":
            return f"{number * 100:.1f} %"
        return f"{number:,.0f} MB" if unit == "MB" else f"{number:,.1f} s"

    head = [f"{c['target']} {int(str(c['activities'])):,}" for c in columns]
    lines = ["| step | " + " | ".join(head) + " |", "| --- |" + " --- |" * len(columns)]
    lines += [f"| {label} | " + " | ".join(cell(c, key, unit) for c in columns) + " |"
              for label, key, unit in TABLE_ROWS]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledgerhouse.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", action="store_true",
                        help="print one table of the results already in --dir (an engine "
                             "per column) and exit")
    parser.add_argument("--activities", type=whole_number(1), default=1_000_000)
    parser.add_argument("--days", type=whole_number(1), default=250,
                        help="days of history before the new day")
    parser.add_argument("--accounts", type=whole_number(1), default=1000)
    parser.add_argument("--dir", type=Path, default=ROOT / "bench")
    parser.add_argument("--seed", type=whole_number(), default=1)
    parser.add_argument("--keep", action="store_true", help="reuse generated data in --dir")
    parser.add_argument("--target", choices=("duckdb", "postgres", "spark"), default="duckdb",
                        help="dbt target to time (the baseline query runs on DuckDB only)")
    parser.add_argument("--skip-full-refresh", action="store_true",
                        help="leave out step 5's --full-refresh build (the 250-day build is "
                             "then the incremental ratio's denominator)")
    parser.add_argument("--pg-database", default="ledgerhouse_bench",
                        help="PostgreSQL database for --target postgres (dropped and recreated)")
    args = parser.parse_args(argv)
    if args.table:
        print(engine_table(args.dir.resolve()))
        return 0

    work = args.dir.resolve()
    landing = work / f"landing-{args.activities}-{args.days}-{args.accounts}-{args.seed}"
    db = work / "bench.duckdb"
    target = work / "target"
    work.mkdir(parents=True, exist_ok=True)
    env = _target_env(args.target, work, args.pg_database)

    figures: dict[str, object] = {"target": args.target, "activities": args.activities,
                                  "days": args.days, "accounts": args.accounts,
                                  "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    if not (args.keep and landing.exists()):
        shutil.rmtree(landing, ignore_errors=True)
        figures["generate_s"] = _run(
            [str(BIN / "ledgerhouse"), "generate", str(landing), "--days", str(args.days + 1),
             "--accounts", str(args.accounts), "--activities", str(args.activities),
             "--seed", str(args.seed)], env, f"generate {args.activities:,} activities")
    days = sorted(p for p in landing.iterdir() if p.is_dir())
    history, new_day = landing.parent / (landing.name + "-history"), days[-1]
    shutil.rmtree(history, ignore_errors=True)
    history.mkdir()
    for day in days[:-1]:
        (history / day.name).symlink_to(day, target_is_directory=True)

    dbt = [str(BIN / "dbt")]
    paths = ["--target-path", str(target), "--log-path", str(work / "logs")]
    figures["load_s"] = _run([str(BIN / "ledgerhouse"), "load", str(history)], env,
                             f"load {len(days) - 1} days")
    figures["full_build_s"] = _run([*dbt, "build", *SELECT, *paths], env,
                                   f"dbt build, {len(days) - 1} days")
    model_s = _model_seconds(target)
    figures["position_updates_model_s"] = model_s.get("position_updates")
    figures["slowest_models_s"] = dict(sorted(model_s.items(), key=lambda kv: -kv[1])[:6])
    if args.target == "duckdb":
        figures["baseline_s"], _ = _duckdb(db, BASELINE_SQL, env, "hand-written baseline query")
        _, agreement = _duckdb(db, AGREEMENT_SQL, env, "baseline agrees with position_updates")
        figures["baseline_agreement"] = agreement
        figures["baseline_full_s"], _ = _duckdb(db, BASELINE_FULL_SQL, env,
                                                "hand-written full-output baseline query")
        _, agreement = _duckdb(db, AGREEMENT_FULL_SQL, env,
                               "full-output baseline agrees with position_updates")
        figures["baseline_full_agreement"] = agreement
    figures["peak_memory_mb_after_full"] = round(_peak_mb())

    figures["load_new_day_s"] = _run([str(BIN / "ledgerhouse"), "load", str(new_day)], env,
                                     f"load day {new_day.name}")
    figures["incremental_s"] = _run([*dbt, "build", *SELECT, *paths], env,
                                    "dbt build, incremental (one new day)")
    figures["incremental_nodes_elapsed_s"] = _nodes_elapsed(target)
    figures["incremental_models_s"] = dict(
        sorted(_model_seconds(target).items(), key=lambda kv: -kv[1])[:6])
    # The floor of any incremental run: the same build again with nothing new
    # (dbt start-up, seeds, views, every model's window query finding nothing).
    figures["incremental_nothing_new_s"] = _run([*dbt, "build", *SELECT, *paths], env,
                                                "dbt build, incremental (nothing new)")
    figures["nothing_new_nodes_elapsed_s"] = _nodes_elapsed(target)
    if not args.skip_full_refresh:
        figures["full_refresh_s"] = _run([*dbt, "build", *SELECT, "--full-refresh", *paths], env,
                                         f"dbt build --full-refresh, {len(days)} days")
        figures["full_refresh_models_s"] = dict(
            sorted(_model_seconds(target).items(), key=lambda kv: -kv[1])[:6])
    figures["peak_memory_mb"] = round(_peak_mb())
    figures["peak_process_tree_mb"] = round(_TREE_PEAK_MB)
    figures["load_average_end"] = os.getloadavg()

    if "baseline_s" in figures:
        build, base = float(figures["full_build_s"]), float(figures["baseline_s"])
        pos = figures["position_updates_model_s"]
        figures["ratio_build_to_baseline"] = round(build / base, 2)
        if pos:
            figures["ratio_position_updates_to_baseline"] = round(float(pos) / base, 2)
            figures["ratio_position_updates_to_full_baseline"] = round(
                float(pos) / float(figures["baseline_full_s"]), 2)
    full = figures.get("full_refresh_s", figures["full_build_s"])
    figures["ratio_incremental_to_full"] = round(float(figures["incremental_s"]) / float(full), 3)

    print(f"\n=== brokerage benchmark ({args.target}) ===")
    for key, value in figures.items():
        print(f"{key:>36}: {value}")
    name = "results.json" if args.target == "duckdb" else f"results-{args.target}.json"
    (work / name).write_text(json.dumps(figures, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
