"""The brokerage dbt foundation, built for real on DuckDB and PostgreSQL.

From the generated sample landing folder plus one extra delivery of
hand-written bad values (``2026-03-12/``), the test loads with the CLI, runs
``dbt seed`` and ``dbt build`` over the foundation's nodes (seeds, staging,
current-state models, validation, activity_errors, snapshots and their
tests) and checks, independently of the models' own tests:

- activity_errors holds exactly the generator's labelled bad rows
  (``_expected_errors.csv``) plus the hand-labelled rows of the extra delivery;
- raw rows = valid + distinct rejected rows, and no row is both;
- unparseable values never fail the run (they become error or reject rows);
- reference rows that do not parse are quarantined and the earlier delivery
  stays current;
- no clear personal value of raw_brokerage.accounts appears, even inside a
  longer text or with the tax id's dashes dropped, in any relation outside
  the raw and staging schemas (with planted leaks to prove the scan would
  catch them);
- the snapshots record a re-delivered correction as a new version;
- sqlfluff lints the foundation's models clean.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BIN, ROOT, Warehouse

pytestmark = pytest.mark.slow

FOUNDATION_SELECT = [
    "path:seeds/brokerage",
    "path:models/staging/brokerage",
    "int_brokerage__accounts_history",
    "int_brokerage__securities_history",
    "int_brokerage__accounts_current",
    "int_brokerage__securities_current",
    "int_brokerage__prices_current",
    "int_brokerage__opening_positions_current",
    "int_brokerage__opening_balances_current",
    "int_brokerage__reference_rejects",
    "int_brokerage__activity_checks",
    "int_brokerage__activity_valid",
    "activity_errors",
    "snp_brokerage__accounts",
    "snp_brokerage__securities",
]

FOUNDATION_MODELS = [
    "models/staging/brokerage",
    *(
        f"models/intermediate/brokerage/int_brokerage__{name}.sql"
        for name in (
            "accounts_history", "securities_history",
            "accounts_current", "securities_current", "prices_current",
            "opening_positions_current", "opening_balances_current", "reference_rejects",
            "activity_checks", "activity_valid",
        )
    ),
    "models/marts/brokerage/activity_errors.sql",
]

EXTRA = "2026-03-12"
ACTIVITY_HEADER = (
    "activity_id,firm,ledger,branch,base,sub_acct_key,cusip,maxx_key_code,quantity,amount,"
    "trade_date,settle_date,entry_seq,entry_ts"
)


@dataclass
class BadRow:
    activity_id: str
    changes: dict[str, str]
    codes: set[str]


# Hand-labelled bad values (brokerage.md §3). Every other field is valid.
BAD_ACTIVITY = [
    BadRow("G01", {"quantity": "1e5"}, {"E007"}),  # exponent: not the landing format
    BadRow("G02", {"amount": "1" + "0" * 29}, {"E007"}),  # too many digits for decimal(28,4)
    BadRow("G03", {"quantity": "1.1234567"}, {"E007"}),  # beyond the 6 decimals of a quantity
    BadRow("G04", {"trade_date": "2026-02-30"}, {"E005"}),  # no such day
    BadRow("G05", {"settle_date": "20260313"}, {"E005"}),  # not YYYY-MM-DD
    BadRow("G06", {"entry_seq": "9" * 20}, {"E007"}),  # does not fit a bigint
    BadRow("G07", {"entry_ts": "yesterday"}, set()),  # entry_ts is not validated: stays valid
    BadRow("G08", {"cusip": "037833l00"}, {"E008"}),  # lower-case letter
    BadRow("", {"maxx_key_code": "DEP", "cusip": ""}, {"E009"}),  # no activity_id
    BadRow("G09", {"quantity": " 10"}, {"E007"}),  # nothing is trimmed
    BadRow("G10", {"amount": "-", "maxx_key_code": "NOPE"}, {"E007", "E002"}),
    BadRow("G11", {"settle_date": "2026-03-11"}, {"E005"}),  # settles before trade date
    BadRow("G12", {"sub_acct_key": ""}, {"E010"}),  # names no sub-account
]


def write_extra_delivery(root: Path, account: dict[str, str]) -> None:
    """Delivery 2026-03-12: bad activity rows, a corrupt account correction,
    unparseable prices and an unparseable opening position."""
    folder = root / EXTRA
    folder.mkdir()
    base = {
        "firm": account["firm"], "ledger": account["ledger"], "branch": account["branch"],
        "base": account["base"], "sub_acct_key": "2", "cusip": "037833100",
        "maxx_key_code": "BUY", "quantity": "10", "amount": "-1500.50",
        "trade_date": "2026-03-12", "settle_date": "2026-03-13", "entry_seq": "1",
        "entry_ts": "2026-03-12 10:00:00",
    }
    columns = ACTIVITY_HEADER.split(",")
    with (folder / "activity.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for bad in BAD_ACTIVITY:
            row = {**base, **bad.changes, "activity_id": bad.activity_id}
            writer.writerow([row[c] for c in columns])
    # a correction of an existing account whose closed date does not parse
    with (folder / "accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(account))
        writer.writerow([*({**account, "account_closed_date": "never", "rr": "ZZZ"}).values()])
    (folder / "prices.csv").write_text(
        "cusip,price_date,price\n"
        "037833100,2026-13-01,150\n"
        f"037833100,2026-03-12,{'1' * 25}\n",
        encoding="utf-8",
    )
    (folder / "opening_positions.csv").write_text(
        "as_of_date,firm,ledger,branch,base,sub_acct_key,cusip,td_qty,sd_qty\n"
        f"2026-03-02,{account['firm']},{account['ledger']},{account['branch']},"
        f"{account['base']},2,037833100,\"1,000\",1000\n",
        encoding="utf-8",
    )


def first_open_account(landing: Path) -> dict[str, str]:
    with (landing / "2026-03-02" / "accounts.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["account_closed_date"]:
                return row
    raise AssertionError("the sample has no open account")


def latest_good_delivery(landing: Path, account: dict[str, str]) -> tuple[str, str]:
    """(rr, source file) of the account's last delivery before the extra one."""
    key = [account[c] for c in ("firm", "ledger", "branch", "base")]
    found = None
    for path in sorted(landing.glob("*/accounts.csv")):
        if path.parent.name >= EXTRA:
            continue
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if [row[c] for c in ("firm", "ledger", "branch", "base")] == key:
                    found = (row["rr"], f"{path.parent.name}/accounts.csv")
    assert found is not None
    return found


def expected_errors(landing: Path) -> set[tuple[str | None, str, int, str]]:
    """The generator's labelled bad rows plus this test's extra delivery."""
    with (landing / "_expected_errors.csv").open(encoding="utf-8") as handle:
        expected = {
            (r["activity_id"] or None, r["source_file"], int(r["line_number"]), r["error_code"])
            for r in csv.DictReader(handle)
        }
    for line, bad in enumerate(BAD_ACTIVITY, start=2):
        for code in bad.codes:
            expected.add((bad.activity_id or None, f"{EXTRA}/activity.csv", line, code))
    return expected


def execute(wh: Warehouse, sql: str) -> None:
    """Run one writing statement (Warehouse.query is read-only)."""
    if wh.target == "duckdb":
        import duckdb

        con = duckdb.connect(wh.env["LEDGERHOUSE_DUCKDB"])
        try:
            con.execute(sql)
        finally:
            con.close()
        return
    import psycopg2

    con = psycopg2.connect(
        host=wh.env["LEDGERHOUSE_PG_HOST"], port=int(wh.env["LEDGERHOUSE_PG_PORT"]),
        user=wh.env["LEDGERHOUSE_PG_USER"], dbname=wh.env["LEDGERHOUSE_PG_DATABASE"],
    )
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute(sql)
    finally:
        con.close()


# Clear values shorter than this are not probed: a substring search for a
# 2-4 character name or digit group would also hit codes, amounts and hex
# tokens that merely contain it. Every value of the sample (full names,
# emails, 9-digit tax ids) is longer.
PII_MIN_LENGTH = 5


def pii_leaks(wh: Warehouse) -> list[tuple[str, str, str, int]]:
    """(schema, relation, column, hits) for every column outside the raw and
    staging schemas holding a clear holder_name, tax_id or email of
    raw_brokerage.accounts anywhere in its text (hits = rows).

    Every column of every table and view is read as text, lower-cased, and
    searched for each probe value: the clear values trimmed of surrounding
    whitespace and lower-cased, plus the tax id reduced to its digits (a
    tax id with its dashes dropped) and a two-word holder name written
    'Last, First', ignoring probes shorter than
    PII_MIN_LENGTH. A substring search finds a value inside a JSON payload
    or an error message, with padding or in another case.

    Scanned (unchanged): every schema but raw*, staging and the system
    schemas, i.e. the marts and the quarantine (brokerage: activity_errors),
    the intermediate models (int_brokerage__reference_rejects among them),
    the snapshots, the seeds, and any schema a later model adds. Raw and
    staging hold the clear values by design; the tokens are made from the
    intermediate models on, so everything after them is checked.

    One connection for the whole scan (the probe list is a temp table) and
    one query per relation, so a view is computed once, not once a column.
    """
    if wh.target == "duckdb":
        import duckdb

        # read-only still allows temp tables
        con = duckdb.connect(wh.env["LEDGERHOUSE_DUCKDB"], read_only=True)
        cur = con
    else:
        import psycopg2

        con = psycopg2.connect(
            host=wh.env["LEDGERHOUSE_PG_HOST"], port=int(wh.env["LEDGERHOUSE_PG_PORT"]),
            user=wh.env["LEDGERHOUSE_PG_USER"], dbname=wh.env["LEDGERHOUSE_PG_DATABASE"],
        )
        cur = con.cursor()  # one transaction, rolled back (temp table and all) on close

    def rows(sql: str) -> list[tuple]:
        cur.execute(sql)
        return cur.fetchall()

    def ident(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    try:
        system = ("information_schema", "pg_catalog", "pg_toast", "staging")
        # current catalog only: DuckDB lists its temp tables (the probe list
        # below) under catalog "temp", schema "main"
        columns = rows(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database() "
            f"and table_schema not in {system!r} and table_schema not like 'raw%' "
            "and table_schema not like 'pg_temp%' order by 1, 2, ordinal_position"
        )
        trim = r"regexp_replace(c, '^\s+|\s+$', '', 'g')"
        cur.execute(
            "create temporary table pii_probe as "
            "select distinct v from ("
            f"select lower({trim}) as v from ("
            "select holder_name as c from raw_brokerage.accounts "
            "union all select email from raw_brokerage.accounts "
            "union all select tax_id from raw_brokerage.accounts "
            # digits only (equal to the above, and so deduplicated, when the
            # clear tax id has no separators)
            "union all select regexp_replace(tax_id, '[^0-9]', '', 'g') "
            "from raw_brokerage.accounts "
            # a two-word name written 'Last, First'
            "union all select split_part(holder_name, ' ', 2) || ', ' "
            "|| split_part(holder_name, ' ', 1) from raw_brokerage.accounts "
            "where holder_name like '_% _%' and holder_name not like '% % %'"
            ") as clear_values"
            f") as probes where length(v) >= {PII_MIN_LENGTH}"
        )
        (n_probes,) = rows("select count(*) from pii_probe")[0]
        assert n_probes > 0, "no clear values to probe for"

        relations: dict[tuple[str, str], list[str]] = {}
        for schema, table, column in columns:
            relations.setdefault((schema, table), []).append(column)
        leaks = []
        for (schema, table), names in relations.items():
            unpivot = ", ".join(
                f"({literal(c)}, lower(cast(r.{ident(c)} as varchar)))" for c in names
            )
            hits = rows(
                f"select u.c, count(*) from {ident(schema)}.{ident(table)} as r "
                f"cross join lateral (values {unpivot}) as u(c, v) "
                f"where length(u.v) >= {PII_MIN_LENGTH} "
                "and exists (select 1 from pii_probe as p where strpos(u.v, p.v) > 0) "
                "group by u.c"
            )
            leaks += [(schema, table, c, n) for c, n in hits]
        return sorted(leaks)
    finally:
        con.close()


TARGETS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=TARGETS)
def built(
    request: pytest.FixtureRequest, sample_landing: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, Path]]:
    """One warehouse per target with the foundation built from the sample
    plus the extra delivery (module scope: one build per target)."""
    import conftest

    tmp = tmp_path_factory.mktemp(f"foundation_{request.param}")
    landing = tmp / "landing"
    shutil.copytree(sample_landing, landing)
    write_extra_delivery(landing, first_open_account(landing))
    if request.param == "duckdb":
        env = conftest.base_env(
            LEDGERHOUSE_TARGET="duckdb",
            LEDGERHOUSE_DUCKDB=str(tmp / "wh.duckdb"),
            LEDGERHOUSE_DUCKDB_TEMP=str(tmp / "duckdb_tmp"),
        )
        wh = Warehouse("duckdb", env, tmp)
        cleanup = None
    else:
        if not conftest.postgres_available():
            pytest.skip("PostgreSQL is not reachable")
        import uuid

        name = f"lh_test_{uuid.uuid4().hex[:10]}"
        conftest.pg_create_database(name)
        env = conftest.base_env(
            LEDGERHOUSE_TARGET="postgres", LEDGERHOUSE_PG_DATABASE=name, **conftest.pg_settings()
        )
        wh = Warehouse("postgres", env, tmp)
        cleanup = name
    try:
        wh.cli("load", str(landing), "--target", wh.target)
        wh.dbt("seed", "--select", "path:seeds/brokerage")
        # must not fail although the extra delivery is full of unparseable values
        # cautious: only tests whose parents are all foundation nodes (the marts'
        # tests on the shared seeds need models this build does not make)
        wh.dbt("build", "--indirect-selection", "cautious", "--select", *FOUNDATION_SELECT)
        yield wh, landing
    finally:
        if cleanup:
            conftest._pg_admin(f"drop database if exists {cleanup} with (force)")


def test_activity_errors_match_the_labelled_bad_rows(built: tuple[Warehouse, Path]) -> None:
    wh, landing = built
    got = set(
        wh.query(
            "select activity_id, _source_file, _line_number, error_code "
            "from brokerage.activity_errors"
        )
    )
    expected = expected_errors(landing)
    assert got - expected == set(), "unexpected error rows"
    assert expected - got == set(), "labelled bad rows that were not reported"
    # every code of the spec occurs in the sample
    assert {code for *_, code in got} >= {f"E{i:03d}" for i in range(1, 11)}


def test_raw_rows_equal_valid_plus_rejected(built: tuple[Warehouse, Path]) -> None:
    wh, _ = built
    (raw,) = wh.query("select count(*) from raw_brokerage.activity")[0]
    (valid,) = wh.query("select count(*) from intermediate.int_brokerage__activity_valid")[0]
    (rejected,) = wh.query(
        "select count(*) from (select distinct _batch_id, _line_number "
        "from brokerage.activity_errors) as r"
    )[0]
    (both,) = wh.query(
        "select count(*) from intermediate.int_brokerage__activity_valid as v "
        "inner join brokerage.activity_errors as e "
        "on v._batch_id = e._batch_id and v._line_number = e._line_number"
    )[0]
    assert raw > 1000
    assert raw == valid + rejected
    assert both == 0
    # the row with an unparseable entry_ts is valid, with a null entry_ts
    rows = wh.query(
        "select entry_ts from intermediate.int_brokerage__activity_valid where activity_id = 'G07'"
    )
    assert rows == [(None,)]


def test_staging_keeps_every_raw_row_and_raw_text(built: tuple[Warehouse, Path]) -> None:
    wh, _ = built
    for entity in ("activity", "accounts", "securities", "prices", "opening_positions",
                   "opening_balances"):
        (raw,) = wh.query(f"select count(*) from raw_brokerage.{entity}")[0]
        (stg,) = wh.query(f"select count(*) from staging.stg_brokerage__{entity}")[0]
        assert raw == stg, entity
    rows = wh.query(
        "select quantity, quantity_raw from staging.stg_brokerage__activity "
        "where activity_id = 'G09'"
    )
    assert rows == [(None, " 10")]


def test_unparseable_reference_rows_are_quarantined(built: tuple[Warehouse, Path]) -> None:
    wh, landing = built
    rejects = set(
        wh.query(
            "select entity, column_name, problem, raw_value, _source_file "
            "from intermediate.int_brokerage__reference_rejects"
        )
    )
    assert rejects == {
        ("accounts", "account_closed_date", "UNPARSEABLE", "never", f"{EXTRA}/accounts.csv"),
        ("prices", "price_date", "UNPARSEABLE", "2026-13-01", f"{EXTRA}/prices.csv"),
        ("prices", "price", "UNPARSEABLE", "1" * 25, f"{EXTRA}/prices.csv"),
        ("opening_positions", "td_qty", "UNPARSEABLE", "1,000", f"{EXTRA}/opening_positions.csv"),
    }
    account = first_open_account(landing)
    # the corrupt correction is not current: the first delivery still is
    current = wh.query(
        "select rr, _source_file from intermediate.int_brokerage__accounts_current "
        f"where firm = '{account['firm']}' and ledger = '{account['ledger']}' "
        f"and branch = '{account['branch']}' and base = '{account['base']}'"
    )
    assert current == [latest_good_delivery(landing, account)]
    assert wh.query(
        "select count(*) from intermediate.int_brokerage__prices_current "
        "where price_date = '2026-03-12'"
    ) == [(0,)]


def test_no_clear_personal_data_outside_raw_and_staging(built: tuple[Warehouse, Path]) -> None:
    wh, _ = built
    # the scan sees the values where they are allowed (proves it can find them) ...
    (in_staging,) = wh.query(
        "select count(*) from staging.stg_brokerage__accounts where email is not null"
    )[0]
    assert in_staging > 0
    assert pii_leaks(wh) == []
    # ... and reports a planted leak
    execute(
        wh,
        "create table brokerage.pii_leak_probe as "
        "select upper(email) as contact from raw_brokerage.accounts where email is not null",
    )
    try:
        leaks = pii_leaks(wh)
    finally:
        execute(wh, "drop table brokerage.pii_leak_probe")
    assert [(s, t, c) for s, t, c, _ in leaks] == [("brokerage", "pii_leak_probe", "contact")]
    # tokens are deterministic hex sha256, one per clear value
    tokens = wh.query(
        "select email_token from intermediate.int_brokerage__accounts_current "
        "where email_token is not null"
    )
    assert tokens and all(len(t) == 64 and set(t) <= set("0123456789abcdef") for (t,) in tokens)


def test_pii_scan_finds_embedded_and_reformatted_values(built: tuple[Warehouse, Path]) -> None:
    """The forms a whole-value comparison missed (review): a holder name inside
    a JSON payload, an email (upper-cased) inside an error message, the tax
    id without its dashes, a name with a leading space and a name written
    'Last, First' after a label, each in a column
    of a throw-away mart table; the scan reports each of them and not a
    column of non-personal text next to them."""
    wh, _ = built
    to_json = "json_object" if wh.target == "duckdb" else "json_build_object"
    execute(
        wh,
        "create table brokerage.pii_probe_forms as select "
        f"{to_json}('event', 'account.updated', 'holder', holder_name) as payload, "
        "'delivery to <' || upper(email) || '> failed: mailbox full' as error_message, "
        "replace(tax_id, '-', '') as tax_id_digits, "
        "' ' || holder_name as padded_name, "
        "'holder: ' || split_part(holder_name, ' ', 2) || ', ' "
        "|| split_part(holder_name, ' ', 1) as reversed_name, "
        "'account ' || base || ' updated' as note "
        "from raw_brokerage.accounts where holder_name is not null and email is not null "
        "and tax_id like '%-%' and holder_name like '_% _%' and holder_name not like '% % %' "
        "order by firm, ledger, branch, base limit 1",
    )
    try:
        (planted,) = wh.query("select count(*) from brokerage.pii_probe_forms")[0]
        leaks = pii_leaks(wh)
    finally:
        execute(wh, "drop table brokerage.pii_probe_forms")
    assert planted == 1
    assert leaks == [
        ("brokerage", "pii_probe_forms", column, 1)
        for column in ("error_message", "padded_name", "payload", "reversed_name",
                       "tax_id_digits")
    ]
    assert pii_leaks(wh) == []


def test_snapshot_records_a_correction(built: tuple[Warehouse, Path]) -> None:
    wh, landing = built
    (cusip, description) = wh.query(
        "select cusip, description from intermediate.int_brokerage__securities_current "
        "order by cusip limit 1"
    )[0]
    corrected = landing / "2026-03-13"
    corrected.mkdir()
    (corrected / "securities.csv").write_text(
        "cusip,uls,product_line,description,strike_price,contract_size,exp_or_maturity_date\n"
        + ",".join(
            "" if v is None else str(v)
            for v in wh.query(
                "select cusip, uls, product_line, 'CORRECTED NAME', strike_price_raw, "
                "contract_size_raw, exp_or_maturity_date_raw "
                "from staging.stg_brokerage__securities "
                f"where cusip = '{cusip}' order by _loaded_at desc, _line_number desc limit 1"
            )[0]
        )
        + "\n",
        encoding="utf-8",
    )
    wh.cli("load", str(landing), "--target", wh.target)
    wh.dbt(
        "build", "--indirect-selection", "cautious",
        "--select", "int_brokerage__securities_history", "int_brokerage__securities_current",
        "snp_brokerage__securities",
    )
    versions = wh.query(
        "select description, dbt_valid_to is null from snapshots.snp_brokerage__securities "
        f"where cusip = '{cusip}' order by dbt_valid_from"
    )
    assert versions == [(description, False), ("CORRECTED NAME", True)]
    # the history by delivery date: the correction is valid from its folder's date
    assert wh.query(
        "select description, cast(valid_from as varchar), valid_to is null "
        f"from intermediate.int_brokerage__securities_history where cusip = '{cusip}' "
        "order by version_number desc limit 1"
    ) == [("CORRECTED NAME", "2026-03-13", True)]
    # running again with nothing new adds no version
    wh.dbt(
        "build", "--indirect-selection", "cautious",
        "--select", "int_brokerage__securities_history", "int_brokerage__securities_current",
        "snp_brokerage__securities",
    )
    (n_versions,) = wh.query(
        f"select count(*) from snapshots.snp_brokerage__securities where cusip = '{cusip}'"
    )[0]
    assert n_versions == 2


def test_incremental_checks_equal_a_full_refresh(built: tuple[Warehouse, Path]) -> None:
    """A later delivery with new rows, a duplicate of an already checked id, a
    correction that closes an account and one that moves a security to
    another product line: the incremental run re-judges the old rows (E004;
    the looked-up product line of the security's rows) and equals a full
    refresh; a run with nothing new changes nothing. Runs last in the module:
    it changes the warehouse."""
    wh, landing = built
    checks = "intermediate.int_brokerage__activity_checks"
    (moved_cusip,) = wh.query(
        f"select min(cusip) from {checks} where product_line = 'EQ'"
    )[0]
    with (landing / "2026-03-02" / "securities.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        security = next(row for row in reader if row["cusip"] == moved_cusip)
    account = first_open_account(landing)
    key = f"{account['firm']},{account['ledger']},{account['branch']},{account['base']}"
    with (landing / "2026-03-02" / "activity.csv").open(encoding="utf-8") as handle:
        header, first_row = handle.readline(), handle.readline()
    folder = landing / "2026-03-16"
    folder.mkdir()
    (folder / "activity.csv").write_text(
        header
        + first_row  # same activity_id as an already checked row: E001
        + f"N1,{key},2,,DEP,0,100.00,2026-03-16,2026-03-16,1,\n"
        + f"N2,{key},2,,XXX,0,100.00,2026-03-03,2026-03-03,2,\n",
        encoding="utf-8",
    )
    closed = {**account, "account_closed_date": "2026-03-04"}
    (folder / "accounts.csv").write_text(
        ",".join(account) + "\n" + ",".join(closed.values()) + "\n", encoding="utf-8"
    )
    with (folder / "securities.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerow({**security, "product_line": "MF"})
    wh.cli("load", str(landing), "--target", wh.target)
    everything = f"select * from {checks} order by _batch_id, _line_number"
    build = ["build", "--indirect-selection", "cautious", "--select",
             "int_brokerage__accounts_history", "int_brokerage__securities_history",
             "int_brokerage__accounts_current", "int_brokerage__securities_current",
             "int_brokerage__activity_checks", "int_brokerage__activity_valid", "activity_errors"]
    wh.dbt(*build)
    incremental = wh.query(everything)
    # every checked row of the moved security now carries its new product line
    assert wh.query(
        f"select distinct product_line from {checks} where cusip = '{moved_cusip}'"
    ) == [("MF",)]

    where_account = (
        f"firm = '{account['firm']}' and ledger = '{account['ledger']}' "
        f"and branch = '{account['branch']}' and base = '{account['base']}'"
    )
    (after_close,) = wh.query(
        f"select count(*) from staging.stg_brokerage__activity where {where_account} "
        "and trade_date > '2026-03-04'"
    )[0]
    (e004,) = wh.query(
        f"select count(*) from brokerage.activity_errors where {where_account} "
        "and error_code = 'E004'"
    )[0]
    assert after_close >= 2 and e004 == after_close
    codes = set(
        wh.query(
            "select activity_id, error_code from brokerage.activity_errors "
            "where _source_file = '2026-03-16/activity.csv'"
        )
    )
    first_id = first_row.split(",")[0]
    assert (first_id, "E001") in codes and ("N1", "E004") in codes and ("N2", "E002") in codes
    assert ("N2", "E004") not in codes  # traded before the closing date

    wh.dbt(*build)  # nothing new
    assert wh.query(everything) == incremental
    wh.dbt("run", "--full-refresh", "--select", "int_brokerage__activity_checks")
    assert wh.query(everything) == incremental


def test_foundation_models_lint_clean(tmp_path: Path) -> None:
    if not (BIN / "sqlfluff").exists():
        pytest.skip("sqlfluff is not installed")
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", *FOUNDATION_MODELS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **__import__("conftest").base_env(),
            "LEDGERHOUSE_DUCKDB": str(tmp_path / "lint.duckdb"),
            "LEDGERHOUSE_DUCKDB_TEMP": str(tmp_path / "duckdb_tmp"),
        },
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
