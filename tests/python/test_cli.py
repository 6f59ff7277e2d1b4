"""The CLI surface: help, one-line errors with exit code 2, domain dispatch,
settings from profiles.yml, and the mart summary."""

from __future__ import annotations

import subprocess
import types
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import LEDGERHOUSE, ROOT, Warehouse, base_env

from ledgerhouse import cli
from ledgerhouse.settings import target_settings


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LEDGERHOUSE, *args], env=base_env(**env), cwd=ROOT,
                          capture_output=True, text=True)


def test_help_explains_every_command() -> None:
    top = run("--help")
    assert top.returncode == 0
    for command in ("generate", "load", "summary"):
        assert command in top.stdout
    assert "examples:" in top.stdout
    for command, words in {
        "generate": ("OUT_DIR", "--domain", "--days", "--accounts", "--activities", "--seed",
                     "--start", "_expected_errors.csv"),
        "load": ("LANDING_DIR", "--target", "raw_meta.load_audit", "exit code 2"),
        "summary": ("--target", "activity_errors"),
    }.items():
        proc = run(command, "--help")
        assert proc.returncode == 0, command
        assert "examples:" in proc.stdout, command
        for word in words:
            assert word in proc.stdout, (command, word)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), None),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
        (("generate",), "the following arguments are required: OUT_DIR"),
        (("generate", "/tmp/x", "--days", "0"),
         "argument --days: '0' is too small (expected an integer ≥ 1)"),
        (("generate", "/tmp/x", "--seed", "x1"),
         "argument --seed: 'x1' is not a whole number (expected an integer)"),
        (("generate", "/tmp/x", "--start", "2026-13-01"),
         "argument --start: '2026-13-01' is not a date (expected YYYY-MM-DD)"),
        (("generate", "/tmp/x", "--start", "20260302"),
         "argument --start: '20260302' is not a date (expected YYYY-MM-DD)"),
        (("generate", "/tmp/x", "--domain", "crypto"), "argument --domain: invalid choice"),
        (("load", "/tmp/x", "--target", "oracle"), "unknown target 'oracle'"),
        # the calendar seeds end on 2030-12-31 (their last line, checked by hand)
        (("generate", "/tmp/x", "--days", "100000"),
         "100000 business days from 2026-03-02 run past 2030-12-31"),
        (("generate", "/tmp/x", "--start", "2030-12-31", "--days", "1"),
         "1 business day from 2030-12-31 run past 2030-12-31"),  # + its T+1 settlement
        (("generate", "/tmp/x", "--start", "2019-12-31"),
         "--start 2019-12-31 is before 2020-01-02, the first date of "
         "seeds/brokerage/nyse_business_dates.csv"),
        (("generate", "/tmp/x", "--domain", "portfolio", "--days", "2000"),
         "seeds/portfolio/portfolio_business_dates.csv"),
        (("generate", "/tmp/x", "--domain", "payments", "--days", "4000000"),
         "--days 4000000 from 2026-03-02 runs past the year 9999"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str | None) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    if message is None:  # no command: the help, on stderr
        assert "usage:" in proc.stderr
        return
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert message in lines[0]


@pytest.mark.parametrize(
    ("module", "args", "message"),
    [
        ("ledgerhouse.bench", ("--days", "0"),
         "argument --days: '0' is too small (expected an integer ≥ 1)"),
        ("ledgerhouse.bench", ("--activities", "1e6"),
         "argument --activities: '1e6' is not a whole number (expected an integer ≥ 1)"),
        ("ledgerhouse.calendar_seed", ("--end", "2030-02-30"),
         "argument --end: '2030-02-30' is not a date (expected YYYY-MM-DD)"),
        ("ledgerhouse.calendar_seed", ("--start", "2027-01-01", "--end", "2026-01-01"),
         "--start 2027-01-01 is after --end 2026-01-01"),
    ],
)
def test_developer_commands_refuse_bad_arguments_in_one_line(
        module: str, args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    """The benchmark and the calendar seed writer share the CLI's argument types: a
    bad value is argparse's last line, exit 2, and nothing is written."""
    out = tmp_path / "calendar.csv"
    proc = subprocess.run([str(Path(LEDGERHOUSE).parent / "python"), "-m", module, *args,
                           *(("--out", str(out)) if module.endswith("calendar_seed") else ())],
                          env=base_env(), cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].endswith(f"error: {message}"), proc.stderr
    assert not out.exists()


def test_python_dash_m_runs_the_same_command_line() -> None:
    proc = subprocess.run([str(Path(LEDGERHOUSE).parent / "python"), "-m", "ledgerhouse",
                           "load", "--help"], env=base_env(), cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert "LANDING_DIR" in proc.stdout and "raw_meta.load_audit" in proc.stdout


def test_generate_refuses_impossible_sizes(tmp_path: Path) -> None:
    proc = run("generate", str(tmp_path / "out"), "--accounts", "2")
    assert proc.returncode == 2
    assert proc.stderr == ("error: generate: --accounts must be at least 5 "
                           "(some are closed, some unknown)\n")


def test_generate_names_delivery_files_left_from_an_earlier_run(tmp_path: Path) -> None:
    """Two runs within the same second: the second (2 days) rewrites the first two
    folders and names every file of the two it did not write; a rerun with the same
    arguments rewrites everything and warns about nothing. A file an earlier run left
    inside a folder this run rewrites is named too."""
    out = tmp_path / "landing"
    assert run("generate", str(out), "--days", "4", "--accounts", "5").returncode == 0
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    left = sorted(f"{d}/{f.name}" for d in folders[2:] for f in (out / d).iterdir())
    second = run("generate", str(out), "--days", "2", "--accounts", "5")
    assert second.returncode == 0, second.stderr
    warning = [line for line in second.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1, second.stderr
    assert f"holds {len(left)} delivery file(s) this run did not write" in warning[0]
    assert f"({left[0]}, {left[1]}, {left[2]}, ...)" in warning[0], warning
    again = run("generate", str(out), "--days", "4", "--accounts", "5")
    assert again.returncode == 0 and "warning:" not in again.stderr, again.stderr
    (out / folders[0] / "notes.csv").write_text("x\n", encoding="utf-8")
    third = run("generate", str(out), "--days", "4", "--accounts", "5")
    assert f"1 delivery file(s) this run did not write ({folders[0]}/notes.csv)" in third.stderr


def test_generate_accepts_the_last_days_the_calendar_seed_holds(tmp_path: Path) -> None:
    """2030-12-30 and its T+1 settlement on 2030-12-31, the seed's last date."""
    proc = run("generate", str(tmp_path / "g"), "--start", "2030-12-30", "--days", "1",
               "--accounts", "5")
    assert proc.returncode == 0, proc.stderr


def test_generate_cli_writes_a_landing_root(tmp_path: Path) -> None:
    proc = run("generate", str(tmp_path / "out"), "--days", "2", "--accounts", "6",
               "--seed", "3", "--start", "2026-04-02")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "2026-04-02", "2026-04-06", "_expected_errors.csv"]
    assert "brokerage: wrote" in proc.stderr  # progress goes to stderr


def test_domain_dispatch_uses_the_shared_signature(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    calls: list[tuple[Path, dict[str, Any]]] = []
    fake = types.ModuleType("ledgerhouse.generators.payments")
    fake.generate = lambda out_dir, **kwargs: calls.append((out_dir, kwargs))  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "ledgerhouse.generators.payments", fake)
    code = cli.main(["generate", str(tmp_path), "--domain", "payments", "--days", "3",
                     "--accounts", "7", "--seed", "9", "--activities", "50",
                     "--start", "2026-05-01"])
    assert code == 0
    (out_dir, kwargs), = calls
    assert out_dir == tmp_path
    progress = kwargs.pop("progress")
    assert callable(progress)
    assert kwargs == {"days": 3, "size": 7, "seed": 9, "start_date": date(2026, 5, 1),
                      "activities": 50}


def test_settings_come_from_profiles_yml(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    for var in ("LEDGERHOUSE_TARGET", "LEDGERHOUSE_DUCKDB", "LEDGERHOUSE_PG_PORT",
                "LEDGERHOUSE_PG_DATABASE", "DBT_PROFILES_DIR", "LEDGERHOUSE_PROJECT_DIR",
                "DBT_PROJECT_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("LEDGERHOUSE_DUCKDB_TEMP", raising=False)
    default = target_settings()
    assert (default.type, default.duckdb_path) == ("duckdb", ROOT / "ledgerhouse.duckdb")
    # temp_directory sits under config_options in profiles.yml; the loader
    # uses it too, resolved against the project root like dbt's run from it.
    assert default.duckdb_settings["temp_directory"] == str(ROOT / ".duckdb_tmp")
    monkeypatch.setenv("LEDGERHOUSE_TARGET", "postgres")
    monkeypatch.setenv("LEDGERHOUSE_PG_PORT", "6543")
    monkeypatch.setenv("LEDGERHOUSE_PG_DATABASE", "elsewhere")
    pg = target_settings()
    assert (pg.type, pg.port, pg.dbname, pg.host) == ("postgres", 6543, "elsewhere", "127.0.0.1")
    assert target_settings("duckdb").type == "duckdb"  # --target wins over the env
    # DBT_PROFILES_DIR points both dbt and the CLI at another profiles.yml.
    (tmp_path / "profiles.yml").write_text(
        "ledgerhouse:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        "      path: \"{{ env_var('MY_DB', 'data/my.duckdb') }}\"\n", encoding="utf-8")
    monkeypatch.setenv("DBT_PROFILES_DIR", str(tmp_path))
    local = target_settings()
    assert (local.name, local.duckdb_path) == ("local", ROOT / "data" / "my.duckdb")
    monkeypatch.setenv("MY_DB", "/abs/other.duckdb")
    assert target_settings().duckdb_path == Path("/abs/other.duckdb")


@pytest.mark.parametrize("file_name", ["portfolio.duckdb", "Staging.db", "raw_meta.v2.duckdb",
                                       ".payments.duckdb"])
def test_a_duckdb_file_named_like_a_schema_is_refused(tmp_path: Path, file_name: str) -> None:
    """DuckDB names the database after the file up to its first dot (leading dots
    dropped: .payments.duckdb is 'payments'); a name case-insensitively equal to a
    schema here (checked by hand: portfolio.duckdb made every portfolio view fail with
    'Ambiguous reference to catalog or schema') is refused in one line, nothing created."""
    landing = tmp_path / "landing"
    landing.mkdir()
    db = tmp_path / file_name
    proc = run("load", str(landing), LEDGERHOUSE_DUCKDB=str(db))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "which is also a schema of the warehouse" in lines[0], proc.stderr
    assert not db.exists()
    ok = run("load", str(landing), LEDGERHOUSE_DUCKDB=str(tmp_path / "portfolios.duckdb"))
    assert "also a schema" not in ok.stderr


def test_summary_without_a_warehouse(tmp_path: Path) -> None:
    proc = run("summary", LEDGERHOUSE_DUCKDB=str(tmp_path / "missing.duckdb"),
               LEDGERHOUSE_TARGET="duckdb")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: DuckDB file {tmp_path / 'missing.duckdb'} does not "
                                  f"exist")


def test_summary_counts_mart_relations(warehouse: Warehouse) -> None:
    statements = [
        "create schema if not exists brokerage",
        "create table brokerage.positions_daily (x int)",
        "insert into brokerage.positions_daily values (1), (2), (3)",
        "create table brokerage.activity_errors (x int)",
        "insert into brokerage.activity_errors values (1)",
        "create view brokerage.v_big as select * from brokerage.positions_daily",
        "create schema if not exists staging",
        "create table staging.not_a_mart (x int)",
        "create schema if not exists intermediate",
        "create table intermediate.int_brokerage__reference_rejects (x int)",
        "insert into intermediate.int_brokerage__reference_rejects values (1), (2)",
        "create table intermediate.int_brokerage__accounts_current (x int)",
    ]
    if warehouse.target == "duckdb":
        import duckdb

        con = duckdb.connect(warehouse.env["LEDGERHOUSE_DUCKDB"])
        for sql in statements:
            con.execute(sql)
        con.close()
    else:
        import psycopg2

        con = psycopg2.connect(host=warehouse.env["LEDGERHOUSE_PG_HOST"],
                               port=int(warehouse.env["LEDGERHOUSE_PG_PORT"]),
                               user=warehouse.env["LEDGERHOUSE_PG_USER"],
                               dbname=warehouse.env["LEDGERHOUSE_PG_DATABASE"])
        with con, con.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
        con.close()
    proc = warehouse.cli("summary")
    lines = [line.split() for line in proc.stdout.splitlines()[3:]]
    assert lines == [
        ["brokerage.activity_errors", "table", "1"],
        ["brokerage.positions_daily", "table", "3"],
        ["brokerage.v_big", "view", "3"],
        ["intermediate.int_brokerage__reference_rejects", "table", "2"],
    ]
