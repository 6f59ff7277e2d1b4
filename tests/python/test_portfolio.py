"""Portfolio domain end to end: generate -> load -> dbt build, on DuckDB and PostgreSQL.

Every expectation is computed independently of the SQL:
- quarantine: the generator's own labels (_expected_errors.csv);
- KPIs: empyrical-reloaded on the mart's own portfolio_value and
  net_external_flow, and on SPY's adj_close read from the landing CSVs;
- FIFO: a plain-Python lot ledger over the landing CSVs, exact decimals;
- reruns: late and corrected files then an incremental run equal a full
  refresh; a second run with nothing new changes nothing;
- targets: DuckDB and PostgreSQL give identical marts.
"""

from __future__ import annotations

import csv
import filecmp
import itertools
import json
import math
import shutil
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import empyrical
import numpy as np
import pandas as pd
import pytest
from conftest import LEDGERHOUSE, Warehouse, _run, base_env

from ledgerhouse.generators.portfolio import isin_check_digit

pytestmark = pytest.mark.slow

DAYS, SIZE, SEED = 70, 5, 11
FIRST_LOAD_DAYS = 60  # load and build these first, the rest (plus late data) afterwards
# the domain's selector (selectors.yml): what a portfolio-only warehouse builds
SELECT = ["--selector", "portfolio"]
MODELS = ["--select", "path:models/intermediate/portfolio", "path:models/marts/portfolio"]
MARTS = [
    "dim_date",
    "dim_security",
    "dim_portfolio",
    "fact_market_price_daily",
    "fact_transactions_calculated",
    "fact_portfolio_position_daily",
    "fact_portfolio_performance_daily",
    "portfolio_errors",
    "portfolio_contribution_daily",
    "portfolio_sector_exposure_daily",
    "portfolio_sector_performance_daily",
    "portfolio_allocation_daily",
    "portfolio_risk_daily",
]
# build metadata, not data: when a row was written / loaded
SKIP_COLUMNS = {"_inputs_loaded_at", "_rules_fingerprint", "loaded_at"}
Q4 = Decimal("0.0001")
RESULTS: dict[str, dict[str, list[tuple]]] = {}


def _generate(out: Path, days: int = DAYS, size: int = SIZE) -> None:
    _run(
        [LEDGERHOUSE, "generate", str(out), "--domain", "portfolio", "--days", str(days),
         "--accounts", str(size), "--seed", str(SEED)],
        base_env(),
        check=True,
    )


@pytest.fixture(scope="module")
def portfolio_landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("portfolio_landing")
    _generate(out)
    return out


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _rows(landing: Path, entity: str) -> list[tuple[str, int, dict[str, str]]]:
    """(source_file, line_number, row) for every row of every file of an entity."""
    out = []
    for f in sorted(landing.glob(f"*/{entity}.csv")):
        rel = f"{f.parent.name}/{f.name}"
        for i, row in enumerate(_read(f)):
            out.append((rel, i + 2, row))
    return out


def _expected_errors(landing: Path) -> set[tuple[str, int, str]]:
    return {
        (r["source_file"], int(r["line_number"]), r["error_code"])
        for r in _read(landing / "_expected_errors.csv")
    }


# ---------------------------------------------------------------------------- generator


def test_generator_is_deterministic_and_labels_every_code(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    _generate(a)
    _generate(b)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*.csv"))
    assert all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)
    folders = sorted(p.name for p in a.iterdir() if p.is_dir())
    assert len(folders) == DAYS
    codes = {e[2] for e in _expected_errors(a)}
    assert codes == {f"P00{i}" for i in range(1, 9)}
    # ISINs carry valid check digits except the rows labelled P007
    bad = {(e[0], e[1]) for e in _expected_errors(a) if e[2] == "P007"}
    for src, line, row in _rows(a, "instruments"):
        valid = isin_check_digit(row["isin"][:11]) == row["isin"][11]
        assert valid == ((src, line) not in bad), row
    portfolios = _read(a / folders[0] / "portfolios.csv")
    assert {p["base_currency"] for p in portfolios} == {"USD", "EUR", "GBP"}
    types = {r["type"] for _, _, r in _rows(a, "transactions")}
    assert {"BUY", "SELL", "DIVIDEND", "DEPOSIT", "WITHDRAWAL", "FEE"} <= types
    with_txn = {r["portfolio_id"] for _, _, r in _rows(a, "transactions")}
    holders = {r["portfolio_id"] for _, _, r in _rows(a, "holdings")}
    assert holders - with_txn, "a holdings-only portfolio"


# ---------------------------------------------------------------------------- helpers


def _dump(w: Warehouse) -> dict[str, list[tuple]]:
    out = {}
    for table in MARTS:
        cols = [
            r[0]
            for r in w.query(
                "select column_name from information_schema.columns "
                f"where table_schema = 'portfolio' and table_name = '{table}' "
                "order by ordinal_position"
            )
            if r[0] not in SKIP_COLUMNS
        ]
        assert cols, table
        col_list = ", ".join(cols)
        rows = w.query(f"select {col_list} from portfolio.{table} order by {col_list}")
        out[table] = [tuple(_norm(v) for v in row) for row in rows]
    return out


def _norm(v: object) -> object:
    if isinstance(v, Decimal):
        return v.normalize() if v != 0 else Decimal(0)
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _late_and_corrected_files(landing: Path) -> None:
    """A corrected close for an already built date, and a late BUY appended to an
    already built transactions file (both re-delivered under the same path)."""
    folders = sorted(p.name for p in landing.iterdir() if p.is_dir())
    prices = landing / folders[FIRST_LOAD_DAYS - 8] / "prices_eod.csv"
    rows = _read(prices)
    for r in rows:
        if r["instrument_id"] == "SPY":
            r["close"] = str((Decimal(r["close"]) + Decimal("1.25")).normalize())
            r["adj_close"] = str((Decimal(r["adj_close"]) + Decimal("1.25")).normalize())
    _write(prices, rows)
    # the late BUY: PF001 buys an instrument it never touches otherwise
    touched = {r["instrument_id"] for _, _, r in _rows(landing, "transactions")
               if r["portfolio_id"] == "PF001"}
    touched |= {r["instrument_id"] for _, _, r in _rows(landing, "holdings")
                if r["portfolio_id"] == "PF001"}
    instrument = next(r["instrument_id"] for r in _read(landing / folders[0] / "instruments.csv")
                      if r["instrument_id"] not in touched and r["instrument_id"] != "TSLAX")
    day = folders[FIRST_LOAD_DAYS - 5]
    close = next(r["close"] for r in _read(landing / day / "prices_eod.csv")
                 if r["instrument_id"] == instrument)
    txns = landing / day / "transactions.csv"
    rows = _read(txns)
    rows.append({"transaction_id": "T9000001", "portfolio_id": "PF001",
                 "instrument_id": instrument, "type": "BUY", "trade_date": day,
                 "settle_date": "", "quantity": "7", "price": close, "gross_amount": "",
                 "fees": "1.25", "currency": "USD"})
    _write(txns, rows)


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def _copy_days(landing: Path, days: list[str], dest: Path) -> Path:
    """A landing area holding only the given day folders of ``landing``."""
    dest.mkdir()
    for day in days:
        shutil.copytree(landing / day, dest / day)
    return dest


# ---------------------------------------------------------------------------- the build


def test_portfolio_marts(warehouse: Warehouse, portfolio_landing: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(portfolio_landing, landing)
    folders = sorted(p.name for p in landing.iterdir() if p.is_dir())
    first = _copy_days(landing, folders[:FIRST_LOAD_DAYS], tmp_path / "first")

    # 1. the first 60 days: full build with every data test and unit test
    warehouse.cli("load", str(first), "--target", warehouse.target)
    warehouse.dbt("build", *SELECT)
    built_first = warehouse.query(
        "select max(business_date) from portfolio.fact_portfolio_performance_daily"
    )[0][0]
    assert built_first.isoformat() == folders[FIRST_LOAD_DAYS - 1]

    # 2. the rest, a corrected price and a late transaction; incremental run
    _late_and_corrected_files(landing)
    warehouse.cli("load", str(landing), "--target", warehouse.target)
    warehouse.dbt("run", *MODELS)
    incremental = _dump(warehouse)
    # 3. nothing new: nothing changes
    warehouse.dbt("run", *MODELS)
    assert _dump(warehouse) == incremental
    # 4. a full refresh gives exactly what the incremental runs gave
    warehouse.dbt("run", *MODELS, "--full-refresh")
    full = _dump(warehouse)
    for table in MARTS:
        assert full[table] == incremental[table], table
    assert full["fact_portfolio_performance_daily"], "performance is not empty"
    RESULTS[warehouse.target] = full

    _check_errors(warehouse, landing)
    _check_kpis_with_empyrical(warehouse, landing)
    _check_fifo_with_a_lot_ledger(warehouse, landing)


def _check_errors(w: Warehouse, landing: Path) -> None:
    got = set(w.query(
        "select source_file, line_number, error_code from portfolio.portfolio_errors"))
    assert got == _expected_errors(landing)


def _benchmark_returns(landing: Path) -> dict[str, float]:
    """SPY's adj_close return per date from the landing files (latest delivery,
    first valid row of a date wins, rows with close <= 0 or unparseable skipped)."""
    adj: dict[str, Decimal] = {}
    for _src, _line, r in _rows(landing, "prices_eod"):
        if r["instrument_id"] != "SPY" or r["date"] in adj:
            continue
        try:
            if Decimal(r["close"]) > 0:
                adj[r["date"]] = Decimal(r["adj_close"])
        except ArithmeticError:
            continue
    dates = sorted(adj)
    return {d: float(adj[d]) / float(adj[p]) - 1 for p, d in itertools.pairwise(dates)}


def _check_kpis_with_empyrical(w: Warehouse, landing: Path) -> None:
    rows = w.query(
        "select portfolio_id, business_date, portfolio_value, net_external_flow, daily_return, "
        "cumulative_return, volatility_21d, volatility_63d, drawdown, max_drawdown, "
        "benchmark_return, beta_63d from portfolio.fact_portfolio_performance_daily "
        "order by portfolio_id, business_date"
    )
    bench = _benchmark_returns(landing)
    by_portfolio: dict[str, list[tuple]] = defaultdict(list)
    for r in rows:
        by_portfolio[r[0]].append(r)
    checked = {"vol63": 0, "beta": 0}
    for pid, prow in by_portfolio.items():
        v = [float(r[2]) for r in prow]
        f = [float(r[3]) for r in prow]
        r_oracle = np.array(
            [np.nan]
            + [(v[i] - f[i]) / v[i - 1] - 1 if v[i - 1] != 0 else np.nan for i in range(1, len(v))]
        )
        mart = pd.DataFrame(prow, columns=[
            "p", "d", "v", "f", "r", "cum", "vol21", "vol63", "dd", "mdd", "rb", "beta"])
        kpis = ["r", "cum", "vol21", "vol63", "dd", "mdd", "rb", "beta"]
        mart = mart.astype({c: float for c in kpis})
        _close(mart["r"].to_numpy(), r_oracle, f"{pid} daily_return")
        returns = pd.Series(r_oracle)
        cum = empyrical.cum_returns(returns).to_numpy()
        _close(mart["cum"].to_numpy(), cum, f"{pid} cumulative_return")
        wealth = 1 + cum
        _close(mart["dd"].to_numpy(), wealth / np.maximum.accumulate(wealth) - 1, f"{pid} drawdown")
        mdd = np.array([empyrical.max_drawdown(returns.iloc[: i + 1]) for i in range(len(returns))])
        _close(mart["mdd"].to_numpy(), mdd, f"{pid} max_drawdown")
        for n, col in ((21, "vol21"), (63, "vol63")):
            vol = np.full(len(returns), np.nan)
            for i in range(len(returns)):
                window = r_oracle[max(0, i - n + 1): i + 1]
                if len(window) == n and not np.isnan(window).any():
                    vol[i] = empyrical.annual_volatility(pd.Series(window))
            _close(mart[col].to_numpy(), vol, f"{pid} volatility_{n}d")
            checked["vol63"] += n == 63 and int((~np.isnan(vol)).sum())
        rb = np.array([bench.get(d.isoformat(), np.nan) for d in mart["d"]])
        _close(mart["rb"].to_numpy(), rb, f"{pid} benchmark_return")
        beta = np.full(len(returns), np.nan)
        pairs = [i for i in range(len(returns))
                 if not np.isnan(r_oracle[i]) and not np.isnan(rb[i])]
        for k, i in enumerate(pairs):
            if k + 1 >= 63:
                idx = pairs[k - 62: k + 1]
                beta[i] = empyrical.beta(pd.Series(r_oracle[idx]), pd.Series(rb[idx]))
        _close(mart["beta"].to_numpy(), beta, f"{pid} beta_63d")
        checked["beta"] += int((~np.isnan(beta)).sum())
    assert checked["vol63"] > 0 and checked["beta"] > 0, "the sample reaches the 63-day windows"


def _close(got: np.ndarray, want: np.ndarray, what: str) -> None:
    got = np.asarray(got, dtype=float)
    assert np.array_equal(np.isnan(got), np.isnan(want)), f"{what}: nulls differ"
    mask = ~np.isnan(want)
    worst = float(np.max(np.abs(got[mask] - want[mask]), initial=0.0))
    assert worst <= 1e-9, f"{what}: max difference {worst}"


def _check_fifo_with_a_lot_ledger(w: Warehouse, landing: Path) -> None:
    bad = {(e[0], e[1]) for e in _expected_errors(landing)}
    closes: dict[tuple[str, str], Decimal] = {}
    for src, line, r in _rows(landing, "prices_eod"):
        if (src, line) not in bad:
            closes.setdefault((r["instrument_id"], r["date"]), Decimal(r["close"]))

    def close_on_or_before(instrument: str, day: str) -> Decimal:
        return closes[max(k for k in closes if k[0] == instrument and k[1] <= day)]

    # splits: a valid price row with split_factor != 1; it multiplies the
    # open lots' quantities (never their cost) from its date on
    splits: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for src, line, r in _rows(landing, "prices_eod"):
        if (src, line) not in bad and Decimal(r["split_factor"]) != 1:
            splits[r["instrument_id"]].append((r["date"], Decimal(r["split_factor"])))
    assert sum(map(len, splits.values())) >= 2, "the sample has splits"
    applied: dict[tuple[str, str], int] = defaultdict(int)

    def apply_splits(key: tuple[str, str], day: str) -> None:
        todo = sorted(splits[key[1]])
        while applied[key] < len(todo) and todo[applied[key]][0] <= day:
            factor = todo[applied[key]][1]
            for lot in lots[key]:
                lot[0] *= factor  # remaining quantity
                lot[2] *= factor  # lot quantity: a slice's share of the cost is unchanged
            applied[key] += 1

    events = []  # (portfolio, instrument, trade_date, 0 in / 1 out, id, qty, cost or None, row)
    for src, line, r in _rows(landing, "holdings"):
        if (src, line) in bad:
            continue
        q = Decimal(r["quantity"])
        tid = f"HOLDING-{r['portfolio_id']}-{r['instrument_id']}-{r['as_of_date']}"
        cost = (q * close_on_or_before(r["instrument_id"], r["as_of_date"])).quantize(
            Q4, ROUND_HALF_UP)
        events.append((r["portfolio_id"], r["instrument_id"], r["as_of_date"], 0, tid, q, cost, r))
    for src, line, r in _rows(landing, "transactions"):
        if (src, line) in bad or r["type"] not in ("BUY", "SELL", "TRANSFER_IN", "TRANSFER_OUT"):
            continue
        q = Decimal(r["quantity"])
        if r["type"] == "BUY":
            cost = (q * Decimal(r["price"])).quantize(Q4, ROUND_HALF_UP) + Decimal(r["fees"] or 0)
        elif r["type"] == "TRANSFER_IN":
            cost = (q * close_on_or_before(r["instrument_id"], r["trade_date"])).quantize(
                Q4, ROUND_HALF_UP)
        else:
            cost = None
        kind = 0 if cost is not None else 1
        events.append((r["portfolio_id"], r["instrument_id"], r["trade_date"], kind,
                       r["transaction_id"], q, cost, r))
    lots: dict[tuple[str, str], list[list[Decimal]]] = defaultdict(list)  # [qty left, cost left]
    expected: dict[str, tuple[Decimal, Decimal | None]] = {}
    for pid, iid, day, kind, tid, q, cost, r in sorted(events, key=lambda e: e[:5]):
        apply_splits((pid, iid), day)  # a trade on a split's date is in post-split units
        book = lots[(pid, iid)]
        if kind == 0:
            book.append([q, cost, q, cost])  # remaining qty, remaining cost, lot qty, lot cost
            continue
        need, consumed = q, Decimal(0)
        while need > 0:
            lot = book[0]
            take = min(need, lot[0])
            if take == lot[0]:
                slice_cost = lot[1]  # the last slice takes the lot's remaining cost
                book.pop(0)
            else:
                slice_cost = (lot[3] * take / lot[2]).quantize(Q4, ROUND_HALF_UP)
                lot[0] -= take
                lot[1] -= slice_cost
            consumed += slice_cost
            need -= take
        realized = None
        if r["type"] == "SELL":
            proceeds = (q * Decimal(r["price"])).quantize(Q4, ROUND_HALF_UP)
            proceeds -= Decimal(r["fees"] or 0)
            realized = proceeds - consumed
        expected[tid] = (consumed, realized)
    got = {
        r[0]: (r[1], r[2])
        for r in w.query(
            "select transaction_id, cost_of_sold_local, realized_pnl_local "
            "from portfolio.fact_transactions_calculated "
            "where transaction_type in ('SELL', 'TRANSFER_OUT')"
        )
    }
    assert len(expected) > 20
    assert got == expected
    remaining = {
        (r[0], r[1]): (r[2], r[3])
        for r in w.query(
            "select portfolio_id, instrument_id, quantity, cost_basis_local "
            "from portfolio.fact_portfolio_position_daily "
            "where business_date = "
            "(select max(business_date) from portfolio.fact_portfolio_position_daily)"
        )
    }
    last_day = w.query("select cast(max(business_date) as varchar(10)) "
                       "from portfolio.fact_portfolio_position_daily")[0][0]
    for key in list(lots):
        apply_splits(key, last_day)
    open_lots = {k: (sum(lot[0] for lot in v), sum(lot[1] for lot in v))
                 for k, v in lots.items() if v}
    assert remaining == open_lots


def test_duckdb_and_postgres_marts_are_identical() -> None:
    if set(RESULTS) != {"duckdb", "postgres"}:
        pytest.skip("needs test_portfolio_marts on both targets in this session")
    for table in MARTS:
        assert RESULTS["duckdb"][table] == RESULTS["postgres"][table], table


# ---------------------------------------------------------------------------- a date emptied


DAILY_FACTS = [
    "fact_market_price_daily",
    "fact_portfolio_position_daily",
    "fact_portfolio_performance_daily",
]


@pytest.fixture(
    params=[
        "duckdb",
        pytest.param("postgres", marks=pytest.mark.postgres),
        # insert_overwrite of date partitions after the pre-hook's drop
        pytest.param("spark", marks=pytest.mark.spark),
    ]
)
def any_target(request: pytest.FixtureRequest) -> Warehouse:
    """conftest's `warehouse`, plus Spark (its incremental strategy differs)."""
    return request.getfixturevalue(f"{request.param}_warehouse")


def _daily_facts(w: Warehouse) -> dict[str, Counter[tuple]]:
    """Each incremental fact's rows (build metadata left out), with
    business_date as 'YYYY-MM-DD' in the first place."""
    manifest = json.loads((w.workdir / "target" / "manifest.json").read_text())
    columns = {
        node["name"]: [c for c in node["columns"] if c not in SKIP_COLUMNS]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["name"] in DAILY_FACTS
    }
    sqls = [
        f"select business_date, {', '.join(columns[t])} from portfolio.{t}"
        for t in DAILY_FACTS
    ]
    results = w.query_many(sqls)
    return {t: Counter((row[0].isoformat(), *(_norm(v) for v in row[1:])) for row in rows)
            for t, rows in zip(DAILY_FACTS, results, strict=True)}


def test_a_date_a_correction_empties_leaves_every_daily_fact(
    any_target: Warehouse, tmp_path: Path
) -> None:
    """The vendor re-delivers the last day's prices with every close 0: each
    row becomes a P008, the as-of date (the latest valid price) moves back a
    day, and an incremental run must drop that date from every daily fact —
    on Spark too, where insert_overwrite alone replaces only the partitions
    it writes and would keep the emptied date's old rows.

    The last day arrives in an incremental run of its own, so its rows are
    the only ones with the newest watermark: on Spark the correction's
    partition drop takes them all and the model's filter reads an older
    watermark (the path spark__clear_portfolio_window's comment describes)."""
    w = any_target
    landing = tmp_path / "landing"
    _generate(landing, days=6, size=2)
    folders = sorted(p.name for p in landing.iterdir() if p.is_dir())
    last = folders[-1]
    first_days = _copy_days(landing, folders[:-1], tmp_path / "first_days")
    w.cli("load", str(first_days), "--target", w.target)
    w.dbt("build", *SELECT, "--exclude-resource-type", "test",
          "--exclude-resource-type", "unit_test")
    w.cli("load", str(landing), "--target", w.target)
    w.dbt("run", *MODELS)
    before = _daily_facts(w)
    for table in DAILY_FACTS:
        assert max(row[0] for row in before[table]) == last, table

    prices = landing / last / "prices_eod.csv"
    rows = _read(prices)
    for r in rows:
        r["close"] = "0"
    _write(prices, rows)
    w.cli("load", str(landing), "--target", w.target)
    w.dbt("run", *MODELS)
    after = _daily_facts(w)

    # the last date is gone from every fact (the as-of date is the day
    # before), and every row of the other dates is exactly as it was
    for table in DAILY_FACTS:
        assert max(row[0] for row in after[table]) == folders[-2], table
        kept = Counter({row: n for row, n in before[table].items() if row[0] != last})
        assert after[table] == kept, table
    assert w.query(
        "select count(*) from portfolio.portfolio_errors "
        f"where source_file = '{last}/prices_eod.csv' and error_code = 'P008'"
    )[0][0] == len(rows)
    # and a full refresh agrees
    w.dbt("run", *MODELS, "--full-refresh")
    assert _daily_facts(w) == after


def _built_six_days(w: Warehouse, tmp_path: Path) -> Path:
    """Six generated days loaded and built (no tests); the landing root."""
    landing = tmp_path / "landing"
    _generate(landing, days=6, size=2)
    w.cli("load", str(landing), "--target", w.target)
    w.dbt("build", *SELECT, "--exclude-resource-type", "test",
          "--exclude-resource-type", "unit_test")
    return landing


def test_a_header_only_correction_cancels_the_files_transactions(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """A transactions file delivered again under its path with no data rows
    cancels every transaction it held (portfolio.md "Corrections": the latest
    load of a path replaces the earlier ones). The loader writes no raw row for
    it, so the models must learn of it from the load audit: the incremental
    run drops the transactions and re-opens their dates, and equals a full
    refresh."""
    w = warehouse
    landing = _built_six_days(w, tmp_path)
    files = sorted(landing.glob("*/transactions.csv"))
    # the earliest file with transactions in the fact that no other file
    # delivers (a re-delivered id would become valid once its first copy goes)
    fact_ids = {r[0] for r in w.query(
        "select transaction_id from portfolio.fact_transactions_calculated")}
    ids_of = {f: {r["transaction_id"] for r in _read(f)} for f in files}
    target, cancelled = next(
        (f, ids) for f in files
        if (ids := (ids_of[f] & fact_ids).difference(*(ids_of[g] for g in files if g != f))))
    header = target.read_text(encoding="utf-8").splitlines(keepends=True)[0]
    target.write_text(header, encoding="utf-8")
    w.cli("load", str(landing), "--target", w.target)
    w.dbt("run", *MODELS)
    left = {r[0] for r in w.query(
        "select transaction_id from portfolio.fact_transactions_calculated")}
    assert cancelled and not cancelled & left, sorted(cancelled & left)
    assert left == fact_ids - cancelled
    incremental = _daily_facts(w)
    w.dbt("run", *MODELS, "--full-refresh")
    assert _daily_facts(w) == incremental


def test_a_changed_rule_or_as_of_date_rebuilds_every_date(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    """No load changes, so the load window alone would keep the old rows: the
    rules fingerprint stored on each fact row (seeds + var as_of_date,
    int_portfolio__build_state) re-opens every date. A lowered as_of_date
    drops the later dates, the default brings them back, and each
    incremental run equals a full refresh with the same var."""
    w = warehouse
    _built_six_days(w, tmp_path)
    before = _daily_facts(w)
    dates = sorted({row[0] for row in before["fact_market_price_daily"]})
    cut = dates[-3]
    as_of = ("--vars", f"{{as_of_date: '{cut}'}}")
    w.dbt("run", *MODELS, *as_of)
    lowered = _daily_facts(w)
    for table in DAILY_FACTS:
        assert max(row[0] for row in lowered[table]) == cut, table
        assert lowered[table] == Counter(
            {row: n for row, n in before[table].items() if row[0] <= cut}), table
    w.dbt("run", *MODELS, *as_of, "--full-refresh")
    assert _daily_facts(w) == lowered
    w.dbt("run", *MODELS)
    assert _daily_facts(w) == before
