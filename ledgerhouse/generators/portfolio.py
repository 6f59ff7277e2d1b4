"""Sample landing data for the portfolio domain (../shared/spec/portfolio.md §1).

``generate(out_dir, ...)`` writes one folder per NYSE business date
(``OUT/YYYY-MM-DD/<entity>.csv``) with exactly the columns registered in
``ledgerhouse.entities`` for the ``portfolio`` domain, plus
``OUT/_expected_errors.csv`` labelling every injected bad row with the
quarantine code (P001-P008) the warehouse must give it.

What the sample contains (deterministic per seed):
- portfolios in USD, EUR and GBP base currency, one opening late, one closed
  before the end (everything sold and withdrawn), and one holdings-only
  portfolio (a static holdings file, no transactions);
- US equities and ETFs with valid ISINs (US + CUSIP + Luhn check digit),
  SPY as the benchmark, correlated random-walk prices with dividends (the
  ex-date close drops by the dividend, ``adj_close`` is back-adjusted) and,
  from 20 days on, two splits (NVDA 2-for-1, KO 3-for-2: the close drops by
  the factor, ``split_factor`` carries it, holdings are multiplied);
- FX rates between USD, EUR and GBP in both directions;
- deposits, withdrawals, buys, partial sells (some fractional quantities),
  fees, dividends on the ex-date, transfers in and out.

Money and quantities are computed with ``Decimal`` so the files carry exact
values. Static files (portfolios, instruments, holdings) are delivered in the
first date folder.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ledgerhouse.calendar import business_dates
from ledgerhouse.entities import DOMAINS

COLUMNS = DOMAINS["portfolio"]
DEFAULT_START = date(2026, 1, 2)
BENCHMARK = "SPY"
CENT = Decimal("0.01")
Q4 = Decimal("0.0001")
Q6 = Decimal("0.000001")

# ticker, CUSIP base (8 chars, check digit computed), name, asset class, sector,
# industry, start price, beta to the market, quarterly dividend per share (0 = none)
INSTRUMENTS: tuple[tuple[str, str, str, str, str, str, str, float, str], ...] = (
    ("SPY", "78462F10", "SPDR S&P 500 ETF Trust", "ETF", "Broad Market", "Index Fund",
     "590.00", 1.0, "1.74"),
    ("QQQ", "46090E10", "Invesco QQQ Trust", "ETF", "Broad Market", "Index Fund",
     "515.00", 1.15, "0.72"),
    ("AAPL", "03783310", "Apple Inc.", "EQUITY", "Information Technology",
     "Technology Hardware", "243.00", 1.2, "0.25"),
    ("MSFT", "59491810", "Microsoft Corporation", "EQUITY", "Information Technology",
     "Software", "421.00", 1.1, "0.83"),
    ("NVDA", "67066G10", "NVIDIA Corporation", "EQUITY", "Information Technology",
     "Semiconductors", "138.00", 1.7, "0.01"),
    ("AMZN", "02313510", "Amazon.com Inc.", "EQUITY", "Consumer Discretionary",
     "Broadline Retail", "220.00", 1.3, "0"),
    ("HD", "43707610", "The Home Depot Inc.", "EQUITY", "Consumer Discretionary",
     "Specialty Retail", "389.00", 1.0, "2.30"),
    ("JPM", "46625H10", "JPMorgan Chase & Co.", "EQUITY", "Financials", "Banks",
     "240.00", 1.1, "1.40"),
    ("BAC", "06050510", "Bank of America Corporation", "EQUITY", "Financials", "Banks",
     "44.00", 1.3, "0.26"),
    ("JNJ", "47816010", "Johnson & Johnson", "EQUITY", "Health Care", "Pharmaceuticals",
     "144.50", 0.5, "1.24"),
    ("UNH", "91324P10", "UnitedHealth Group Inc.", "EQUITY", "Health Care",
     "Health Care Providers", "505.00", 0.6, "2.10"),
    ("XOM", "30231G10", "Exxon Mobil Corporation", "EQUITY", "Energy", "Oil & Gas",
     "107.00", 0.8, "0.99"),
    ("PG", "74271810", "The Procter & Gamble Company", "EQUITY", "Consumer Staples",
     "Household Products", "167.00", 0.4, "1.01"),
    ("KO", "19121610", "The Coca-Cola Company", "EQUITY", "Consumer Staples", "Beverages",
     "62.00", 0.5, "0.51"),
)
UNIVERSE = tuple(i[0] for i in INSTRUMENTS)
# stock splits: ticker -> (factor, the split's date as a fraction of the period);
# none when the period is shorter than MIN_DAYS_FOR_SPLITS
SPLITS: dict[str, tuple[Decimal, float]] = {
    "NVDA": (Decimal(2), 2 / 3),
    "KO": (Decimal("1.5"), 4 / 5),
}
MIN_DAYS_FOR_SPLITS = 20
CURRENCIES = ("USD", "EUR", "GBP")


def _char_value(c: str) -> int:
    if c.isdigit():
        return int(c)
    return ord(c.upper()) - ord("A") + 10


def cusip_check_digit(base8: str) -> str:
    total = 0
    for i, c in enumerate(base8):
        v = _char_value(c)
        if i % 2 == 1:
            v *= 2
        total += v // 10 + v % 10
    return str((10 - total % 10) % 10)


def isin_check_digit(payload11: str) -> str:
    """ISO 6166 check digit: letters -> 10..35, then Luhn from the right."""
    digits = "".join(str(_char_value(c)) for c in payload11)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        v = int(ch)
        if i % 2 == 0:
            v *= 2
        total += v // 10 + v % 10
    return str((10 - total % 10) % 10)


def make_isin(cusip_base8: str) -> str:
    payload = "US" + cusip_base8 + cusip_check_digit(cusip_base8)
    return payload + isin_check_digit(payload)


def _fmt(value: Decimal | int | str | None, places: Decimal | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        v = value.quantize(places) if places is not None else value
        s = format(v, "f")
        if "." in s:
            s = s.rstrip("0").rstrip(".") or "0"
        return s
    return str(value)


@dataclass
class PortfolioState:
    portfolio_id: str
    base: str
    open_idx: int
    close_idx: int | None
    universe: list[str]
    holdings_only: bool = False
    cash: dict[str, Decimal] = field(default_factory=dict)
    qty: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class Writer:
    """Collects rows per (folder, entity) and tracks line numbers for labels."""

    rows: dict[tuple[str, str], list[list[str]]] = field(default_factory=dict)
    expected: list[tuple[str, str, int, str]] = field(default_factory=list)

    def add(self, folder: str, entity: str, row: dict[str, str]) -> int:
        lst = self.rows.setdefault((folder, entity), [])
        lst.append([row.get(c, "") for c in COLUMNS[entity]])
        return len(lst) + 1  # physical line (header is line 1)

    def bad(self, folder: str, entity: str, row: dict[str, str], row_id: str, code: str) -> None:
        line = self.add(folder, entity, row)
        self.expected.append((row_id, f"{folder}/{entity}.csv", line, code))


def generate(
    out_dir: Path,
    *,
    days: int,
    size: int,
    seed: int,
    start_date: date | None = None,
    activities: int | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> None:
    """Write `days` NYSE business-date folders for `size` portfolios under out_dir.

    `activities` is the target number of BUY/SELL trades over the whole
    period (default: about one trade per portfolio every other day).
    """
    if days < 2:
        raise ValueError("--days must be at least 2 for the portfolio domain")
    if size < 1:
        raise ValueError("the portfolio domain needs at least one portfolio")
    rng = random.Random(seed)
    dates = business_dates(start_date or DEFAULT_START, days)
    folders = [d.isoformat() for d in dates]
    out_dir = Path(out_dir)
    w = Writer()
    first = folders[0]
    progress(f"portfolio: {size} portfolios over {days} business dates "
             f"{folders[0]}..{folders[-1]}")

    # ---- instruments -------------------------------------------------------
    for tkr, cusip, name, aclass, sector, industry, *_ in INSTRUMENTS:
        w.add(first, "instruments", {
            "instrument_id": tkr, "isin": make_isin(cusip), "name": name,
            "asset_class": aclass, "sector": sector, "industry": industry, "currency": "USD",
        })
    good = make_isin("88160R10")
    bad_isin = good[:-1] + str((int(good[-1]) + 3) % 10)
    w.bad(first, "instruments", {
        "instrument_id": "TSLAX", "isin": bad_isin, "name": "Mistyped ISIN Corp.",
        "asset_class": "EQUITY", "sector": "Consumer Discretionary",
        "industry": "Automobiles", "currency": "USD",
    }, "TSLAX", "P007")

    # ---- prices (all in memory; the sample is small) ---------------------------
    closes: dict[str, list[Decimal]] = {}
    divs: dict[str, list[Decimal]] = {}
    # split factor per ticker and date index (the close drops by the factor that day)
    splits: dict[str, list[Decimal]] = {t: [Decimal(1)] * days for t in UNIVERSE}
    if days >= MIN_DAYS_FOR_SPLITS:
        for tkr, (factor, at) in SPLITS.items():
            splits[tkr][int(days * at)] = factor
    market = [rng.gauss(0.0004, 0.009) for _ in dates]
    for tkr, _c, _n, _a, _s, _i, start_px, beta, div in INSTRUMENTS:
        px = Decimal(start_px)
        ex_idx = rng.randrange(5, days) if Decimal(div) > 0 and days > 6 else -1
        cl: list[Decimal] = []
        dv: list[Decimal] = []
        for k in range(days):
            if k > 0:
                idio = rng.gauss(0, 0.012) if tkr != BENCHMARK else 0.0
                r = beta * market[k] + idio
                px = (px * Decimal(str(1 + r))).quantize(CENT, ROUND_HALF_UP)
                px = (px / splits[tkr][k]).quantize(CENT, ROUND_HALF_UP)
            d = Decimal(div) if k == ex_idx else Decimal(0)
            px = max(px - d, Decimal("1.00"))
            cl.append(px)
            dv.append(d)
        closes[tkr] = cl
        divs[tkr] = dv
    adj: dict[str, list[Decimal]] = {}
    for tkr in UNIVERSE:
        factor = Decimal(1)
        a = [Decimal(0)] * days
        for k in range(days - 1, -1, -1):
            a[k] = (closes[tkr][k] * factor).quantize(Q4, ROUND_HALF_UP)
            if divs[tkr][k] > 0 and k > 0:
                factor *= 1 - divs[tkr][k] / closes[tkr][k - 1]
            factor /= splits[tkr][k]
        adj[tkr] = a

    for k, folder in enumerate(folders):
        for tkr in UNIVERSE:
            c = closes[tkr][k]
            o = (c * Decimal(str(1 + rng.uniform(-0.006, 0.006)))).quantize(CENT, ROUND_HALF_UP)
            hi = max(o, c) + Decimal(str(rng.randint(0, 150))) / 100
            lo = max(min(o, c) - Decimal(str(rng.randint(0, 150))) / 100, Decimal("0.50"))
            w.add(folder, "prices_eod", {
                "instrument_id": tkr, "date": folder, "open": _fmt(o), "high": _fmt(hi),
                "low": _fmt(lo), "close": _fmt(c), "volume": str(rng.randint(10**5, 9 * 10**7)),
                "adj_close": _fmt(adj[tkr][k]), "div_cash": _fmt(divs[tkr][k], CENT),
                "split_factor": _fmt(splits[tkr][k]),
            })
    # fx: USD->EUR / USD->GBP random walks, written in both directions and cross
    usd_eur, usd_gbp = Decimal("0.962000"), Decimal("0.798000")
    fx: list[dict[tuple[str, str], Decimal]] = []
    for k, folder in enumerate(folders):
        if k > 0:
            usd_eur = (usd_eur * Decimal(str(1 + rng.gauss(0, 0.004)))).quantize(Q6, ROUND_HALF_UP)
            usd_gbp = (usd_gbp * Decimal(str(1 + rng.gauss(0, 0.004)))).quantize(Q6, ROUND_HALF_UP)
        rates = {
            ("USD", "EUR"): usd_eur, ("USD", "GBP"): usd_gbp,
            ("EUR", "USD"): (1 / usd_eur).quantize(Q6, ROUND_HALF_UP),
            ("GBP", "USD"): (1 / usd_gbp).quantize(Q6, ROUND_HALF_UP),
            ("EUR", "GBP"): (usd_gbp / usd_eur).quantize(Q6, ROUND_HALF_UP),
            ("GBP", "EUR"): (usd_eur / usd_gbp).quantize(Q6, ROUND_HALF_UP),
        }
        fx.append(rates)
        for (f, t), r in rates.items():
            w.add(folder, "fx_rates", {"date": folder, "from_currency": f, "to_currency": t,
                                       "rate": _fmt(r)})

    # ---- portfolios ------------------------------------------------------------
    states: list[PortfolioState] = []
    for p in range(size):
        pid = f"PF{p + 1:03d}"
        base = CURRENCIES[p % 3]
        open_idx = 0
        close_idx = None
        holdings_only = size >= 2 and p == size - 1
        if p == 2 and days >= 12:
            open_idx = 4
        if p == 3 and days >= 30 and not holdings_only:
            base = "USD"
            close_idx = days - 8
        universe = sorted(rng.sample(UNIVERSE, k=min(len(UNIVERSE), rng.randint(5, 9))))
        if BENCHMARK not in universe and p % 2 == 0:
            universe.append(BENCHMARK)
        st = PortfolioState(pid, base, open_idx, close_idx, universe, holdings_only)
        states.append(st)
        w.add(first, "portfolios", {
            "portfolio_id": pid, "name": f"Sample {base} portfolio {p + 1}",
            "base_currency": base, "open_date": folders[open_idx],
            "close_date": folders[close_idx] if close_idx is not None else "",
            "benchmark_id": BENCHMARK if p % 2 == 0 else "",
        })
    # holdings: the holdings-only portfolio, and a starting position for PF001
    for st in states:
        picks: list[tuple[str, Decimal]] = []
        if st.holdings_only:
            picks = [(t, Decimal(rng.randint(20, 400))) for t in st.universe]
        elif st.portfolio_id == "PF001":
            picks = [(st.universe[0], Decimal(150))]
        for tkr, q in picks:
            w.add(first, "holdings", {"portfolio_id": st.portfolio_id, "instrument_id": tkr,
                                      "quantity": _fmt(q), "as_of_date": first})
            st.qty[tkr] = st.qty.get(tkr, Decimal(0)) + q
    w.bad(first, "holdings", {"portfolio_id": "PF999", "instrument_id": "AAPL",
                              "quantity": "10", "as_of_date": first}, "PF999/AAPL", "P002")
    w.bad(first, "holdings", {"portfolio_id": "PF001", "instrument_id": "ZZZZ",
                              "quantity": "10", "as_of_date": first}, "PF001/ZZZZ", "P003")

    # ---- transactions ------------------------------------------------------------
    trading = [s for s in states if not s.holdings_only]
    n_trades = activities if activities is not None else max(1, len(trading) * days // 2)
    p_trade = min(0.95, n_trades / max(1, len(trading) * days))
    seq = 0
    written: list[dict[str, str]] = []

    def txn(folder: str, **kw: str) -> dict[str, str]:
        nonlocal seq
        seq += 1
        row = {"transaction_id": f"T{seq:07d}", "trade_date": folder, "settle_date": "",
               "quantity": "", "price": "", "gross_amount": "", "fees": "", "currency": "USD",
               "instrument_id": ""}
        row.update(kw)
        return row

    def emit(folder: str, row: dict[str, str]) -> None:
        w.add(folder, "transactions", row)
        written.append(row)

    frozen: set[tuple[str, str]] = set()  # (portfolio, instrument) never sold again
    for k, folder in enumerate(folders):
        settle = folders[min(k + 1, days - 1)]
        for st in trading:
            if k < st.open_idx or (st.close_idx is not None and k > st.close_idx):
                continue
            cash_usd = st.cash.setdefault("USD", Decimal(0))
            # a split multiplies what is held from its date on
            for tkr, q in sorted(st.qty.items()):
                st.qty[tkr] = q * splits[tkr][k]
            if k == st.open_idx:
                amt = Decimal(rng.randint(100, 900) * 1000)
                emit(folder, txn(folder, portfolio_id=st.portfolio_id, type="DEPOSIT",
                                 gross_amount=_fmt(amt), currency="USD"))
                st.cash["USD"] = cash_usd = cash_usd + amt
                if st.base != "USD":
                    emit(folder, txn(folder, portfolio_id=st.portfolio_id, type="DEPOSIT",
                                     gross_amount="10000", currency=st.base))
                    st.cash[st.base] = st.cash.get(st.base, Decimal(0)) + 10000
            # dividends on the ex-date for what was held at the previous close
            for tkr, q in sorted(st.qty.items()):
                if q > 0 and divs[tkr][k] > 0:
                    g = q * divs[tkr][k]
                    emit(folder, txn(folder, portfolio_id=st.portfolio_id, instrument_id=tkr,
                                     type="DIVIDEND", gross_amount=_fmt(g, Q4), currency="USD",
                                     settle_date=settle))
                    st.cash["USD"] = cash_usd = cash_usd + g
            if st.close_idx == k:  # close: sell everything, withdraw everything
                for tkr, q in sorted(st.qty.items()):
                    if q > 0:
                        px = closes[tkr][k]
                        fee = max(Decimal("1.00"), (q * Decimal("0.005")).quantize(CENT))
                        emit(folder, txn(folder, portfolio_id=st.portfolio_id,
                                         instrument_id=tkr, type="SELL", quantity=_fmt(q),
                                         price=_fmt(px), fees=_fmt(fee), settle_date=settle))
                        cash_usd += (q * px).quantize(Q4, ROUND_HALF_UP) - fee
                        st.qty[tkr] = Decimal(0)
                for cur, bal in sorted({**st.cash, "USD": cash_usd}.items()):
                    if bal > 0:
                        emit(folder, txn(folder, portfolio_id=st.portfolio_id,
                                         type="WITHDRAWAL", gross_amount=_fmt(bal, Q4),
                                         currency=cur))
                st.cash = {c: Decimal(0) for c in st.cash}
                continue
            if k > st.open_idx and rng.random() < p_trade:
                held = [t for t, q in sorted(st.qty.items())
                        if q > 0 and (st.portfolio_id, t) not in frozen]
                if held and rng.random() < 0.4:
                    tkr = rng.choice(held)
                    q = st.qty[tkr]
                    sell = (q * Decimal(str(rng.uniform(0.2, 0.7)))).quantize(Decimal(1))
                    if sell >= 1:
                        px = (closes[tkr][k] * Decimal(str(1 + rng.uniform(-0.003, 0.003))))
                        px = px.quantize(Q4, ROUND_HALF_UP)
                        fee = max(Decimal("1.00"), (sell * Decimal("0.005")).quantize(CENT))
                        emit(folder, txn(folder, portfolio_id=st.portfolio_id,
                                         instrument_id=tkr, type="SELL", quantity=_fmt(sell),
                                         price=_fmt(px), fees=_fmt(fee), settle_date=settle))
                        cash_usd += (sell * px).quantize(Q4, ROUND_HALF_UP) - fee
                        st.qty[tkr] = q - sell
                else:
                    tkr = rng.choice(st.universe)
                    px = (closes[tkr][k] * Decimal(str(1 + rng.uniform(-0.003, 0.003))))
                    px = px.quantize(Q4, ROUND_HALF_UP)
                    budget = cash_usd * Decimal(str(rng.uniform(0.05, 0.25)))
                    q = (budget / px).quantize(Decimal(1))
                    if rng.random() < 0.2:
                        q += Decimal("0.5")
                    fee = max(Decimal("1.00"), (q * Decimal("0.005")).quantize(CENT))
                    cost = (q * px).quantize(Q4, ROUND_HALF_UP) + fee
                    if q >= 1 and cost < cash_usd:
                        emit(folder, txn(folder, portfolio_id=st.portfolio_id,
                                         instrument_id=tkr, type="BUY", quantity=_fmt(q),
                                         price=_fmt(px), fees=_fmt(fee), settle_date=settle))
                        cash_usd -= cost
                        st.qty[tkr] = st.qty.get(tkr, Decimal(0)) + q
            if k > st.open_idx and rng.random() < 0.03:
                amt = Decimal(rng.randint(5, 50) * 1000)
                emit(folder, txn(folder, portfolio_id=st.portfolio_id, type="DEPOSIT",
                                 gross_amount=_fmt(amt)))
                cash_usd += amt
            if k > st.open_idx and rng.random() < 0.02 and cash_usd > 2000:
                amt = (cash_usd * Decimal("0.1")).quantize(CENT)
                emit(folder, txn(folder, portfolio_id=st.portfolio_id, type="WITHDRAWAL",
                                 gross_amount=_fmt(amt)))
                cash_usd -= amt
            if k > st.open_idx and k % 21 == 0:
                cur = st.base
                emit(folder, txn(folder, portfolio_id=st.portfolio_id, type="FEE",
                                 gross_amount="25", currency=cur))
                if cur == "USD":
                    cash_usd -= 25
                else:
                    st.cash[cur] = st.cash.get(cur, Decimal(0)) - 25
            if k > st.open_idx and rng.random() < 0.015:
                tkr = rng.choice(st.universe)
                q = Decimal(rng.randint(5, 60))
                emit(folder, txn(folder, portfolio_id=st.portfolio_id, instrument_id=tkr,
                                 type="TRANSFER_IN", quantity=_fmt(q),
                                 price=_fmt(closes[tkr][k])))
                st.qty[tkr] = st.qty.get(tkr, Decimal(0)) + q
            elif k > st.open_idx and rng.random() < 0.01:
                held = [t for t, q in sorted(st.qty.items())
                        if q >= 4 and (st.portfolio_id, t) not in frozen]
                if held:
                    tkr = rng.choice(held)
                    q = (st.qty[tkr] / 4).quantize(Decimal(1))
                    emit(folder, txn(folder, portfolio_id=st.portfolio_id, instrument_id=tkr,
                                     type="TRANSFER_OUT", quantity=_fmt(q),
                                     price=_fmt(closes[tkr][k])))
                    st.qty[tkr] -= q
            st.cash["USD"] = cash_usd
        # ---- bad rows, spread over the period ------------------------------------
        _inject_bad_rows(w, rng, k, days, folder, states, written, txn, closes, frozen)
        if (k + 1) % 20 == 0 or k == days - 1:
            progress(f"portfolio: {k + 1}/{days} dates, {seq} transactions")

    _write(out_dir, w, folders)
    progress(f"portfolio: wrote {out_dir} ({len(w.expected)} labelled bad rows)")


def _inject_bad_rows(
    w: Writer,
    rng: random.Random,
    k: int,
    days: int,
    folder: str,
    states: list[PortfolioState],
    written: list[dict[str, str]],
    txn: Callable[..., dict[str, str]],
    closes: dict[str, list[Decimal]],
    frozen: set[tuple[str, str]],
) -> None:
    """Each bad row fails exactly one check and touches nothing valid."""
    slot = {1: "dup", 2: "prices", 3: "unknown", 4: "unparseable", 5: "oversell"}
    kind = slot.get(k)
    if kind is None and k == days - 2 and days > 8:
        kind = "oversell2"
    if kind is None:
        return
    trading = [s for s in states if not s.holdings_only and s.open_idx <= k
               and (s.close_idx is None or k < s.close_idx)]
    st = trading[0]
    if kind == "dup" and written:
        row = dict(written[0])
        w.bad(folder, "transactions", row, row["transaction_id"], "P001")
    elif kind == "prices":
        zero = {"instrument_id": "AAPL", "date": folder, "open": "0", "high": "0", "low": "0",
                "close": "0", "volume": "0", "adj_close": "0", "div_cash": "0",
                "split_factor": "1"}
        w.bad(folder, "prices_eod", zero, f"AAPL@{folder}/zero", "P008")
        w.bad(folder, "prices_eod", {"instrument_id": "ZZZZ", "date": folder, "open": "10",
                                     "high": "10", "low": "10", "close": "10", "volume": "1",
                                     "adj_close": "10", "div_cash": "0", "split_factor": "1"},
              f"ZZZZ@{folder}", "P003")
        w.bad(folder, "prices_eod", {"instrument_id": "MSFT", "date": folder, "open": "n/a",
                                     "high": "n/a", "low": "n/a", "close": "n/a",
                                     "volume": "", "adj_close": "n/a", "div_cash": "0",
                                     "split_factor": "1"},
              f"MSFT@{folder}/unparseable", "P005")
        # an exact repeat of an earlier valid row of this file: a duplicate
        first_row = next(r for (f, e), rows in w.rows.items()
                         if f == folder and e == "prices_eod" for r in rows[:1])
        dup = dict(zip(DOMAINS["portfolio"]["prices_eod"], first_row, strict=True))
        w.bad(folder, "prices_eod", dup, f"{dup['instrument_id']}@{folder}/dup", "P008")
        w.bad(folder, "fx_rates", {"date": folder, "from_currency": "USD",
                                   "to_currency": "EUR", "rate": "0,95"},
              f"USD/EUR@{folder}", "P005")
    elif kind == "unknown":
        r = txn(folder, portfolio_id="PF999", type="DEPOSIT", gross_amount="5000")
        w.bad(folder, "transactions", r, r["transaction_id"], "P002")
        r = txn(folder, portfolio_id=st.portfolio_id, instrument_id="ZZZZ", type="BUY",
                quantity="10", price="10", fees="1")
        w.bad(folder, "transactions", r, r["transaction_id"], "P003")
        r = txn(folder, portfolio_id=st.portfolio_id, instrument_id=st.universe[0],
                type="SPLIT", quantity="2", price="", fees="")
        w.bad(folder, "transactions", r, r["transaction_id"], "P004")
    elif kind == "unparseable":
        r = txn(folder, portfolio_id=st.portfolio_id, instrument_id=st.universe[0], type="BUY",
                quantity="1,5", price="100", fees="1")
        w.bad(folder, "transactions", r, r["transaction_id"], "P005")
        r = txn(folder, portfolio_id=st.portfolio_id, instrument_id=st.universe[0], type="BUY",
                quantity="2", price="100", fees="1", trade_date="2026-02-30")
        w.bad(folder, "transactions", r, r["transaction_id"], "P005")
        # a cash movement without its currency, and money beyond 4 decimal places
        r = txn(folder, portfolio_id=st.portfolio_id, instrument_id=st.universe[0], type="BUY",
                quantity="1", price="100", fees="1", currency="")
        w.bad(folder, "transactions", r, r["transaction_id"], "P005")
        r = txn(folder, portfolio_id=st.portfolio_id, type="DEPOSIT", gross_amount="100.00005")
        w.bad(folder, "transactions", r, r["transaction_id"], "P005")
    elif kind in ("oversell", "oversell2"):
        # sell an instrument this portfolio never holds (and never trades) ...
        outside = sorted(set(UNIVERSE) - set(st.universe))
        tkr = outside[0] if outside else "KO"
        r = txn(folder, portfolio_id=st.portfolio_id, instrument_id=tkr, type="SELL",
                quantity="5", price=_fmt(closes[tkr][k]), fees="1")
        w.bad(folder, "transactions", r, r["transaction_id"], "P006")
        # ... and one unit more than held of a position it then never sells again
        held = [t for t, q in sorted(st.qty.items())
                if q > 0 and (st.portfolio_id, t) not in frozen]
        if kind == "oversell2" and held:
            t2 = held[0]
            r = txn(folder, portfolio_id=st.portfolio_id, instrument_id=t2, type="TRANSFER_OUT",
                    quantity=_fmt(st.qty[t2] + 1))
            w.bad(folder, "transactions", r, r["transaction_id"], "P006")
            frozen.add((st.portfolio_id, t2))


def _write(out_dir: Path, w: Writer, folders: list[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for k, folder in enumerate(folders):
        d = out_dir / folder
        d.mkdir(exist_ok=True)
        entities = ["transactions", "prices_eod", "fx_rates"]
        if k == 0:
            entities = ["portfolios", "instruments", "holdings", *entities]
        for entity in entities:
            with (d / f"{entity}.csv").open("w", newline="", encoding="utf-8") as fh:
                cw = csv.writer(fh, lineterminator="\n")
                cw.writerow(COLUMNS[entity])
                cw.writerows(w.rows.get((folder, entity), []))
    with (out_dir / "_expected_errors.csv").open("w", newline="", encoding="utf-8") as fh:
        cw = csv.writer(fh, lineterminator="\n")
        cw.writerow(["row_id", "source_file", "line_number", "error_code"])
        cw.writerows(sorted(w.expected, key=lambda e: (e[1], e[2], e[3])))
