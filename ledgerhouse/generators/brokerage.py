"""Sample landing data for the brokerage domain (../shared/spec/brokerage.md §1).

``generate(out_dir, ...)`` writes one delivery folder per NYSE business date
(``OUT/2026-03-02/<entity>.csv``) with exactly the columns registered in
``ledgerhouse.entities`` for the ``brokerage`` domain, and
``OUT/_expected_errors.csv`` (activity_id, source_file, line_number,
error_code) labelling every injected bad activity row with the error code(s)
validation must give it. The same arguments give byte-identical files.

What the sample contains:

- accounts (firm 0001, ledger 01, five branches) with a cash sub-account
  (``sub_acct_key`` 1), about half with a margin sub-account (2) and some of
  those with a short sub-account (5); a few accounts closed before the
  period; fake personal data (holder_name, tax_id in the never-issued 9xx
  range, email at example.com);
- securities with valid CUSIP check digits: equities (EQ), ETFs, listed
  options (OPT, ``uls`` = the underlying's CUSIP, contract size 100, some
  expiring inside the period), corporate and municipal bonds (BND, MUN;
  priced per 100 par), mutual funds (MF, fractional quantities), one equity
  that never gets a price;
- in the first folder: opening positions and balances as of the first date
  (one position in a valid CUSIP that is not in securities), and prices for
  the business date before it;
- daily prices (random walk; options stop at expiry) and an occasional
  corrected price for the previous date re-delivered in a later folder;
- in the middle folder: a re-delivered ``accounts.csv`` (new registered reps,
  one new e-mail, one account closed that day after delivering out its
  positions) and ``securities.csv`` (one description corrected);
- activity for every key code BUY, SELL, SSO, BTC, DEP, WDL, DIV, INT, FEE,
  JNL, RCV, DLV, signed per the spec (quantity + in / - out, amount + credit
  / - debit; trades settle T+1 business day, everything else the same day;
  a few as-of trades booked a day late), numbered by ``entry_seq`` within the
  delivery, with an ``entry_ts``;
- a small share of labelled bad activity rows hitting every code E001-E008
  (bad rows are extra rows; the valid history stays complete).

Activity is streamed: ``activities=10_000_000`` writes rows as it goes and
keeps only the accounts' holdings in memory.
"""

from __future__ import annotations

import csv
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any

from ledgerhouse.calendar import business_dates
from ledgerhouse.entities import DOMAINS

DEFAULT_START = date(2026, 3, 2)
COLUMNS = DOMAINS["brokerage"]
EXPECTED_ERRORS_FILE = "_expected_errors.csv"
EXPECTED_ERRORS_COLUMNS = ("activity_id", "source_file", "line_number", "error_code")
ERROR_CODES = ("E001", "E002", "E003", "E004", "E005", "E006", "E007", "E008")
PROGRESS_EVERY = 1_000_000
FIRM, LEDGER = "0001", "01"
BRANCHES = ("001", "002", "003", "004", "005")

# product line -> (quantity scale, amount denominator): amount in cents =
# quantity units * price ticks (1e-4) / denominator. MF quantities are kept in
# thousandths of a share; bonds are quantities of par priced per 100 par;
# options are contracts of 100 (multiplier folded into the denominator).
PRODUCT_MATH: dict[str, tuple[int, int]] = {
    "EQ": (1, 100),
    "ETF": (1, 100),
    "OPT": (1, 1),
    "BND": (1, 10_000),
    "MUN": (1, 10_000),
    "MF": (1000, 100_000),
}

# Key-code mix per sub-account type, in percent.
CODE_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "1": (("BUY", 30), ("SELL", 24), ("DEP", 10), ("WDL", 6), ("DIV", 8), ("INT", 3),
          ("FEE", 4), ("RCV", 5), ("DLV", 4), ("JNL", 6)),
    "2": (("BUY", 32), ("SELL", 26), ("DEP", 8), ("WDL", 6), ("DIV", 8), ("INT", 4),
          ("FEE", 4), ("RCV", 3), ("DLV", 3), ("JNL", 6)),
    "5": (("SSO", 45), ("BTC", 45), ("FEE", 5), ("INT", 5)),
}

FIRST_NAMES = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
               "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph",
               "Jessica", "Thomas", "Sarah", "Wei", "Priya", "Ahmed", "Sofia", "Kenji", "Amara")
LAST_NAMES = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
              "Rodriguez", "Martinez", "Hernandez", "Lopez", "Wilson", "Anderson", "Taylor",
              "Thomas", "Moore", "Martin", "Chen", "Patel", "Okafor", "Nakamura", "O'Brien",
              "Nguyen")
CATEGORIES = (("IND", 55), ("JNT", 15), ("IRA", 15), ("CRP", 8), ("TRS", 7))
ISSUERS = ("ACME", "GLOBEX", "INITECH", "UMBRELLA", "STARK", "WAYNE", "WONKA", "TYRELL",
           "CYBERDYNE", "SOYLENT", "HOOLI", "VANDELAY", "MASSIVE", "NAKATOMI", "OCEANIC",
           "PIED PIPER", "DUNDER", "MONARCH", "APERTURE", "GRINGOTTS")


class GenerateError(ValueError):
    """Arguments the generator cannot honour."""


# --------------------------------------------------------------------------- CUSIP


def _cusip_char_value(char: str) -> int:
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    return {"*": 36, "@": 37, "#": 38}[char]


def cusip_check_digit(base8: str) -> str:
    """The check digit of an 8-character CUSIP base (modulus 10, double-add-double)."""
    if len(base8) != 8:
        raise ValueError(f"a CUSIP base has 8 characters, got {base8!r}")
    total = 0
    for position, char in enumerate(base8.upper()):
        value = _cusip_char_value(char)
        if position % 2 == 1:
            value *= 2
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)


def is_valid_cusip(cusip: str) -> bool:
    if len(cusip) != 9 or not cusip[8].isdigit():
        return False
    try:
        return cusip_check_digit(cusip[:8]) == cusip[8]
    except (KeyError, ValueError):
        return False


_CUSIP_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O, as issuers avoid them


def _new_cusip(rng: random.Random, used: set[str], issue: str | None = None) -> str:
    while True:
        issuer = "".join(rng.choice(_CUSIP_ALPHABET) for _ in range(6))
        base = issuer + (issue or f"{rng.randrange(10)}{rng.randrange(10)}")
        cusip = base + cusip_check_digit(base)
        if cusip not in used:
            used.add(cusip)
            return cusip


# --------------------------------------------------------------------------- model


@dataclass
class Security:
    index: int
    cusip: str
    product: str
    description: str
    price: int  # ticks of 0.0001
    uls: str = ""
    strike: str = ""
    contract_size: str = ""
    expiry: date | None = None
    priced: bool = True
    volatility: float = 0.015

    scale: int = 1  # quantity units per share/contract/par dollar (set from the product)
    denominator: int = 100  # cents = units * price ticks / denominator

    def __post_init__(self) -> None:
        self.scale, self.denominator = PRODUCT_MATH[self.product]


@dataclass
class SubAccount:
    account: Account
    sub: str
    key: tuple[str, str, str, str, str]
    prefix: str = ""  # the key as CSV text with a trailing comma
    codes: list[str] = field(default_factory=list)
    holdings: dict[int, int] = field(default_factory=dict)  # security index -> quantity units
    held: list[int] = field(default_factory=list)  # security indexes ever held, in order
    partner: SubAccount | None = None  # the other cash/margin sub-account, for journals


@dataclass
class Account:
    base: str
    branch: str
    values: dict[str, str]
    closed: date | None = None
    subs: list[SubAccount] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (FIRM, LEDGER, self.branch, self.base)


def _price_text(ticks: int) -> str:
    return f"{ticks // 10_000}.{ticks % 10_000:04d}"


def _money_text(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _qty_text(units: int, scale: int) -> str:
    if scale == 1:
        return str(units)
    sign = "-" if units < 0 else ""
    units = abs(units)
    return f"{sign}{units // scale}.{units % scale:03d}"


def _cents(units: int, price: int, denominator: int) -> int:
    """Value in cents of |units| at price ticks, rounded half up."""
    return (2 * abs(units) * price + denominator) // (2 * denominator)


def _weighted_table(mix: tuple[tuple[str, int], ...]) -> list[str]:
    table = [code for code, weight in mix for _ in range(weight)]
    if len(table) != 100:
        raise AssertionError("key-code weights must add up to 100")
    return table


def _weighted(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in mix], weights=[w for _, w in mix])[0]


class _Csv:
    """A landing CSV being written, counting physical lines (header = line 1)."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle: IO[str] = path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(columns)
        self.line = 1

    def row(self, values: Any) -> int:
        self.writer.writerow(values)
        self.line += 1
        return self.line

    def close(self) -> None:
        self.handle.close()


# --------------------------------------------------------------------------- generate


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
    """Write ``days`` NYSE business-date folders for ``size`` accounts under ``out_dir``.

    ``activities`` is the number of valid activity rows over the whole period
    (default: 4 per account per day); labelled bad rows come on top.
    """
    if days < 1:
        raise GenerateError("--days must be at least 1")
    if size < 5:
        raise GenerateError("--accounts must be at least 5 (some are closed, some unknown)")
    total = activities if activities is not None else size * 4 * days
    if total < days:
        raise GenerateError(f"--activities must be at least --days ({days}), got {total}")
    start = start_date or DEFAULT_START
    _Generator(Path(out_dir), days, size, seed, start, total, progress).run()


class _Generator:
    def __init__(
        self,
        out_dir: Path,
        days: int,
        size: int,
        seed: int,
        start: date,
        total: int,
        progress: Callable[[str], None],
    ) -> None:
        self.out = out_dir
        self.rng = random.Random(seed)
        self.size = size
        self.total = total
        self.progress = progress
        # One business date before the period (price history), the period, and
        # enough after it to settle the last trades T+1.
        before = [d for d in business_dates(start - timedelta(days=10), 10) if d < start]
        self.previous_date = before[-1]
        extended = business_dates(start, days + 2)
        self.dates = extended[:days]
        self.next_date = {d: extended[i + 1] for i, d in enumerate(extended[:-1])}
        self.next_date[self.previous_date] = extended[0]
        self.prev_date = {d: (extended[i - 1] if i else self.previous_date)
                          for i, d in enumerate(extended)}
        self.used_cusips: set[str] = set()
        self.securities: list[Security] = []
        self.accounts: list[Account] = []
        self.closed_before: list[Account] = []
        self.activity_seq = 0
        self.rows_written = 0
        self.expected: _Csv | None = None
        self.started = time.monotonic()
        self.next_progress = PROGRESS_EVERY
        self.middle = days // 2 if days >= 3 else None
        self.closing_today: Account | None = None
        self.dup_pool: list[list[Any]] = []
        self.bad_plan: list[list[str]] = []
        self.variants: dict[str, int] = {}
        self.bad_written = 0

    # ------------------------------------------------------------------ reference data

    def _make_securities(self) -> None:
        rng = self.rng
        secs = self.securities

        def add(**kwargs: Any) -> Security:
            sec = Security(index=len(secs), **kwargs)
            secs.append(sec)
            return sec

        equities = []
        for i in range(24):
            issuer = ISSUERS[i % len(ISSUERS)]
            suffix = "" if i < len(ISSUERS) else " CL B"
            desc = f"{issuer} {'INC' if i % 3 else 'CORP, COM'}{suffix}"
            equities.append(add(cusip=_new_cusip(rng, self.used_cusips, "10"), product="EQ",
                                description=desc,
                                price=rng.randrange(8, 480) * 10_000 + rng.randrange(100) * 100,
                                volatility=rng.uniform(0.008, 0.03)))
        for name in ("TOTAL MARKET ETF", "S&P 500 ETF", "AGGREGATE BOND ETF", "GOLD TRUST ETF",
                     "TECHNOLOGY SELECT ETF", "EMERGING MARKETS ETF"):
            add(cusip=_new_cusip(rng, self.used_cusips, "10"), product="ETF",
                description=f"LEDGERHOUSE {name}",
                price=rng.randrange(25, 520) * 10_000 + rng.randrange(100) * 100,
                volatility=0.008)
        # Options: 12 on the first equities; every third one expires inside the period.
        inside = [d for d in self.dates[1:-1] if d.weekday() == 4] or self.dates[1:-1]
        for i in range(12):
            under = equities[i % 8]
            call = i % 2 == 0
            strike = (under.price // 10_000 // 5 * 5 + (5 if call else -5) * (1 + i % 3))
            strike = max(strike, 5)
            if i % 3 == 0 and inside:
                expiry = inside[i // 3 % len(inside)]
            else:
                expiry = _third_friday(self.dates[-1], months_ahead=1 + i % 4)
            intrinsic = max(0, (under.price // 10_000 - strike) * (1 if call else -1))
            premium = intrinsic * 10_000 + rng.randrange(50, 900) * 100
            add(cusip=_new_cusip(rng, self.used_cusips), product="OPT",
                description=(f"{under.description.split(',')[0]} {expiry:%b %d %Y} "
                             f"{strike} {'CALL' if call else 'PUT'}").upper(),
                price=premium, uls=under.cusip, strike=f"{strike}.00", contract_size="100",
                expiry=expiry, volatility=0.06)
        for i in range(5):
            product = "MUN" if i == 4 else "BND"
            coupon = rng.choice(("3.25", "4.00", "4.50", "5.125", "6.00"))
            maturity = date(self.dates[0].year + 2 + i * 3, rng.randrange(1, 13), 15)
            issuer = "STATE OF NEW YORK GO" if product == "MUN" else f"{ISSUERS[i]} CORP"
            add(cusip=_new_cusip(rng, self.used_cusips, "AB"), product=product,
                description=f"{issuer} {coupon}% {maturity:%m/%d/%Y}",
                price=rng.randrange(920_000, 1_060_000), expiry=maturity, volatility=0.002)
        for name in ("GROWTH FUND CL A", "INCOME FUND INV"):
            add(cusip=_new_cusip(rng, self.used_cusips, "20"), product="MF",
                description=f"LEDGERHOUSE {name}", price=rng.randrange(100_000, 600_000),
                volatility=0.006)
        add(cusip=_new_cusip(rng, self.used_cusips, "10"), product="EQ",
            description="DELISTED HOLDINGS INC (NO PRICE)", price=10_000, priced=False)
        # A valid CUSIP that is held but not in securities (pricing rule DEFAULT).
        self.unknown_cusip = _new_cusip(rng, self.used_cusips, "10")

    def _security_row(self, sec: Security) -> tuple[str, ...]:
        expiry = sec.expiry.isoformat() if sec.expiry else ""
        return (sec.cusip, sec.uls, sec.product, sec.description, sec.strike,
                sec.contract_size, expiry)

    def _make_accounts(self) -> None:
        rng = self.rng
        bases = rng.sample(range(10_000, 90_000), self.size)
        closed_count = max(1, self.size * 3 // 100)
        for n, base in enumerate(bases):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            category = _weighted(rng, CATEGORIES)
            closed = (self.dates[0] - timedelta(days=rng.randrange(20, 400))
                      if n < closed_count else None)
            values = {
                "firm": FIRM,
                "ledger": LEDGER,
                "branch": rng.choice(BRANCHES),
                "base": f"{base:05d}",
                "acct_category": category,
                "rr": f"R{rng.randrange(1, 40):02d}",
                "us_citizenship": "Y" if rng.random() < 0.9 else "N",
                "ny_resident": "Y" if rng.random() < 0.2 else "N",
                "paper": "Y" if rng.random() < 0.15 else "N",
                "intracct_eligible_type": rng.choice(("ALL", "CASH", "NONE")),
                "intracct_min_amt": rng.choice(("0.00", "100.00", "500.00")),
                "account_closed_date": closed.isoformat() if closed else "",
                "holder_name": f"{first} {last}" if category != "CRP"
                else f"{rng.choice(ISSUERS).title()} Holdings LLC",
                "tax_id": f"9{rng.randrange(10, 100)}-{rng.randrange(10, 100)}-"
                          f"{rng.randrange(1000, 10_000)}",
                "email": f"{first.lower()}.{last.lower().replace(chr(39), '')}{n}@example.com",
            }
            account = Account(base=values["base"], branch=values["branch"], values=values,
                              closed=closed)
            if closed:
                self.closed_before.append(account)
                continue
            self.accounts.append(account)
            subs = ["1"]
            if rng.random() < 0.5:
                subs.append("2")
                if rng.random() < 0.35:
                    subs.append("5")
            for sub in subs:
                key = (*account.key, sub)
                account.subs.append(SubAccount(account, sub, key, prefix=",".join(key) + ","))
            if len(account.subs) > 1:
                account.subs[0].partner = account.subs[1]
                account.subs[1].partner = account.subs[0]
        # Closed-before-period accounts go to the file in base order with the rest.
        self.all_accounts = sorted(self.accounts + self.closed_before, key=lambda a: a.base)
        tables = {sub: _weighted_table(mix) for sub, mix in CODE_MIX.items()}
        for account in self.accounts:
            for sub in account.subs:
                sub.codes = tables[sub.sub]

    def _account_row(self, account: Account) -> list[str]:
        return [account.values[c] for c in COLUMNS["accounts"]]

    # ------------------------------------------------------------------ files

    def _writer(self, day: date, entity: str) -> _Csv:
        return _Csv(self.out / day.isoformat() / f"{entity}.csv", COLUMNS[entity])

    def run(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self._make_securities()
        self._make_accounts()
        self.progress(
            f"brokerage: {len(self.all_accounts)} accounts, {len(self.securities)} securities, "
            f"{self.total:,} activities over {len(self.dates)} business dates "
            f"({self.dates[0]}..{self.dates[-1]})"
        )
        self.expected = _Csv(self.out / EXPECTED_ERRORS_FILE, EXPECTED_ERRORS_COLUMNS)
        # At least three of each code, so every variant of a code appears.
        bad_per_code = max(3, self.total // 10_000)
        self._plan_bad_rows(bad_per_code)
        try:
            for index, day in enumerate(self.dates):
                self._write_day(index, day)
        finally:
            self.expected.close()
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.progress(
            f"brokerage: wrote {self.rows_written:,} activity rows "
            f"({self.bad_written} labelled bad) in {elapsed:.1f}s "
            f"({self.rows_written / elapsed:,.0f} rows/s) to {self.out}"
        )

    def _write_day(self, index: int, day: date) -> None:
        if index == 0:
            out = self._writer(day, "accounts")
            for account in self.all_accounts:
                out.row(self._account_row(account))
            out.close()
            out = self._writer(day, "securities")
            for sec in self.securities:
                out.row(self._security_row(sec))
            out.close()
            self._write_openings(day)
        if index == self.middle:
            self._redeliver_reference(day)
        self._write_prices(index, day)
        self._write_activity(index, day)

    def _write_openings(self, day: date) -> None:
        rng = self.rng
        iso = day.isoformat()
        longs = [s for s in self.securities if s.priced and s.product != "OPT"]
        options = [s for s in self.securities if s.product == "OPT"]
        shortable = [s for s in self.securities if s.product in ("EQ", "ETF") and s.priced]
        positions = self._writer(day, "opening_positions")
        balances = self._writer(day, "opening_balances")
        placed_unknown = placed_unpriced = False
        for account in self.accounts:
            for sub in account.subs:
                if sub.sub == "5":
                    picks = rng.sample(shortable, rng.randrange(1, 3))
                    for sec in picks:
                        qty = -rng.randrange(1, 20) * 10
                        sub.holdings[sec.index] = qty
                        sub.held.append(sec.index)
                        positions.row((iso, *sub.key, sec.cusip, str(qty), str(qty)))
                    proceeds = sum(_cents(sub.holdings[s.index], s.price, s.denominator)
                                   for s in picks)
                    balances.row((iso, *sub.key, _money_text(proceeds), _money_text(proceeds),
                                  "0.00"))
                    continue
                picks = rng.sample(longs, rng.randrange(0, 5))
                if rng.random() < 0.15:
                    picks.append(rng.choice(options))
                for sec in picks:
                    if sec.product == "MF":
                        qty = rng.randrange(10_000, 2_000_000)
                    elif sec.product in ("BND", "MUN"):
                        qty = rng.randrange(1, 50) * 1000
                    elif sec.product == "OPT":
                        qty = rng.randrange(1, 10)
                    else:
                        qty = rng.randrange(1, 100) * 10
                    sd = qty if rng.random() < 0.9 else qty - (qty // 2)
                    sub.holdings[sec.index] = qty
                    sub.held.append(sec.index)
                    positions.row((iso, *sub.key, sec.cusip, _qty_text(qty, sec.scale),
                                   _qty_text(sd, sec.scale)))
                if sub.sub == "1" and not placed_unknown:
                    positions.row((iso, *sub.key, self.unknown_cusip, "100", "100"))
                    placed_unknown = True
                elif sub.sub == "1" and not placed_unpriced:
                    delisted = self.securities[-1]
                    positions.row((iso, *sub.key, delisted.cusip, "250", "250"))
                    placed_unpriced = True
                if sub.sub == "1":
                    cash = rng.randrange(100_000, 20_000_000)
                    sd_cash = cash if rng.random() < 0.9 else cash + rng.randrange(-50_000, 50_000)
                    balances.row((iso, *sub.key, _money_text(cash), _money_text(sd_cash), "0.00"))
                else:
                    debit = rng.randrange(-8_000_000, 5_000_000)
                    sma = rng.randrange(0, 4_000_000)
                    balances.row((iso, *sub.key, _money_text(debit), _money_text(debit),
                                  _money_text(sma)))
        positions.close()
        balances.close()

    def _redeliver_reference(self, day: date) -> None:
        """Middle folder: accounts and securities again, with corrections."""
        rng = self.rng
        for account in rng.sample(self.accounts, max(1, len(self.accounts) // 20)):
            account.values["rr"] = f"R{rng.randrange(40, 60):02d}"
        changed = rng.choice(self.accounts)
        changed.values["email"] = changed.values["email"].replace("@example.com",
                                                                  ".new@example.com")
        # One account closes today: it delivers its positions out first (valid
        # DLV rows dated today; trade_date = closed date is not after it).
        closing = self.accounts[len(self.accounts) // 2]
        closing.values["account_closed_date"] = day.isoformat()
        closing.closed = day
        self.closing_today = closing
        out = self._writer(day, "accounts")
        for account in self.all_accounts:
            out.row(self._account_row(account))
        out.close()
        fixed = rng.choice([s for s in self.securities if s.product == "EQ" and s.priced])
        fixed.description = fixed.description.replace(" INC", " INCORPORATED")
        if "INCORPORATED" not in fixed.description:
            fixed.description += " (CORRECTED)"
        out = self._writer(day, "securities")
        for sec in self.securities:
            out.row(self._security_row(sec))
        out.close()

    def _write_prices(self, index: int, day: date) -> None:
        rng = self.rng
        out = self._writer(day, "prices")
        days = [self.previous_date, day] if index == 0 else [day]
        before = {s.index: s.price for s in self.securities}
        for price_day in days:
            iso = price_day.isoformat()
            for sec in self.securities:
                if not sec.priced or (sec.expiry and sec.product == "OPT"
                                      and sec.expiry < price_day):
                    continue
                if price_day != self.previous_date:
                    move = rng.gauss(0.0003, sec.volatility)
                    sec.price = max(500, int(sec.price * (1 + move)))
                out.row((sec.cusip, iso, _price_text(sec.price)))
        # Every fourth folder re-delivers a corrected price for the previous date.
        if index % 4 == 2:
            sec = rng.choice([s for s in self.securities if s.product == "EQ" and s.priced])
            corrected = before[sec.index] + rng.choice((-1, 1)) * rng.randrange(100, 5000)
            out.row((sec.cusip, self.prev_date[day].isoformat(), _price_text(max(corrected, 100))))
        out.close()

    # ------------------------------------------------------------------ bad rows

    def _plan_bad_rows(self, per_code: int) -> None:
        """Decide, up front, how many bad rows of each kind go into each folder."""
        rng = self.rng
        plan: list[list[str]] = [[] for _ in self.dates]
        for code in ERROR_CODES:
            for n in range(per_code):
                # Spread over folders; the first of each code goes to the first folder
                # so even a one-day sample has them all.
                folder = 0 if n == 0 else rng.randrange(len(self.dates))
                plan[folder].append(code)
        plan[rng.randrange(len(self.dates))].append("E002+E007")
        self.bad_plan = plan

    def _bad_row(self, kind: str, day: date, fields: list[Any], dup_pool: list[list[Any]]
                 ) -> tuple[list[Any], tuple[str, ...]]:
        """Turn a fresh valid BUY ``fields`` into a bad row of ``kind``."""
        rng = self.rng
        variant = self.variants.get(kind, 0) % 3  # the variants take turns
        self.variants[kind] = variant + 1
        if kind == "E001":  # an exact copy of an earlier valid row
            return list(rng.choice(dup_pool)), ("E001",)
        if kind == "E002":
            fields[7] = ("XFR", "BYU", "CXL")[variant]
        elif kind == "E003":
            fields[4] = f"9{rng.randrange(1000, 10_000)}"
        elif kind == "E004":
            closed = rng.choice(self.closed_before)
            fields[1:5] = list(closed.key)
        elif kind == "E005":
            if variant == 0:
                fields[11] = self.prev_date[day].isoformat()
            elif variant == 1:
                fields[10] = f"{day.year}-02-30"
            else:
                fields[11] = ""
        elif kind == "E006":
            fields[8] = fields[8] + ".5"
        elif kind == "E007":
            if variant == 0:
                fields[8] = "1O0"
            elif variant == 1:
                fields[9] = fields[9].replace(".", ",")
            else:
                fields[12] = f"#{fields[12]}"
        elif kind == "E008":
            cusip = fields[6]
            fields[6] = (cusip[:8] + str((int(cusip[8]) + 1 + variant % 2) % 10)
                         if variant else cusip[:8])
        elif kind == "E002+E007":
            fields[7] = "ZZZ"
            fields[9] = "abc"
            return fields, ("E002", "E007")
        return fields, (kind,)

    # ------------------------------------------------------------------ activity

    def _write_activity(self, index: int, day: date) -> None:
        rng = self.rng
        rand = rng.random
        iso = day.isoformat()
        settle_t1 = self.next_date[day].isoformat()
        prev = self.prev_date[day]
        prev_iso, prev_settle = prev.isoformat(), self.next_date[prev].isoformat()
        source_file = f"{iso}/activity.csv"
        out = self._writer(day, "activity")
        writerow = out.writer.writerow
        write = out.handle.write
        expected = self.expected
        assert expected is not None

        days = len(self.dates)
        count = self.total // days + (1 if index < self.total % days else 0)
        bad = self.bad_plan[index]
        bad_positions = sorted(rng.randrange(count) for _ in bad)
        bad_kinds = list(bad)
        rng.shuffle(bad_kinds)
        closing = self.closing_today if index == self.middle else None

        subs = [s for a in self.accounts if a.closed is None or a.closed > day for s in a.subs]
        if closing is not None:
            subs = [s for s in subs if s.account is not closing]
        n_subs = len(subs)
        # Bad rows start from a plain equity BUY in a cash or margin sub-account.
        cash_subs = [s for s in subs if s.sub != "5"]
        n_cash = len(cash_subs)
        tradable = [s for s in self.securities
                    if s.priced and not (s.product == "OPT" and s.expiry and s.expiry <= day)]
        buy_pool = [s for s in tradable for _ in range(3 if s.product in ("EQ", "ETF") else 1)]
        n_buy = len(buy_pool)
        shortable = [s for s in tradable if s.product in ("EQ", "ETF")]
        n_short = len(shortable)
        secs = self.securities
        live = {s.index for s in tradable}

        # entry_ts: 08:00 to 18:00 spread evenly over the day's rows.
        rows_today = count + len(bad) + 64
        step = max(1, 36_000_000_000 // rows_today)
        ts = 8 * 3_600_000_000
        seq = 0
        dup_pool = self.dup_pool
        activity_seq = self.activity_seq
        written = 0
        next_bad = bad_positions[0] if bad_positions else -1
        bad_i = 0
        progress_at = self.next_progress - self.rows_written

        clock = _clock_strings(iso)

        def stamp() -> str:
            return f"{clock[ts // 1_000_000]}.{ts % 1_000_000:06d}"

        # The closing account delivers everything out first.
        if closing is not None:
            for sub in closing.subs:
                for sec_index in sub.held:
                    qty = sub.holdings.get(sec_index, 0)
                    if qty == 0:
                        continue
                    sec = secs[sec_index]
                    sub.holdings[sec_index] = 0
                    activity_seq += 1
                    seq += 1
                    ts += step
                    writerow((f"A{activity_seq:010d}", *sub.key, sec.cusip,
                              "DLV" if qty > 0 else "RCV", _qty_text(-qty, sec.scale), "0.00",
                              iso, iso, seq, stamp()))
                    written += 1

        i = 0
        while i < count:
            if i == next_bad:
                # A fresh valid BUY to mutate, then the bad row itself.
                kind = bad_kinds[bad_i]
                bad_i += 1
                next_bad = bad_positions[bad_i] if bad_i < len(bad_positions) else -1
                sub = cash_subs[int(rand() * n_cash)]
                sec = shortable[int(rand() * n_short)]
                qty = int(rand() * 50 + 1) * 10
                activity_seq += 1
                seq += 1
                ts += step
                fields: list[Any] = [f"A{activity_seq:010d}", *sub.key, sec.cusip, "BUY",
                                     str(qty), _money_text(-_cents(qty, sec.price, 100)),
                                     iso, settle_t1, str(seq), stamp()]
                if kind == "E001" and not dup_pool:
                    # Nothing to duplicate yet: this valid row is the original
                    # (judged on its own merits) and its copy follows.
                    writerow(fields)
                    written += 1
                    dup_pool.append(fields)
                fields, codes = self._bad_row(kind, day, fields, dup_pool)
                writerow(fields)
                written += 1
                for code in codes:
                    expected.row((fields[0], source_file, 1 + written, code))
                self.bad_written += 1
                continue

            sub = subs[int(rand() * n_subs)]
            code = sub.codes[int(rand() * 100)]
            trade_iso, settle_iso = iso, settle_t1
            cusip = ""
            qty_text = "0"
            if code == "BUY" or code == "SELL" or code == "RCV" or code == "DLV":
                if code == "SELL" or code == "DLV":
                    held = sub.held
                    sec_index = held[int(rand() * len(held))] if held else -1
                    have = sub.holdings.get(sec_index, 0) if sec_index in live else 0
                    if have <= 0:
                        code = "BUY" if code == "SELL" else "RCV"
                if code == "BUY" or code == "RCV":
                    sec = buy_pool[int(rand() * n_buy)]
                    product = sec.product
                    if product == "EQ" or product == "ETF":
                        qty = int(rand() * 50 + 1) * 10
                    elif product == "OPT":
                        qty = int(rand() * 10 + 1)
                    elif product == "MF":
                        qty = int(rand() * 500_000 + 1000)
                    else:
                        qty = int(rand() * 25 + 1) * 1000
                    holdings = sub.holdings
                    if sec.index not in holdings:
                        sub.held.append(sec.index)
                        holdings[sec.index] = qty
                    else:
                        holdings[sec.index] += qty
                else:
                    sec = secs[sec_index]
                    qty = -max(1, int(have * (0.2 + 0.8 * rand())))
                    if sec.denominator == 10_000 and have >= 1000:  # bonds trade in 1000 par
                        qty = qty // 1000 * 1000 if qty <= -1000 else -1000
                    sub.holdings[sec_index] = have + qty
                cusip = sec.cusip
                qty_text = str(qty) if sec.scale == 1 else _qty_text(qty, sec.scale)
                if code == "BUY" or code == "SELL":
                    value = _cents(qty, sec.price, sec.denominator)
                    commission = 0 if sec.product in ("MF", "BND", "MUN") else 495
                    cents = -value - commission if qty > 0 else value - commission
                    if rand() < 0.005 and index > 0:  # as-of trade booked a day late
                        trade_iso, settle_iso = prev_iso, prev_settle
                else:
                    cents = 0
                    settle_iso = iso
            elif code == "SSO" or code == "BTC":
                sec_index = -1
                if code == "BTC" and sub.held:
                    sec_index = sub.held[int(rand() * len(sub.held))]
                have = sub.holdings.get(sec_index, 0) if sec_index in live else 0
                if have >= 0:
                    code = "SSO"
                    sec = shortable[int(rand() * n_short)]
                    qty = -int(rand() * 20 + 1) * 10
                    if sec.index not in sub.holdings:
                        sub.held.append(sec.index)
                        sub.holdings[sec.index] = qty
                    else:
                        sub.holdings[sec.index] += qty
                    cents = _cents(qty, sec.price, 100) - 495
                else:
                    sec = secs[sec_index]
                    qty = max(1, int(-have * (0.2 + 0.8 * rand())))
                    sub.holdings[sec_index] = have + qty
                    cents = -_cents(qty, sec.price, 100) - 495
                cusip = sec.cusip
                qty_text = str(qty)
            elif code == "DIV":
                sec = None
                if sub.held:
                    candidate = secs[sub.held[int(rand() * len(sub.held))]]
                    if candidate.product in ("EQ", "ETF") and sub.holdings[candidate.index] > 0:
                        sec = candidate
                if sec is None:
                    code = "DEP"
                    cents = int(rand() * 500_000 + 10_000)
                else:
                    cusip = sec.cusip
                    cents = sub.holdings[sec.index] * int(rand() * 90 + 5)
                settle_iso = iso
            elif code == "JNL":
                partner = sub.partner
                cents = int(rand() * 200_000 + 1000) * 10
                settle_iso = iso
                if partner is not None:
                    # Out of this sub-account, into the partner: two rows, one journal.
                    activity_seq += 1
                    seq += 1
                    ts += step
                    writerow((f"A{activity_seq:010d}", *sub.key, "", "JNL", "0",
                              _money_text(-cents), iso, iso, seq, stamp()))
                    written += 1
                    sub = partner
                else:
                    code = "DEP"
            else:  # DEP WDL FEE INT: cash only
                settle_iso = iso
                if code == "DEP":
                    cents = int(rand() * 1_000_000 + 10_000)
                elif code == "WDL":
                    cents = -int(rand() * 500_000 + 5_000)
                elif code == "FEE":
                    cents = -(2500 if rand() < 0.5 else 7500)
                elif sub.sub == "1":
                    cents = int(rand() * 5000 + 1)
                else:
                    cents = -int(rand() * 20_000 + 100)
            activity_seq += 1
            seq += 1
            ts += step
            # No field of a valid row needs CSV quoting: one f-string is the fast path.
            # cents / 100 formatted to 2 places is exact for these magnitudes.
            line = (f"A{activity_seq:010d},{sub.prefix}{cusip},{code},{qty_text},"
                    f"{cents / 100:.2f},{trade_iso},{settle_iso},{seq},"
                    f"{clock[ts // 1_000_000]}.{ts % 1_000_000:06d}\n")
            write(line)
            written += 1
            i += 1
            if len(dup_pool) < 64 and i % 7 == 0:
                dup_pool.append(line[:-1].split(","))
            if written >= progress_at:
                progress_at += PROGRESS_EVERY
                done = self.rows_written + written
                elapsed = max(time.monotonic() - self.started, 1e-9)
                self.progress(f"brokerage: {done:,} activity rows "
                              f"({done / elapsed:,.0f} rows/s)")
        out.close()
        self.activity_seq = activity_seq
        self.next_progress = self.rows_written + progress_at
        self.rows_written += written
        if closing is not None:
            self.closing_today = None


_HMS = tuple(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))


def _clock_strings(iso: str) -> list[str]:
    """``"<iso> HH:MM:SS"`` for every second of the day."""
    prefix = iso + " "
    return [prefix + hms for hms in _HMS]


def _third_friday(after: date, months_ahead: int) -> date:
    """The third Friday of the month ``months_ahead`` after ``after``'s month."""
    month = after.month - 1 + months_ahead
    year, month = after.year + month // 12, month % 12 + 1
    first = date(year, month, 1)
    first_friday = first + timedelta(days=(4 - first.weekday()) % 7)
    return first_friday + timedelta(days=14)
