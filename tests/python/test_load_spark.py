"""The loader on local Spark: metadata, idempotency, malformed files, crash-retry.

Spark starts a JVM per process (tens of seconds on a busy machine), so each
test makes few CLI calls and reads everything it checks in one query process.
Expected values come from the files the tests write, never from the loader.
"""

from __future__ import annotations

import hashlib
import itertools
import sys
from pathlib import Path

import pytest
from conftest import Warehouse, _run
from test_load import PRICES_HEADER, SECURITIES_HEADER, delivery

pytestmark = pytest.mark.spark

AUDIT = "select source_file, status, row_count from raw_meta.load_audit order by loaded_at"


def test_load_metadata_and_reload_is_a_no_op(spark_warehouse: Warehouse,
                                             tmp_path: Path) -> None:
    wh = spark_warehouse
    landing = tmp_path / "landing"
    securities = (SECURITIES_HEADER
                  + 'A,,EQ,"two\nlines",,,\n'
                  + "B,,EQ,it's,,,\n"
                  + 'C,"",EQ,"three\nli\nnes",,,\n'
                  + "D,C,OPT,\"x, y\",10.00,100,2026-04-17\n")
    securities_2 = SECURITIES_HEADER + 'E,,EQ,"four\nli\nn\nes",,,\n' + "F,,EQ,plain,,,\n"
    prices_1 = PRICES_HEADER + "A,2026-03-02,1.50\nB,2026-03-02,\n"
    prices_2 = PRICES_HEADER + "A,2026-03-03,1.75\n"
    prices_3 = PRICES_HEADER + "A,2026-03-05,2.00\n"
    delivery(landing, "2026-03-02", {"securities.csv": securities, "prices.csv": prices_1})
    delivery(landing, "2026-03-03", {"securities.csv": securities_2, "prices.csv": prices_2})
    # the same bytes again in another delivery: a delivery of its own, in its
    # own partition (path, sha256), which must not replace 2026-03-03's
    delivery(landing, "2026-03-04", {"prices.csv": prices_2})
    delivery(landing, "2026-03-05", {"prices.csv": prices_3})
    # batches of four files: the first written mid-run with two files of each
    # entity in one insert (both securities files with multi-line fields),
    # the last one at the end of the run
    wh.env["LEDGERHOUSE_SPARK_LOAD_BATCH_FILES"] = "4"
    first = wh.cli("load", str(landing))
    assert first.stdout.count("\nchecked  ") == 6
    assert first.stdout.count("\nloaded   ") == 6
    assert "\nskipped  " not in first.stdout
    wrote = [line.split(" -> ")[1].rsplit(",", 1)[0] for line in first.stdout.splitlines()
             if line.startswith("wrote ")]
    assert wrote == ["raw_brokerage.securities in one insert (6 rows",
                     "raw_brokerage.prices in one insert (3 rows",
                     "raw_brokerage.prices in one insert (2 rows"], wrote
    del wh.env["LEDGERHOUSE_SPARK_LOAD_BATCH_FILES"]
    again = wh.cli("load", str(landing))
    assert "\nloaded " not in again.stdout
    assert again.stdout.count("\nskipped  ") == 6
    assert "2026-03-04/prices.csv: already loaded as batch " in again.stdout

    sec, prices, audit, loaded_at, types = wh.query_many([
        "select cusip, uls, description, strike_price, _line_number, _source_file, "
        "_file_sha256 from raw_brokerage.securities order by _source_file, _line_number",
        "select cusip, price_date, price, _source_file, _line_number, _batch_id "
        "from raw_brokerage.prices order by _source_file, _line_number",
        AUDIT,
        "select _source_file, min(_loaded_at), max(_loaded_at) from ("
        "select _source_file, _loaded_at from raw_brokerage.securities union all "
        "select _source_file, _loaded_at from raw_brokerage.prices) group by _source_file "
        "order by 2",
        "describe raw_brokerage.prices",
    ])
    sha = hashlib.sha256(securities.encode()).hexdigest()
    sha_2 = hashlib.sha256(securities_2.encode()).hexdigest()
    # physical line of each record; an empty field (quoted or not) is null
    assert sec == [
        ("A", None, "two\nlines", None, 2, "2026-03-02/securities.csv", sha),
        ("B", None, "it's", None, 4, "2026-03-02/securities.csv", sha),
        ("C", None, "three\nli\nnes", None, 5, "2026-03-02/securities.csv", sha),
        ("D", "C", "x, y", "10.00", 8, "2026-03-02/securities.csv", sha),
        ("E", None, "four\nli\nn\nes", None, 2, "2026-03-03/securities.csv", sha_2),
        ("F", None, "plain", None, 6, "2026-03-03/securities.csv", sha_2),
    ]
    assert [r[:5] for r in prices] == [
        ("A", "2026-03-02", "1.50", "2026-03-02/prices.csv", 2),
        ("B", "2026-03-02", None, "2026-03-02/prices.csv", 3),
        ("A", "2026-03-03", "1.75", "2026-03-03/prices.csv", 2),
        ("A", "2026-03-03", "1.75", "2026-03-04/prices.csv", 2),
        ("A", "2026-03-05", "2.00", "2026-03-05/prices.csv", 2),
    ]
    # one batch id per file, also for two files written by one insert
    assert prices[0][5] == prices[1][5]
    assert len({prices[1][5], prices[2][5], prices[3][5], prices[4][5]}) == 4
    # registry order within a delivery: securities before prices
    loaded = ["2026-03-02/securities.csv", "2026-03-02/prices.csv",
              "2026-03-03/securities.csv", "2026-03-03/prices.csv", "2026-03-04/prices.csv",
              "2026-03-05/prices.csv"]
    rows = dict(zip(loaded, (4, 2, 2, 1, 1, 1), strict=True))
    assert audit == [(f, "loaded", rows[f]) for f in loaded] + [
        (f, "skipped_already_loaded", 0) for f in loaded]
    # one _loaded_at per file, strictly increasing in load order
    assert [r[0] for r in loaded_at] == loaded
    assert all(r[1] == r[2] for r in loaded_at)
    assert all(a[1] < b[1] for a, b in itertools.pairwise(loaded_at))
    column_types = {r[0]: r[1] for r in types if r[0] and not r[0].startswith("#")}
    assert column_types == {"cusip": "string", "price_date": "string", "price": "string",
                            "_batch_id": "string", "_source_file": "string",
                            "_line_number": "bigint", "_file_sha256": "string",
                            "_loaded_at": "timestamp"}


# Fails the first 'loaded' audit write, i.e. after the file's rows are written:
# the crash the partition-per-file design must survive without duplicates.
CRASH_AFTER_DATA = (
    "import sys\n"
    "from pathlib import Path\n"
    "from ledgerhouse.load_spark import SparkLoader\n"
    "from ledgerhouse.settings import target_settings\n"
    "def crash(self, *args, **kwargs):\n"
    "    if args[4] == 'loaded':\n"
    "        raise SystemExit(9)\n"
    "SparkLoader._audit = crash\n"
    "SparkLoader(target_settings(), print, print).run(Path(sys.argv[1]))\n"
)


# Fails every batch insert (an engine error after the files were checked).
FAIL_BATCH = (
    "import sys\n"
    "from pathlib import Path\n"
    "from ledgerhouse.load import LoadError\n"
    "from ledgerhouse.load_spark import SparkLoader\n"
    "from ledgerhouse.settings import target_settings\n"
    "def fail(self, files):\n"
    "    raise RuntimeError('disk full\\nand a second line')\n"
    "SparkLoader._insert_batch = fail\n"
    "try:\n"
    "    SparkLoader(target_settings(), print, print).run(Path(sys.argv[1]))\n"
    "except LoadError as exc:\n"
    "    print(f'error: {exc}', file=sys.stderr)\n"
    "    raise SystemExit(2)\n"
)


def test_crash_before_audit_then_retry_and_malformed_file(spark_warehouse: Warehouse,
                                                          tmp_path: Path) -> None:
    wh = spark_warehouse
    landing = tmp_path / "landing"
    prices = PRICES_HEADER + "".join(f"P{n},2026-03-02,{n}.00\n" for n in range(5))
    delivery(landing, "2026-03-02", {"prices.csv": prices})
    crashed = _run([sys.executable, "-c", CRASH_AFTER_DATA, str(landing)], wh.env, check=False)
    assert crashed.returncode == 9

    bad = delivery(landing, "2026-03-03", {"prices.csv": PRICES_HEADER
                                           + "Q1,2026-03-03,1\nQ2,2026-03-03\n"})
    proc = wh.cli("load", str(landing), check=False)
    assert proc.returncode == 2
    problem = (f"{bad / 'prices.csv'}:3:3: row has 2 fields "
               f"(expected 3: cusip,price_date,price)")
    assert proc.stderr == f"error: {problem}\n"
    assert "loaded   2026-03-02/prices.csv" in proc.stdout

    rows, audit = wh.query_many([
        "select cusip, _line_number from raw_brokerage.prices order by _line_number",
        AUDIT,
    ])
    # the retry replaced the crashed file's rows; nothing of the bad file landed
    assert rows == [(f"P{n}", n + 2) for n in range(5)]
    assert audit == [("2026-03-02/prices.csv", "loaded", 5),
                     ("2026-03-03/prices.csv", "rejected", 0)]

    # A batch the engine cannot write: each of its files is rejected in the
    # audit, one line reaches the user, nothing is written; the skip of
    # 2026-03-02 (unchanged since its load before the run) stays.
    (bad / "prices.csv").unlink()
    failing = PRICES_HEADER + "R1,2026-03-04,7\n"
    delivery(landing, "2026-03-04", {"prices.csv": failing})
    delivery(landing, "2026-03-05", {"prices.csv": failing})
    failed = _run([sys.executable, "-c", FAIL_BATCH, str(landing)], wh.env, check=False)
    assert failed.returncode == 2
    assert failed.stderr.splitlines()[-1] == (
        f"error: {landing / '2026-03-04' / 'prices.csv'}: cannot load the batch of 2 file(s) "
        f"it starts (none of them written): disk full")
    rows, audit = wh.query_many([
        "select cusip, _line_number from raw_brokerage.prices order by _line_number",
        "select source_file, status, row_count, message from raw_meta.load_audit "
        "order by loaded_at",
    ])
    assert rows == [(f"P{n}", n + 2) for n in range(5)]
    assert [a[:3] for a in audit[2:]] == [("2026-03-02/prices.csv", "skipped_already_loaded", 0),
                                         ("2026-03-04/prices.csv", "rejected", 0),
                                         ("2026-03-05/prices.csv", "rejected", 0)]
    assert audit[3][3] == audit[4][3] == failed.stderr.splitlines()[-1][len("error: "):]

    # The engine writes again: the next load takes both (the same bytes in two
    # deliveries are two deliveries).
    wh.cli("load", str(landing))
    audit = wh.query(
        "select source_file, status, row_count from raw_meta.load_audit "
        "where source_file in ('2026-03-04/prices.csv', '2026-03-05/prices.csv') "
        "and status <> 'rejected' order by source_file"
    )
    assert audit == [("2026-03-04/prices.csv", "loaded", 1),
                     ("2026-03-05/prices.csv", "loaded", 1)]
