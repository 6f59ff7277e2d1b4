"""The loader on real DuckDB and PostgreSQL: counts, metadata, line numbers,
idempotency, atomicity and every malformed-file refusal (same message on both).
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from pathlib import Path

import pytest
from conftest import Warehouse

PRICES_HEADER = "cusip,price_date,price\n"
SECURITIES_HEADER = "cusip,uls,product_line,description,strike_price,contract_size," \
                    "exp_or_maturity_date\n"


def delivery(root: Path, folder: str, files: dict[str, bytes | str]) -> Path:
    path = root / folder
    path.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (path / name).write_bytes(data)
    return path


def data_rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def raw_tables(wh: Warehouse) -> dict[str, list[tuple]]:
    tables = ("accounts", "activity", "opening_positions", "opening_balances", "securities",
              "prices")
    return {t: wh.query(f"select * from raw_brokerage.{t} order by _source_file, _line_number")
            for t in tables}


def test_sample_loads_with_metadata(warehouse: Warehouse, sample_landing: Path) -> None:
    proc = warehouse.cli("load", str(sample_landing))
    files = sorted(sample_landing.glob("*/*.csv"))
    assert proc.stdout.count("\nloaded   ") == len(files)
    assert "_expected_errors" not in proc.stdout + proc.stderr  # a side file, not a delivery
    for path in files:
        source = f"{path.parent.name}/{path.name}"
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        got = warehouse.query(
            f"select count(*), count(distinct _batch_id), min(_file_sha256), "
            f"max(_file_sha256), min(_line_number), max(_line_number) "
            f"from raw_brokerage.{path.stem} where _source_file = '{source}'"
        )[0]
        rows = data_rows(path)
        assert tuple(got) == (rows, 1, sha, sha, 2, rows + 1), source
    audit = warehouse.query(
        "select source_file, entity, row_count, status from raw_meta.load_audit "
        "order by loaded_at")
    assert [(a[0], a[3]) for a in audit] == [
        (f"{p.parent.name}/{p.name}", "loaded") for p in _load_order(files)]
    assert all(a[2] == data_rows(sample_landing / a[0]) for a in audit)


def _load_order(files: list[Path]) -> list[Path]:
    order = ["accounts", "activity", "opening_positions", "opening_balances", "securities",
             "prices"]
    return sorted(files, key=lambda p: (p.parent.name, order.index(p.stem)))


def test_loaded_at_increases_per_file_in_load_order(warehouse: Warehouse,
                                                    sample_landing: Path) -> None:
    warehouse.cli("load", str(sample_landing))
    per_file = warehouse.query(
        "select _source_file, min(_loaded_at), max(_loaded_at) from raw_brokerage.activity "
        "group by _source_file order by 2")
    assert [r[0] for r in per_file] == sorted(r[0] for r in per_file)
    assert all(r[1] == r[2] for r in per_file)
    assert all(a[2] < b[1] for a, b in itertools.pairwise(per_file))


def test_line_numbers_are_physical_lines(warehouse: Warehouse, sample_landing: Path) -> None:
    warehouse.cli("load", str(sample_landing))
    got = set(warehouse.query(
        "select _source_file, _line_number, activity_id, entry_seq from raw_brokerage.activity"))
    expected = set()
    for path in sample_landing.glob("*/activity.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.reader(handle), start=1):
                if line > 1:
                    expected.add((f"{path.parent.name}/activity.csv", line, row[0], row[12]))
    assert got == expected


def test_row_order_kept_on_a_large_file(warehouse: Warehouse, tmp_path: Path) -> None:
    """100k rows whose cusip names their own line: the engines' bulk paths keep order."""
    lines = [PRICES_HEADER] + [f"L{n},2026-03-02,{n}.5\n" for n in range(2, 100_002)]
    delivery(tmp_path / "landing", "2026-03-02", {"prices.csv": "".join(lines)})
    warehouse.cli("load", str(tmp_path / "landing"))
    wrong = warehouse.query(
        "select count(*) from raw_brokerage.prices "
        "where cusip <> 'L' || cast(_line_number as varchar)")
    assert wrong == [(0,)]
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(100_000,)]


def test_multiline_fields_and_nulls(warehouse: Warehouse, tmp_path: Path) -> None:
    content = (SECURITIES_HEADER
               + 'A,,EQ,"two\nlines",,,\n'
               + "B,,EQ,one,,,\n"
               + 'C,"",EQ,"three\nli\nnes",,,\n'
               + "D,C,OPT,\"x, y\",10.00,100,2026-04-17\n")
    delivery(tmp_path / "landing", "2026-03-02", {"securities.csv": content})
    warehouse.cli("load", str(tmp_path / "landing" / "2026-03-02"))  # a single delivery folder
    rows = warehouse.query(
        "select cusip, uls, description, strike_price, _line_number, _source_file "
        "from raw_brokerage.securities order by _line_number")
    assert rows == [
        ("A", None, "two\nlines", None, 2, "2026-03-02/securities.csv"),
        ("B", None, "one", None, 4, "2026-03-02/securities.csv"),
        ("C", None, "three\nli\nnes", None, 5, "2026-03-02/securities.csv"),
        ("D", "C", "x, y", "10.00", 8, "2026-03-02/securities.csv"),
    ]


def test_loading_twice_changes_nothing(warehouse: Warehouse, sample_landing: Path) -> None:
    warehouse.cli("load", str(sample_landing))
    before = raw_tables(warehouse)
    proc = warehouse.cli("load", str(sample_landing))
    assert "\nloaded " not in proc.stdout
    proc = warehouse.cli("load", str(sample_landing / "2026-03-04"))
    assert proc.stdout.count("skipped  2026-03-04/") == 2
    assert raw_tables(warehouse) == before
    files = len(list(sample_landing.glob("*/*.csv")))
    statuses = warehouse.query(
        "select status, count(*) from raw_meta.load_audit group by status order by status")
    assert statuses == [("loaded", files), ("skipped_already_loaded", files + 2)]


def test_same_bytes_in_another_delivery_is_a_delivery(warehouse: Warehouse,
                                                      tmp_path: Path) -> None:
    """A, B, A over three deliveries: the third is a correction back to A and loads
    (spec §1: the latest delivery is current); a re-run skips all three."""
    price_a = PRICES_HEADER + "037833100,2026-03-02,150.125\n"
    price_b = PRICES_HEADER + "037833100,2026-03-02,151.000\n"
    delivery(tmp_path / "l", "2026-03-02", {"prices.csv": price_a})
    delivery(tmp_path / "l", "2026-03-03", {"prices.csv": price_b})
    delivery(tmp_path / "l", "2026-03-04", {"prices.csv": price_a})
    proc = warehouse.cli("load", str(tmp_path / "l"))
    assert proc.stdout.count("\nloaded   ") == 3, proc.stdout
    latest = ("select price, _source_file from raw_brokerage.prices "
              "order by _loaded_at desc, _line_number desc limit 1")
    assert warehouse.query(latest) == [("150.125", "2026-03-04/prices.csv")]
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(3,)]
    again = warehouse.cli("load", str(tmp_path / "l"))
    assert again.stdout.count("\nskipped  ") == 3 and "\nloaded " not in again.stdout
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(3,)]


def test_a_path_changed_and_changed_back_loads_again(warehouse: Warehouse,
                                                      tmp_path: Path) -> None:
    """Idempotency compares a path with its latest load, not with any earlier one."""
    price_a = PRICES_HEADER + "037833100,2026-03-02,150.125\n"
    price_b = PRICES_HEADER + "037833100,2026-03-02,151.000\n"
    folder = delivery(tmp_path / "l", "2026-03-02", {"prices.csv": price_a})
    statuses = []
    for content in (price_a, price_b, price_a, price_a):
        (folder / "prices.csv").write_text(content, encoding="utf-8")
        out = warehouse.cli("load", str(tmp_path / "l")).stdout
        statuses.append("loaded" if "\nloaded   2026-03-02/prices.csv" in out else
                        "skipped" if "\nskipped  2026-03-02/prices.csv: already loaded as "
                                     "batch " in out else out)
    assert statuses == ["loaded", "loaded", "loaded", "skipped"]
    latest = ("select price from raw_brokerage.prices "
              "order by _loaded_at desc, _line_number desc limit 1")
    assert warehouse.query(latest) == [("150.125",)]


def test_a_failing_file_leaves_nothing(warehouse: Warehouse, tmp_path: Path) -> None:
    """Ragged row on line 41: the good files before it stay, nothing of it lands."""
    good = PRICES_HEADER + "".join(f"P{n},2026-03-02,1.00\n" for n in range(30))
    rows = [f"S{n},,EQ,desc {n},,,\n" for n in range(60)]
    rows[39] = "S39,,EQ,desc 39,,,,extra\n"  # line 41
    delivery(tmp_path / "l", "2026-03-02", {"prices.csv": good,
                                            "securities.csv": SECURITIES_HEADER + "".join(rows)})
    delivery(tmp_path / "l", "2026-03-03", {"prices.csv": good.replace("P", "Q")})
    proc = warehouse.cli("load", str(tmp_path / "l"), check=False)
    assert proc.returncode == 2
    bad = tmp_path / "l" / "2026-03-02" / "securities.csv"
    assert proc.stderr.strip().splitlines() == [
        f"error: {bad}:41:8: row has 8 fields (expected 7: cusip,uls,product_line,"
        f"description,strike_price,contract_size,exp_or_maturity_date)"]
    # securities comes before prices in the registry: the load stopped there.
    assert warehouse.query("select count(*) from raw_brokerage.securities") == [(0,)]
    assert warehouse.query("select status, source_file from raw_meta.load_audit") == [
        ("rejected", "2026-03-02/securities.csv")]


def test_an_engine_failure_mid_insert_rolls_back(warehouse: Warehouse, tmp_path: Path) -> None:
    """The insert itself fails on line 51 (a constraint the test adds): no rows, no
    'loaded' audit row; the file can be loaded once the cause is gone."""
    warehouse.cli("load", str(_one_price(tmp_path / "seed")))  # creates the schemas
    text = "varchar" if warehouse.target == "duckdb" else "text"
    _execute(warehouse, "delete from raw_meta.load_audit", "drop table raw_brokerage.prices",
             f"create table raw_brokerage.prices (cusip {text}, price_date {text}, "
             f"price {text} check (price <> 'boom'), _batch_id {text}, _source_file {text}, "
             f"_line_number bigint, _file_sha256 {text}, _loaded_at timestamp)")
    rows = [f"P{n},2026-03-02,{n}.00\n" for n in range(100)]
    rows[49] = "P49,2026-03-02,boom\n"
    delivery(tmp_path / "l", "2026-03-02", {"prices.csv": PRICES_HEADER + "".join(rows)})
    proc = warehouse.cli("load", str(tmp_path / "l"), check=False)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1
    assert proc.stderr.startswith(f"error: {tmp_path / 'l' / '2026-03-02' / 'prices.csv'}: ")
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(0,)]
    assert warehouse.query("select status from raw_meta.load_audit") == [("rejected",)]


def _one_price(root: Path) -> Path:
    delivery(root, "2026-01-02", {"prices.csv": PRICES_HEADER + "X,2026-01-02,1\n"})
    return root


def _execute(wh: Warehouse, *statements: str) -> None:
    if wh.target == "duckdb":
        import duckdb

        con = duckdb.connect(wh.env["LEDGERHOUSE_DUCKDB"])
        try:
            for sql in statements:
                con.execute(sql)
        finally:
            con.close()
        return
    import psycopg2

    con = psycopg2.connect(host=wh.env["LEDGERHOUSE_PG_HOST"],
                           port=int(wh.env["LEDGERHOUSE_PG_PORT"]),
                           user=wh.env["LEDGERHOUSE_PG_USER"],
                           dbname=wh.env["LEDGERHOUSE_PG_DATABASE"])
    try:
        with con, con.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
    finally:
        con.close()


# (file name, bytes, line, column, problem) — messages written from the format rules.
MALFORMED = {
    "wrong_header": ("prices.csv", b"cusip,date,price\nA,2026-03-02,1\n", 1, 2,
                     "unexpected header column 'date' (expected 'price_date')"),
    "missing_header_column": ("prices.csv", b"cusip,price_date\nA,2026-03-02\n", 1, 3,
                              "missing header column 'price' (expected 3 columns: "
                              "cusip,price_date,price)"),
    "extra_header_column": ("prices.csv", b"cusip,price_date,price,note\n", 1, 4,
                            "extra header column 'note' (expected 3 columns ending with "
                            "'price')"),
    "ragged_short": ("prices.csv", b"cusip,price_date,price\nA,2026-03-02,1\nB,2026-03-02\n",
                     3, 3, "row has 2 fields (expected 3: cusip,price_date,price)"),
    "ragged_long": ("prices.csv", b"cusip,price_date,price\nA,2026-03-02,1,9\n", 2, 4,
                    "row has 4 fields (expected 3: cusip,price_date,price)"),
    "bad_encoding": ("prices.csv", b"cusip,price_date,price\nA,2026-03-02,1\nB\xe9,x,2\n",
                     3, 1, "invalid UTF-8 byte 0xe9 (expected UTF-8 text)"),
    "bad_encoding_third_column": ("prices.csv", b"cusip,price_date,price\nA,2026-03-02,\xff\n",
                                  2, 3, "invalid UTF-8 byte 0xff (expected UTF-8 text)"),
    "empty_file": ("prices.csv", b"", 1, 1,
                   "empty file (expected a header row: cusip,price_date,price)"),
    "blank_line": ("prices.csv", b"cusip,price_date,price\nA,2026-03-02,1\n\n", 3, 1,
                   "empty line (expected 3 fields)"),
    # where the quote opens, not where the file ends
    "unterminated_quote": ("prices.csv", b'cusip,price_date,price\nA,"2026-03-02,1\n', 2, 2,
                           "quoted field never closed (expected a closing quote)"),
    # PostgreSQL's COPY would read -15137.28 (a quoted part), DuckDB the text as is
    "quote_inside_unquoted_field": ("prices.csv",
                                    b'cusip,price_date,price\nA,2026-03-02,1\nB,2026-03-02,'
                                    b'-151"37".28\n', 3, 3,
                                    'quote inside an unquoted field (expected the whole field '
                                    'quoted, "" for a quote)'),
    "text_after_closing_quote": ("prices.csv", b'cusip,price_date,price\nA,"2026-03-02"x,1\n',
                                 2, 2, "character after a closing quote (expected a comma or "
                                 "the end of the line)"),
    # the quote of line 2 is never closed on its line: the next quote (line 4)
    # closes it and is followed by text; reported where the quote opens
    "quote_closed_lines_later": ("prices.csv", b'cusip,price_date,price\nA,"ACME, COM,1\n'
                                 b'B,2026-03-02,1\nC,"2026-03-02",1\n', 2, 2,
                                 "quoted field not closed on its line: the next quote, 2 line(s) "
                                 "below, is followed by more text (expected a closing quote on "
                                 "this line)"),
    "utf16_file": ("prices.csv", "cusip,price_date,price\n".encode("utf-16"), 1, 1,
                   "UTF-16 text (expected UTF-8: save the file as UTF-8 without BOM)"),
    "crlf_header_lf_rows": ("prices.csv", b"cusip,price_date,price\r\nA,2026-03-02,1\n", 2, 3,
                            "line ends with LF (expected CRLF like the header, one line ending "
                            "throughout the file)"),
    "cr_only_line_endings": ("prices.csv", b"cusip,price_date,price\rA,2026-03-02,1\r", 1, 3,
                             "carriage return without a line feed (expected LF or CRLF line "
                             "endings)"),
    "field_too_long": ("prices.csv", b"cusip,price_date,price\nA,2026-03-02," + b"9" * 140_000
                       + b"\n", 2, 3, "field longer than 131,072 characters (expected at most "
                       "131,072)"),
    "byte_order_mark": ("prices.csv", b"\xef\xbb\xbfcusip,price_date,price\n", 1, 1,
                        "byte order mark before the header (expected UTF-8 without BOM)"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_file_is_refused(warehouse: Warehouse, tmp_path: Path, case: str) -> None:
    name, content, line, column, problem = MALFORMED[case]
    folder = delivery(tmp_path / "landing", "2026-03-02", {name: content})
    proc = warehouse.cli("load", str(tmp_path / "landing"), check=False)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {folder / name}:{line}:{column}: {problem}\n"
    assert "Traceback" not in proc.stdout + proc.stderr
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(0,)]
    assert warehouse.query("select status, message from raw_meta.load_audit") == [
        ("rejected", f"{folder / name}:{line}:{column}: {problem}")]


def test_header_only_file_loads_no_rows(warehouse: Warehouse, tmp_path: Path) -> None:
    delivery(tmp_path / "l", "2026-03-02", {"prices.csv": PRICES_HEADER})
    warehouse.cli("load", str(tmp_path / "l"))
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(0,)]
    assert warehouse.query("select status, row_count from raw_meta.load_audit") == [
        ("loaded", 0)]


def test_a_partial_delivery_creates_every_raw_table_of_its_domain(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    # A delivery may hold any subset of the files (brokerage.md §1); the
    # staging views read all six tables, so the absent ones exist, empty.
    delivery(tmp_path / "l", "2026-03-02", {"prices.csv": PRICES_HEADER + "A,2026-03-02,1\n"})
    warehouse.cli("load", str(tmp_path / "l"))
    counts = {name: len(rows) for name, rows in raw_tables(warehouse).items()}
    assert counts == {"accounts": 0, "activity": 0, "opening_positions": 0,
                      "opening_balances": 0, "securities": 0, "prices": 1}


def test_unknown_files_are_skipped_with_a_warning(warehouse: Warehouse, tmp_path: Path) -> None:
    delivery(tmp_path / "l", "2026-03-02", {"prices.csv": PRICES_HEADER + "A,2026-03-02,1\n",
                                            "trades.csv": "x\n1\n"})
    proc = warehouse.cli("load", str(tmp_path / "l"))
    assert f"warning: {tmp_path / 'l' / '2026-03-02' / 'trades.csv'}: not a known landing file" \
        in proc.stderr
    assert warehouse.query("select count(*) from raw_brokerage.prices") == [(1,)]


def test_side_files_and_underscore_folders_are_named_in_warnings(warehouse: Warehouse,
                                                                  tmp_path: Path) -> None:
    """Only hidden names are ignored silently; '_' inside a delivery is an unknown file."""
    root = tmp_path / "l"
    delivery(root, "2026-03-02", {"prices.csv": PRICES_HEADER + "A,2026-03-02,1\n",
                                  "_prices.csv": PRICES_HEADER + "B,2026-03-02,1\n",
                                  ".DS_Store": "x"})
    delivery(root, "_2026-03-03", {"prices.csv": PRICES_HEADER + "C,2026-03-03,1\n"})
    (root / "_expected_errors.csv").write_text("a side file of the generator\n")
    proc = warehouse.cli("load", str(root))
    assert proc.stderr.splitlines() == [
        f"warning: {root / '_2026-03-03'}: not a delivery folder (a name starting with '_' "
        f"is not loaded); skipped",
        f"warning: {root / '2026-03-02' / '_prices.csv'}: not a known landing file (expected "
        f"one of: accounts.csv, activity.csv, bank_statements.csv, fraud_signals.csv, "
        f"fx_rates.csv, holdings.csv, instruments.csv, merchants.csv, opening_balances.csv, "
        f"opening_positions.csv, payment_events.csv, portfolios.csv, prices.csv, "
        f"prices_eod.csv, securities.csv, transactions.csv); skipped"], proc.stderr
    assert warehouse.query("select cusip from raw_brokerage.prices") == [("A",)]


@pytest.mark.parametrize("name", ["2026-3-9", "20260309", "2026-02-30", "not-a-date",
                                  "2026-03-09 "])
def test_a_delivery_folder_not_named_by_its_date_stops_the_load(
        duckdb_warehouse: Warehouse, tmp_path: Path, name: str) -> None:
    """Load order is name order: a malformed name would silently change what is current."""
    root = tmp_path / "l"
    delivery(root, "2026-03-02", {"prices.csv": PRICES_HEADER + "A,2026-03-02,1\n"})
    delivery(root, name, {"prices.csv": PRICES_HEADER + "A,2026-03-09,2\n"})
    proc = duckdb_warehouse.cli("load", str(root), check=False)
    assert proc.returncode == 2
    assert proc.stderr == (f"error: {root / name}: not a delivery folder name (expected a date, "
                           f"YYYY-MM-DD); nothing loaded\n")
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "l.duckdb").exists() or duckdb_warehouse.query(
        "select count(*) from raw_meta.load_audit") == [(0,)]


def test_an_unreadable_file_is_refused_in_one_line(duckdb_warehouse: Warehouse,
                                                   tmp_path: Path) -> None:
    folder = delivery(tmp_path / "l", "2026-03-02", {})
    (folder / "prices.csv").symlink_to(tmp_path / "gone.csv")  # a broken link
    proc = duckdb_warehouse.cli("load", str(tmp_path / "l"), check=False)
    assert proc.returncode == 2
    message = (f"{folder / 'prices.csv'}: cannot read the file: No such file or directory "
               f"(expected a readable file)")
    assert proc.stderr == f"error: {message}\n"
    assert duckdb_warehouse.query("select status, message from raw_meta.load_audit") == [
        ("rejected", message)]


def test_missing_landing_dir(duckdb_warehouse: Warehouse, tmp_path: Path) -> None:
    proc = duckdb_warehouse.cli("load", str(tmp_path / "nope"), check=False)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {tmp_path / 'nope'}: no such directory\n"


@pytest.mark.postgres
def test_postgres_database_is_created(postgres_warehouse: Warehouse, tmp_path: Path) -> None:
    name = postgres_warehouse.env["LEDGERHOUSE_PG_DATABASE"] + "_new"
    wh = Warehouse("postgres", {**postgres_warehouse.env, "LEDGERHOUSE_PG_DATABASE": name},
                   tmp_path)
    try:
        wh.cli("load", str(_one_price(tmp_path / "l")))
        assert wh.query("select count(*) from raw_brokerage.prices") == [(1,)]
    finally:
        from conftest import _pg_admin

        _pg_admin(f"drop database if exists {name} with (force)")
