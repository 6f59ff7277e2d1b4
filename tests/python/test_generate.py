"""The brokerage sample generator: formats, determinism, calendar, labelled bad rows.

Expected values come from the spec (brokerage.md §1, §3), from a CUSIP check
written here independently of the generator, and from hand-counted NYSE
calendars; the labelled bad rows are re-derived by a small validator in this
file that knows only the spec's rules.
"""

from __future__ import annotations

import csv
import hashlib
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerhouse.calendar import business_dates
from ledgerhouse.generators import brokerage

# brokerage.md §1, copied from the spec's table (not from ledgerhouse.entities).
SPEC_COLUMNS = {
    "accounts": "firm, ledger, branch, base, acct_category, rr, us_citizenship, ny_resident, "
                "paper, intracct_eligible_type, intracct_min_amt, account_closed_date, "
                "holder_name, tax_id, email",
    "activity": "activity_id, firm, ledger, branch, base, sub_acct_key, cusip, maxx_key_code, "
                "quantity, amount, trade_date, settle_date, entry_seq, entry_ts",
    "opening_positions": "as_of_date, firm, ledger, branch, base, sub_acct_key, cusip, td_qty, "
                         "sd_qty",
    "opening_balances": "as_of_date, firm, ledger, branch, base, sub_acct_key, td_bal, sd_bal, "
                        "sma",
    "securities": "cusip, uls, product_line, description, strike_price, contract_size, "
                  "exp_or_maturity_date",
    "prices": "cusip, price_date, price",
}
KEY_CODES = {"BUY", "SELL", "DEP", "WDL", "DIV", "RCV", "DLV", "FEE", "JNL", "SSO", "BTC", "INT"}
# The sample of conftest.py: --days 8 from 2026-03-02 (Mon) = two weeks minus the last two days.
SAMPLE_DATES = ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06",
                "2026-03-09", "2026-03-10", "2026-03-11"]
NUMBER = re.compile(r"-?\d+(\.\d+)?")
INTEGER = re.compile(r"-?\d+")


def cusip_ok(cusip: str) -> bool:
    """CUSIP check digit (modulus 10 double-add-double), written independently."""
    if len(cusip) != 9 or not cusip[8].isdigit():
        return False
    total = 0
    for i, ch in enumerate(cusip[:8]):
        v = int(ch) if ch.isdigit() else ord(ch) - 55 if ch.isalpha() else "*@#".index(ch) + 36
        if i % 2:
            v *= 2
        total += v // 10 + v % 10
    return (10 - total % 10) % 10 == int(cusip[8])


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def folder_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_cusip_check_reference() -> None:
    # Real CUSIPs (Apple, Microsoft, Alphabet class A) and one off-by-one.
    assert cusip_ok("037833100") and cusip_ok("594918104") and cusip_ok("02079K305")
    assert not cusip_ok("037833101")
    assert brokerage.cusip_check_digit("03783310") == "0"
    assert brokerage.cusip_check_digit("02079K30") == "5"


def test_business_dates_skip_weekends_and_good_friday() -> None:
    # Good Friday 2026 is April 3 (Easter Sunday April 5).
    assert business_dates(date(2026, 3, 30), 6) == [
        date(2026, 3, 30), date(2026, 3, 31), date(2026, 4, 1), date(2026, 4, 2),
        date(2026, 4, 6), date(2026, 4, 7),
    ]
    # Start on a Saturday: the first business date is the Monday.
    assert business_dates(date(2026, 3, 7), 1) == [date(2026, 3, 9)]


def test_folders_are_business_dates(sample_landing: Path, tmp_path: Path) -> None:
    folders = sorted(p.name for p in sample_landing.iterdir() if p.is_dir())
    assert folders == SAMPLE_DATES
    out = tmp_path / "easter"
    brokerage.generate(out, days=5, size=10, seed=1, start_date=date(2026, 4, 1))
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "2026-04-01", "2026-04-02", "2026-04-06", "2026-04-07", "2026-04-08"]


def test_headers_are_exactly_the_spec(sample_landing: Path) -> None:
    seen = set()
    for path in sample_landing.glob("*/*.csv"):
        entity = path.stem
        expected = SPEC_COLUMNS[entity].replace(" ", "")
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == expected, path
        seen.add(entity)
    assert seen == set(SPEC_COLUMNS)
    # Opening rows only in the first folder, dated the first date.
    first = sample_landing / SAMPLE_DATES[0]
    assert {p.parent.name for p in sample_landing.glob("*/opening_*.csv")} == {first.name}
    for name in ("opening_positions", "opening_balances"):
        assert {r["as_of_date"] for r in read(first / f"{name}.csv")} == {SAMPLE_DATES[0]}


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    args = {"days": 4, "size": 12, "seed": 11, "start_date": None, "activities": 900}
    brokerage.generate(tmp_path / "a", **args)
    brokerage.generate(tmp_path / "b", **args)
    a, b = folder_files(tmp_path / "a"), folder_files(tmp_path / "b")
    assert a == b
    assert len(a) >= 4 * 2 + 5
    brokerage.generate(tmp_path / "c", **{**args, "seed": 12})
    c = folder_files(tmp_path / "c")
    assert c.keys() == a.keys()
    assert c["2026-03-02/activity.csv"] != a["2026-03-02/activity.csv"]


def test_sample_matches_the_committed_digest_shape(sample_landing: Path) -> None:
    """Every file is UTF-8 with LF endings and no blank lines."""
    for path in sample_landing.rglob("*.csv"):
        data = path.read_bytes()
        data.decode("utf-8")
        assert b"\r" not in data and b"\n\n" not in data and data.endswith(b"\n"), path
        assert hashlib.sha256(data).hexdigest()


def _load_order(root: Path) -> list[tuple[str, int, dict[str, str]]]:
    rows = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        path = folder / "activity.csv"
        for i, row in enumerate(read(path)):
            rows.append((f"{folder.name}/activity.csv", i + 2, row))
    return rows


def _current(root: Path, entity: str, key: str) -> dict[str, dict[str, str]]:
    """Latest delivery wins (brokerage.md §1)."""
    current: dict[str, dict[str, str]] = {}
    for path in sorted(root.glob(f"*/{entity}.csv")):
        for row in read(path):
            current[row[key]] = row
    return current


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def validate(root: Path) -> set[tuple[str, str, int, str]]:
    """brokerage.md §3 in plain Python: (activity_id, file, line, code) for every failure."""
    accounts: dict[tuple[str, ...], dict[str, str]] = {}
    for path in sorted(root.glob("*/accounts.csv")):
        for row in read(path):
            accounts[(row["firm"], row["ledger"], row["branch"], row["base"])] = row
    securities = _current(root, "securities", "cusip")
    found = set()
    seen_ids = set()
    for source, line, r in _load_order(root):
        codes = []
        if r["activity_id"] in seen_ids:
            codes.append("E001")
        seen_ids.add(r["activity_id"])
        if r["maxx_key_code"] not in KEY_CODES:
            codes.append("E002")
        account = accounts.get((r["firm"], r["ledger"], r["branch"], r["base"]))
        if account is None:
            codes.append("E003")
        trade_ok, settle_ok = _is_date(r["trade_date"]), _is_date(r["settle_date"])
        if (account and account["account_closed_date"] and trade_ok
                and r["trade_date"] > account["account_closed_date"]):
            codes.append("E004")
        if not trade_ok or not settle_ok or r["settle_date"] < r["trade_date"]:
            codes.append("E005")
        qty_ok = NUMBER.fullmatch(r["quantity"]) if r["quantity"] else True
        security = securities.get(r["cusip"])
        if (qty_ok and r["quantity"] and Decimal(r["quantity"]) % 1 != 0 and security
                and security["product_line"] != "MF"):
            codes.append("E006")
        if (not qty_ok or (r["amount"] and not NUMBER.fullmatch(r["amount"]))
                or (r["entry_seq"] and not INTEGER.fullmatch(r["entry_seq"]))):
            codes.append("E007")
        if r["cusip"] and not cusip_ok(r["cusip"]):
            codes.append("E008")
        found.update((r["activity_id"], source, line, code) for code in codes)
    return found


def test_labelled_bad_rows_are_exactly_the_failures(sample_landing: Path) -> None:
    labelled = {(r["activity_id"], r["source_file"], int(r["line_number"]), r["error_code"])
                for r in read(sample_landing / "_expected_errors.csv")}
    assert {code for *_, code in labelled} == {f"E00{i}" for i in range(1, 9)}
    assert validate(sample_landing) == labelled
    # A small share: under 5 % of the rows in the small sample.
    rows = _load_order(sample_landing)
    assert len({(s, ln) for _, s, ln, _ in labelled}) < 0.05 * len(rows)
    # The label points at the physical line holding that activity_id.
    lines = {(s, ln): r["activity_id"] for s, ln, r in rows}
    assert all(lines[(s, ln)] == aid for aid, s, ln, _ in labelled)


def test_bad_rows_cover_each_variant_of_a_rule(sample_landing: Path) -> None:
    labels = defaultdict(set)
    for r in read(sample_landing / "_expected_errors.csv"):
        labels[(r["source_file"], int(r["line_number"]))].add(r["error_code"])
    kinds = defaultdict(set)
    for source, line, r in _load_order(sample_landing):
        codes = labels.get((source, line), set())
        if "E007" in codes:
            kinds["E007"].update(f for f in ("quantity", "amount")
                                 if r[f] and not NUMBER.fullmatch(r[f]))
            if not INTEGER.fullmatch(r["entry_seq"]):
                kinds["E007"].add("entry_seq")
        if "E005" in codes:
            kinds["E005"].add("missing" if not r["settle_date"] else
                              "unparseable" if not _is_date(r["trade_date"]) else "order")
        if "E008" in codes:
            kinds["E008"].add("length" if len(r["cusip"]) != 9 else "check digit")
    assert kinds == {"E007": {"quantity", "amount", "entry_seq"},
                     "E005": {"missing", "unparseable", "order"},
                     "E008": {"length", "check digit"}}


def test_valid_rows_follow_the_sign_and_settlement_rules(sample_landing: Path) -> None:
    bad = {(r["source_file"], int(r["line_number"]))
           for r in read(sample_landing / "_expected_errors.csv")}
    securities = _current(sample_landing, "securities", "cusip")
    # Day after the sample is Thursday 2026-03-12.
    following = dict(zip(SAMPLE_DATES, [*SAMPLE_DATES[1:], "2026-03-12"], strict=True))
    codes_seen = set()
    journals: dict[tuple[str, str], int] = defaultdict(int)
    for source, line, r in _load_order(sample_landing):
        if (source, line) in bad:
            continue
        code = r["maxx_key_code"]
        codes_seen.add(code)
        qty, amount = Decimal(r["quantity"]), Decimal(r["amount"])
        assert r["sub_acct_key"] in {"1", "2", "5"}
        if code in {"BUY", "BTC"}:
            assert qty > 0 and amount < 0, r
        elif code in {"SELL", "SSO"}:
            assert qty < 0 and amount > 0, r
        elif code == "RCV":
            assert qty > 0 and amount == 0, r
        elif code == "DLV":
            assert qty < 0 and amount == 0, r
        elif code in {"DEP", "DIV"}:
            assert qty == 0 and amount > 0, r
        elif code in {"WDL", "FEE"}:
            assert qty == 0 and amount < 0, r
        if code in {"SSO", "BTC"}:
            assert r["sub_acct_key"] == "5"
        if code in {"BUY", "SELL", "SSO", "BTC"}:
            assert r["settle_date"] == following[r["trade_date"]], r
        else:
            assert r["settle_date"] == r["trade_date"], r
        if code in {"DEP", "WDL", "FEE", "JNL", "INT"}:
            assert r["cusip"] == ""
        else:
            assert r["cusip"]
        if qty % 1:
            assert securities[r["cusip"]]["product_line"] == "MF", r
        if code == "JNL":
            journals[(r["base"], r["trade_date"])] += int(amount * 100)
    assert codes_seen == KEY_CODES
    assert journals and all(total == 0 for total in journals.values())


def test_securities_cover_every_product(sample_landing: Path) -> None:
    rows = read(sample_landing / SAMPLE_DATES[0] / "securities.csv")
    by_cusip = {r["cusip"]: r for r in rows}
    assert {r["product_line"] for r in rows} == {"EQ", "ETF", "OPT", "BND", "MUN", "MF"}
    assert all(cusip_ok(c) for c in by_cusip)
    options = [r for r in rows if r["product_line"] == "OPT"]
    assert all(by_cusip[o["uls"]]["product_line"] == "EQ" for o in options)
    assert all(o["contract_size"] == "100" and o["strike_price"] for o in options)
    inside = [o for o in options if SAMPLE_DATES[0] <= o["exp_or_maturity_date"]
              <= SAMPLE_DATES[-1]]
    assert inside, "some options expire inside the period"
    # Every CUSIP anywhere is valid, except the rows labelled E008.
    e008 = {(r["source_file"], int(r["line_number"]))
            for r in read(sample_landing / "_expected_errors.csv") if r["error_code"] == "E008"}
    for source, line, r in _load_order(sample_landing):
        if r["cusip"] and (source, line) not in e008:
            assert cusip_ok(r["cusip"]), (source, line)
    for path in sample_landing.glob("*/*.csv"):
        if path.stem in {"prices", "opening_positions"}:
            assert all(cusip_ok(r["cusip"]) for r in read(path)), path


def test_corrections_are_redelivered(sample_landing: Path) -> None:
    prices: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(sample_landing.glob("*/prices.csv")):
        for r in read(path):
            prices[(r["cusip"], r["price_date"])].add(r["price"])
    assert any(len(v) > 1 for v in prices.values()), "a corrected price"
    deliveries = sorted(sample_landing.glob("*/accounts.csv"))
    assert len(deliveries) == 2
    first, later = (read(p) for p in deliveries)
    assert len(first) == len(later) == 30
    assert first != later
    closed_later = {r["base"] for r in later if r["account_closed_date"]}
    assert closed_later > {r["base"] for r in first if r["account_closed_date"]}


def _peak_rss_kib(out: Path, activities: int) -> int:
    """Peak memory of a fresh process that generates ``activities`` rows."""
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from ledgerhouse.generators import brokerage\n"
        f"brokerage.generate(Path({str(out)!r}), days=2, size=50, seed=1, "
        f"activities={activities})\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout.strip())


def test_activity_is_streamed(tmp_path: Path) -> None:
    small = _peak_rss_kib(tmp_path / "small", 10_000)
    large = _peak_rss_kib(tmp_path / "large", 100_000)
    rows = sum(1 for _ in (tmp_path / "large").glob("*/activity.csv"))
    assert rows == 2
    # Ten times the rows (about 10 MB more CSV) in about the same memory.
    assert large - small < 10_000, (small, large)


def test_progress_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(brokerage, "PROGRESS_EVERY", 2_000)
    messages: list[str] = []
    brokerage.generate(tmp_path, days=2, size=20, seed=1, activities=9_000,
                       progress=messages.append)
    counts = [m for m in messages if m.endswith("rows/s)") and "wrote" not in m]
    assert len(counts) == 4, messages  # at 2k, 4k, 6k and 8k rows
    assert messages[-1].startswith("brokerage: wrote")


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="accounts"):
        brokerage.generate(tmp_path, days=2, size=2, seed=1)
    with pytest.raises(ValueError, match="activities"):
        brokerage.generate(tmp_path, days=5, size=10, seed=1, activities=3)
