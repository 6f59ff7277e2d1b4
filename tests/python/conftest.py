"""Shared fixtures: real DuckDB files, a real PostgreSQL database, real dbt runs.

Nothing here mocks a database. Each fixture gives a test its own DuckDB file
or PostgreSQL database and its own dbt target/log folders, so tests never
share state and can run in any order.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DBT = str(BIN / "dbt")
LEDGERHOUSE = str(BIN / "ledgerhouse")
AIRFLOW_BIN = ROOT / ".venv-airflow" / "bin"

# Small but complete sample: every error code, every product, a holiday.
SAMPLE_ARGS = ["--days", "8", "--accounts", "30", "--seed", "7"]


def base_env(**overrides: str) -> dict[str, str]:
    """The environment for a subprocess: telemetry off, colours off, the sample PII
    salt set explicitly (so a load prints no 'not set' warning; test_pii_salt
    tests the unset case)."""
    env = dict(os.environ)
    env.update(
        LEDGERHOUSE_PII_SALT="ledgerhouse-sample-salt",
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        DBT_USE_COLORS="false",
        DBT_PROFILES_DIR=str(ROOT),
        DBT_PROJECT_DIR=str(ROOT),
    )
    env.update(overrides)
    return env


class Warehouse:
    """One isolated warehouse: a target plus the env vars that point at it."""

    def __init__(self, target: str, env: dict[str, str], workdir: Path) -> None:
        self.target = target
        self.env = env
        self.workdir = workdir

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run the ledgerhouse CLI against this warehouse."""
        return _run([LEDGERHOUSE, *args], self.env, check)

    def dbt(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run dbt against this warehouse with its own target/ and logs/."""
        cmd = [
            DBT,
            *args,
            "--target",
            self.target,
            "--target-path",
            str(self.workdir / "target"),
            "--log-path",
            str(self.workdir / "logs"),
        ]
        return _run(cmd, self.env, check, cwd=ROOT)

    def query(self, sql: str) -> list[tuple]:
        """Run one query and return all rows."""
        if self.target == "spark":
            return self.query_many([sql])[0]
        if self.target == "duckdb":
            import duckdb

            con = duckdb.connect(self.env["LEDGERHOUSE_DUCKDB"], read_only=True)
            try:
                return con.sql(sql).fetchall()
            finally:
                con.close()
        import psycopg2

        con = psycopg2.connect(
            host=self.env["LEDGERHOUSE_PG_HOST"],
            port=int(self.env["LEDGERHOUSE_PG_PORT"]),
            user=self.env["LEDGERHOUSE_PG_USER"],
            dbname=self.env["LEDGERHOUSE_PG_DATABASE"],
        )
        try:
            with con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        finally:
            con.close()


    def query_many(self, statements: list[str]) -> list[list[tuple]]:
        """Run several queries, each result a list of rows.

        On Spark all of them share one short-lived process (tests/python/
        spark_query.py): starting Spark costs seconds, and a session inside
        the pytest process would keep the Derby metastore locked for dbt."""
        if self.target != "spark":
            return [self.query(sql) for sql in statements]
        proc = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "python" / "spark_query.py")],
            input=pickle.dumps(statements), env=self.env, cwd=self.workdir,
            capture_output=True,
        )
        if proc.returncode != 0:
            raise AssertionError(f"spark query failed ({proc.returncode}): {statements}\n"
                                 f"{proc.stderr.decode(errors='replace')[-5000:]}")
        return pickle.loads(proc.stdout)


def _run(
    cmd: list[str], env: dict[str, str], check: bool, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
            f"--- stdout ---\n{proc.stdout[-20000:]}\n--- stderr ---\n{proc.stderr[-15000:]}"
        )
    return proc


def pg_settings() -> dict[str, str]:
    return {
        "LEDGERHOUSE_PG_HOST": os.environ.get("LEDGERHOUSE_PG_HOST", "127.0.0.1"),
        "LEDGERHOUSE_PG_PORT": os.environ.get("LEDGERHOUSE_PG_PORT", "5432"),
        "LEDGERHOUSE_PG_USER": os.environ.get("LEDGERHOUSE_PG_USER", "postgres"),
        "LEDGERHOUSE_PG_PASSWORD": os.environ.get("LEDGERHOUSE_PG_PASSWORD", ""),
    }


def _pg_admin(sql: str) -> None:
    import psycopg2

    s = pg_settings()
    con = psycopg2.connect(
        host=s["LEDGERHOUSE_PG_HOST"],
        port=int(s["LEDGERHOUSE_PG_PORT"]),
        user=s["LEDGERHOUSE_PG_USER"],
        password=s["LEDGERHOUSE_PG_PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=5,
    )
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


# Every test database sorts text the way most servers do (ICU en-US: letters compared
# without case first, so 'a2' before 'B1'; '_' before letters), not byte by byte. A
# model that orders or aggregates text without binary_order() then gives other marts
# on PostgreSQL than on DuckDB and Spark, and the identical-marts tests fail, instead
# of passing on a C-collated test server and differing on a production one.
PG_TEST_DATABASE_OPTIONS = "template template0 locale_provider icu icu_locale 'en-US'"


def pg_create_database(name: str) -> None:
    """Create the test database `name` with the en-US collation (PostgreSQL 15+ with ICU)."""
    try:
        _pg_admin(f"create database {name} {PG_TEST_DATABASE_OPTIONS}")
    except Exception as exc:  # an older server or one built without ICU
        if os.environ.get("CI"):
            raise
        print(f"warning: {name} created with the server's default collation ({exc})")
        _pg_admin(f"create database {name}")


def postgres_available() -> bool:
    try:
        _pg_admin("select 1")
    except Exception:
        return False
    return True


@pytest.fixture(scope="session")
def sample_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated brokerage landing folder, shared read-only by the session."""
    out = tmp_path_factory.mktemp("landing")
    _run([LEDGERHOUSE, "generate", str(out), *SAMPLE_ARGS], base_env(), check=True)
    return out


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Warehouse:
    """A fresh DuckDB file of this test's own."""
    env = base_env(
        LEDGERHOUSE_TARGET="duckdb",
        LEDGERHOUSE_DUCKDB=str(tmp_path / "wh.duckdb"),
        LEDGERHOUSE_DUCKDB_TEMP=str(tmp_path / "duckdb_tmp"),
    )
    return Warehouse("duckdb", env, tmp_path)


@pytest.fixture
def postgres_warehouse(tmp_path: Path) -> Iterator[Warehouse]:
    """A fresh PostgreSQL database of this test's own, dropped afterwards."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable; .ci/run should have started it")
        pytest.skip("PostgreSQL is not reachable (set LEDGERHOUSE_PG_HOST/PORT/USER)")
    name = f"lh_test_{uuid.uuid4().hex[:10]}"
    pg_create_database(name)
    env = base_env(LEDGERHOUSE_TARGET="postgres", LEDGERHOUSE_PG_DATABASE=name, **pg_settings())
    try:
        yield Warehouse("postgres", env, tmp_path)
    finally:
        _pg_admin(f"drop database if exists {name} with (force)")


def spark_env(workdir: Path) -> dict[str, str]:
    """Environment for a spark target with its own warehouse and metastore."""
    return base_env(
        LEDGERHOUSE_TARGET="spark",
        LEDGERHOUSE_SPARK_WAREHOUSE=str(workdir / "spark-warehouse"),
        LEDGERHOUSE_SPARK_METASTORE=str(workdir / "spark-metastore"),
    )


@pytest.fixture
def spark_warehouse(tmp_path: Path) -> Warehouse:
    """A fresh local Spark warehouse (parquet + Derby metastore) of this test's own.

    One Spark process at a time may open a Derby metastore: the loader, dbt
    and query() each run in their own process, one after the other."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("pyspark is missing; it is in requirements/lock.txt")
        pytest.skip("pyspark is not installed")
    return Warehouse("spark", spark_env(tmp_path), tmp_path)


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request: pytest.FixtureRequest) -> Warehouse:
    """Each test that takes this runs once per target."""
    return request.getfixturevalue(f"{request.param}_warehouse")


@pytest.fixture(scope="session")
def airflow_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for Airflow subprocesses, with its own manifest and warehouse."""
    if not (AIRFLOW_BIN / "airflow").exists():
        if os.environ.get("CI"):
            pytest.fail(".venv-airflow is missing; `make test` builds it via airflow-setup")
        pytest.skip(".venv-airflow is missing (run `make airflow-setup`)")
    work = tmp_path_factory.mktemp("airflow")
    env = base_env(
        AIRFLOW_HOME=str(work / "airflow_home"),
        AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(work / "cosmos_cache"),
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        DO_NOT_TRACK="1",
        LEDGERHOUSE_TARGET="duckdb",
        LEDGERHOUSE_DUCKDB=str(work / "warehouse.duckdb"),
        LEDGERHOUSE_DUCKDB_TEMP=str(work / "duckdb_tmp"),
        LEDGERHOUSE_LANDING=str(work / "landing"),
        LEDGERHOUSE_ARCHIVE=str(work / "archive"),
        LEDGERHOUSE_DBT_MANIFEST=str(work / "target" / "manifest.json"),
        LEDGERHOUSE_UPSTREAM_WAIT_MINUTES="0.25",
    )
    # The manifest the DAGs render from (what `make airflow-setup` does into target/).
    _run(
        [DBT, "parse", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env,
        check=True,
    )
    return env


# --------------------------------------------------------------------------- order
# `make test` runs two pytest-xdist workers, a whole file per worker
# (--dist loadfile --no-loadscope-reorder): files are handed out in collection
# order, two to each worker at the start and then one to whichever worker is
# free, so the longest go first. Seconds per file, the largest setups and
# calls that `--durations=25` listed in the fresh-clone `make test` of
# 2026-12-03 (two workers, CI machine): spark_parity 1,252, dags 969,
# dags_domain_runs 675, incremental 291, load_spark 259, payments 258,
# dbt_foundation 162, brokerage_marts 140, portfolio 124, conventions 96;
# portfolio gained a Spark case on 2026-12-05 (several minutes), so it moves
# up. A file not listed keeps its place after these. Only the order changes:
# every test still runs.
LONGEST_FIRST = (
    "test_spark_parity.py",
    "test_dags.py",
    "test_dags_domain_runs.py",
    "test_portfolio.py",
    "test_incremental.py",
    "test_load_spark.py",
    "test_payments.py",
    "test_dbt_foundation.py",
    "test_brokerage_marts.py",
    "test_conventions.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: tests keep their order within a file
