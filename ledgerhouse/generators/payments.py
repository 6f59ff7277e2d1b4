"""Sample landing data for the payments domain (../shared/spec/payments.md §1).

``generate(out_dir, days=..., size=..., seed=...)`` writes one delivery folder
per calendar day (``OUT/2026-03-02/*.csv``) with the four payment files, and
``OUT/_expected_errors.csv`` labelling every injected bad row with the X-code
the warehouse must report for it (row_id, source_file, line_number,
error_code). The same arguments always give byte-identical files.

What the traffic contains (each on purpose, see docs/payments.md):

- status histories: PENDING -> APPROVED or DECLINED, some APPROVED later
  REFUNDED, some PENDING for a day or for good;
- out-of-order rows (every file is shuffled, so file order is not event
  order) and late events: about 5 % of events are delivered one or two
  folders after their event day;
- bank statements posting the net amount (amount - fee) one or two days after
  approval, with fees, missing statements, split statements, short postings,
  one-cent differences, refund reversals, postings for declined payments and
  re-delivered (duplicate) statements;
- several currencies (USD, EUR, GBP, JPY, BRL; one per merchant);
- fraud scores re-scored by a newer model for some transactions;
- merchants onboarded during the period (delivered in their onboarding folder);
- labelled bad rows for every X-code: X001 unparseable amount/timestamp,
  X002 unknown status, X003 fraud_score outside [0, 1], X004 statement for an
  unknown transaction, X005 duplicate statement_id. Bad rows are extra rows
  (garbled retries, stray postings); the clean history stays complete.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ledgerhouse.entities import DOMAINS

DEFAULT_START = date(2026, 3, 2)
COLUMNS = DOMAINS["payments"]
EXPECTED_ERRORS_FILE = "_expected_errors.csv"

# currency -> (decimal places, typical ticket size, fee rate, fixed fee)
CURRENCIES: dict[str, tuple[int, Decimal, Decimal, Decimal]] = {
    "USD": (2, Decimal("80"), Decimal("0.029"), Decimal("0.30")),
    "EUR": (2, Decimal("70"), Decimal("0.025"), Decimal("0.25")),
    "GBP": (2, Decimal("60"), Decimal("0.025"), Decimal("0.20")),
    "JPY": (0, Decimal("9000"), Decimal("0.036"), Decimal("0")),
    "BRL": (2, Decimal("300"), Decimal("0.039"), Decimal("0.50")),
}
CURRENCY_WEIGHTS = (("USD", 45), ("EUR", 25), ("GBP", 12), ("JPY", 10), ("BRL", 8))
RISK_WEIGHTS = (("LOW", 60), ("MEDIUM", 30), ("HIGH", 10))
NAME_PARTS_A = ("Blue", "North", "Golden", "Urban", "Silver", "Green", "Bright", "Harbor")
NAME_PARTS_B = ("Cafe", "Books", "Outfitters", "Electronics", "Travel", "Pharmacy",
                "Games", "Grocers")


@dataclass
class _Row:
    """One landing row waiting for its delivery folder."""

    entity: str
    values: dict[str, str]
    folder: date
    error_code: str | None = None
    sort_key: float = 0.0


@dataclass
class _Traffic:
    rows: list[_Row] = field(default_factory=list)
    statement_seq: int = 0
    signal_seq: int = 0


def _money(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _fmt_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S")


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


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
    """Write ``days`` delivery folders of payments traffic for ``size`` merchants.

    ``activities`` is the total number of new transactions over the period,
    spread evenly over the days (default 4 per merchant per day). Folders are
    named by calendar day (payments flow on weekends too) starting at
    ``start_date`` (default 2026-03-02).
    """
    if days < 1 or size < 1:
        raise ValueError("days and size must be at least 1")
    rng = random.Random(seed)
    start = start_date or DEFAULT_START
    last = start + timedelta(days=days - 1)
    per_day = max(1, activities // days) if activities is not None else 4 * size
    traffic = _Traffic()

    merchants = _merchants(rng, size, start, last, traffic)
    users = [f"U{n:05d}" for n in range(1, max(20, size * 15) + 1)]

    txn_seq = 0
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        live = [m for m in merchants if m["onboarding"] <= day]
        for _ in range(per_day):
            txn_seq += 1
            merchant = rng.choice(live)
            _transaction(rng, traffic, f"T{txn_seq:08d}", merchant, rng.choice(users), day, last)
        _inject_bad_rows(rng, traffic, day, max(1, per_day // 150))

    out_dir.mkdir(parents=True, exist_ok=True)
    expected: list[tuple[str, str, int, str]] = []
    for day_index in range(days):
        day = start + timedelta(days=day_index)
        folder = out_dir / day.isoformat()
        folder.mkdir(exist_ok=True)
        for entity, columns in COLUMNS.items():
            rows = [r for r in traffic.rows if r.entity == entity and r.folder == day]
            if entity == "merchants" and not rows:
                continue
            # Shuffle: file order is not event order (out-of-order delivery).
            rows.sort(key=lambda r: r.sort_key)
            path = folder / f"{entity}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(columns)
                for line_number, row in enumerate(rows, start=2):
                    writer.writerow([row.values.get(c, "") for c in columns])
                    if row.error_code:
                        expected.append((row.values[columns[0]], f"{day.isoformat()}/{entity}.csv",
                                         line_number, row.error_code))
        progress(f"payments: wrote {folder}")
    with (out_dir / EXPECTED_ERRORS_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(("row_id", "source_file", "line_number", "error_code"))
        writer.writerows(sorted(expected, key=lambda e: (e[1], e[2], e[3])))
    progress(f"payments: {txn_seq} transactions, {len(expected)} labelled bad rows")


def _merchants(
    rng: random.Random, size: int, start: date, last: date, traffic: _Traffic
) -> list[dict]:
    merchants = []
    span = (last - start).days
    for n in range(1, size + 1):
        # Most merchants exist before the period; some are onboarded during it
        # (the first always exists so day one has traffic).
        if n > 1 and span >= 2 and rng.random() < 0.1:
            onboarding = start + timedelta(days=rng.randint(1, span))
        else:
            onboarding = start - timedelta(days=rng.choice((20, 45, 75, 200, 400, 900)))
        merchant = {
            "id": f"M{n:04d}",
            "currency": _weighted(rng, CURRENCY_WEIGHTS),
            "risk": _weighted(rng, RISK_WEIGHTS),
            "onboarding": onboarding,
        }
        merchants.append(merchant)
        name = f"{rng.choice(NAME_PARTS_A)} {rng.choice(NAME_PARTS_B)} {n}"
        if rng.random() < 0.2:
            name += ", Ltd"  # a comma inside a quoted field
        traffic.rows.append(_Row(
            "merchants",
            {"merchant_id": merchant["id"], "merchant_name": name,
             "risk_level": merchant["risk"], "onboarding_date": onboarding.isoformat()},
            max(start, onboarding), sort_key=rng.random(),
        ))
    return merchants


def _amount(rng: random.Random, currency: str) -> Decimal:
    places, typical, _, _ = CURRENCIES[currency]
    factor = Decimal(str(round(rng.lognormvariate(0, 0.9), 4)))
    if rng.random() < 0.02:  # a few large tickets that trip AML/KYC thresholds
        factor = Decimal(rng.randint(80, 300))
    return max(_money(typical * factor, places), Decimal(1))


def _fee(amount: Decimal, currency: str) -> Decimal:
    places, _, rate, fixed = CURRENCIES[currency]
    return _money(amount * rate + fixed, places)


def _transaction(
    rng: random.Random, traffic: _Traffic, txn_id: str, merchant: dict, user: str,
    day: date, last: date,
) -> None:
    currency = merchant["currency"]
    amount = _amount(rng, currency)
    t0 = datetime.combine(day, datetime.min.time()) + timedelta(seconds=rng.randint(0, 80000))
    base = {"transaction_id": txn_id, "merchant_id": merchant["id"], "user_id": user,
            "amount": str(amount), "currency": currency}

    history: list[tuple[str, datetime]] = [("PENDING", t0)]
    outcome = rng.random()
    if outcome < 0.82:
        history.append(("APPROVED", t0 + timedelta(seconds=rng.randint(1, 600))))
    elif outcome < 0.94:
        history.append(("DECLINED", t0 + timedelta(seconds=rng.randint(1, 600))))
    elif outcome < 0.97:  # approved only the next day
        history.append(("APPROVED", t0 + timedelta(hours=rng.randint(20, 30))))
    # else: stays PENDING
    if history[-1][0] == "APPROVED" and rng.random() < 0.07:
        history.append(("REFUNDED", history[-1][1] + timedelta(days=rng.randint(1, 3),
                                                               seconds=rng.randint(0, 3600))))
    for status, ts in history:
        values = {**base, "status": status, "event_ts": _fmt_ts(ts)}
        _deliver(rng, traffic, "payment_events", values, ts.date(), last, may_be_late=True)

    _statements(rng, traffic, txn_id, currency, amount, history, last)
    _fraud_signals(rng, traffic, txn_id, t0, last)


def _deliver(
    rng: random.Random, traffic: _Traffic, entity: str, values: dict[str, str], day: date,
    last: date, *, may_be_late: bool = False, error_code: str | None = None,
) -> None:
    """Queue a row for the folder of ``day`` (later if late; dropped after ``last``)."""
    folder = day
    if may_be_late and rng.random() < 0.05:
        late = day + timedelta(days=rng.randint(1, 2))
        if late <= last:
            folder = late
    if folder > last:
        return  # not delivered yet when the period ends
    traffic.rows.append(_Row(entity, values, folder, error_code, rng.random()))


def _statement(
    rng: random.Random, traffic: _Traffic, txn_id: str, currency: str, posting: date,
    amount_posted: Decimal, fee: Decimal, last: date, *, duplicate: bool = False,
) -> None:
    traffic.statement_seq += 1
    values = {"statement_id": f"S{traffic.statement_seq:08d}", "transaction_id": txn_id,
              "posting_date": posting.isoformat(), "amount_posted": str(amount_posted),
              "fee_charged": str(fee), "currency": currency}
    _deliver(rng, traffic, "bank_statements", values, posting, last)
    if duplicate and posting + timedelta(days=1) <= last:
        # The bank re-sends the same statement in the next delivery: X005.
        _deliver(rng, traffic, "bank_statements", dict(values), posting + timedelta(days=1), last,
                 error_code="X005")


def _statements(
    rng: random.Random, traffic: _Traffic, txn_id: str, currency: str, amount: Decimal,
    history: list[tuple[str, datetime]], last: date,
) -> None:
    places = CURRENCIES[currency][0]
    unit = Decimal(1).scaleb(-places)
    fee = _fee(amount, currency)
    net = amount - fee
    statuses = {s: ts for s, ts in history}
    if "APPROVED" in statuses:
        posting = statuses["APPROVED"].date() + timedelta(days=1 if rng.random() < 0.8 else 2)
        kind = rng.random()
        if kind < 0.03:
            pass  # missing statement -> UNMATCHED
        elif kind < 0.06:  # split into two postings that add up -> MATCHED
            first = _money(net * Decimal("0.6"), places)
            _statement(rng, traffic, txn_id, currency, posting, first, fee, last)
            _statement(rng, traffic, txn_id, currency, posting + timedelta(days=1), net - first,
                       Decimal(0), last)
        elif kind < 0.08:  # only the first half of a split arrived -> PARTIAL
            _statement(rng, traffic, txn_id, currency, posting, _money(net / 2, places), fee, last)
        elif kind < 0.10:  # short posting -> PARTIAL
            short = _money(net * Decimal(rng.randint(5, 30)) / 100, places)
            _statement(rng, traffic, txn_id, currency, posting, net - short, fee, last)
        elif kind < 0.12 and places == 2:  # one cent off -> MATCHED within tolerance
            _statement(rng, traffic, txn_id, currency, posting, net - unit, fee, last)
        else:
            _statement(rng, traffic, txn_id, currency, posting, net, fee, last,
                       duplicate=rng.random() < 0.02)
        if "REFUNDED" in statuses:  # reversal of the posting and its fee
            _statement(rng, traffic, txn_id, currency,
                       statuses["REFUNDED"].date() + timedelta(days=1), -net, -fee, last)
    elif "DECLINED" in statuses and rng.random() < 0.03:
        # The bank posted a declined payment anyway -> PARTIAL (expected 0).
        _statement(rng, traffic, txn_id, currency, statuses["DECLINED"].date() + timedelta(days=1),
                   net, fee, last)


def _fraud_signals(
    rng: random.Random, traffic: _Traffic, txn_id: str, t0: datetime, last: date
) -> None:
    def score() -> str:
        r = rng.random()
        if r < 0.02:
            value = rng.uniform(0.9, 1.0)
        elif r < 0.07:
            value = rng.uniform(0.7, 0.9)
        else:
            value = rng.random() ** 4 * 0.7
        return f"{value:.4f}"

    def signal(ts: datetime, version: str, value: str, error_code: str | None = None) -> None:
        traffic.signal_seq += 1
        _deliver(rng, traffic, "fraud_signals",
                 {"fraud_signal_id": f"F{traffic.signal_seq:08d}", "transaction_id": txn_id,
                  "fraud_score": value, "model_version": version, "inference_time": _fmt_ts(ts)},
                 ts.date(), last, error_code=error_code)

    signal(t0 + timedelta(seconds=rng.randint(1, 30)), "fs-2.3", score())
    if rng.random() < 0.15:  # re-scored by the newer model; the latest inference wins
        signal(t0 + timedelta(hours=rng.randint(1, 30)), "fs-2.4", score())


def _inject_bad_rows(rng: random.Random, traffic: _Traffic, day: date, count: int) -> None:
    """Labelled bad rows for every X-code, ``count`` of each kind per day."""
    todays = [r for r in traffic.rows if r.folder == day and r.error_code is None]
    events = [r for r in todays if r.entity == "payment_events"]
    statements = [r for r in todays if r.entity == "bank_statements"]
    signals = [r for r in todays if r.entity == "fraud_signals"]
    for _ in range(count):
        if events:
            # X001: a gateway retry with a garbled amount, and one with a garbled timestamp.
            bad = dict(rng.choice(events).values)
            bad["amount"] = rng.choice(("12,50", "n/a", "1.2.3", "USD 40"))
            traffic.rows.append(_Row("payment_events", bad, day, "X001", rng.random()))
            bad = dict(rng.choice(events).values)
            ts = datetime.strptime(bad["event_ts"], "%Y-%m-%d %H:%M:%S")
            bad["event_ts"] = rng.choice((ts.strftime("%d/%m/%Y %H:%M"),
                                          ts.strftime("%Y-%m-%d 25:%M:%S")))
            traffic.rows.append(_Row("payment_events", bad, day, "X001", rng.random()))
            # X002: a status the warehouse does not know.
            bad = dict(rng.choice(events).values)
            bad["status"] = rng.choice(("APPROVD", "CHARGEBACK", "settled"))
            traffic.rows.append(_Row("payment_events", bad, day, "X002", rng.random()))
        if signals:
            # X003: a score outside [0, 1] from a misconfigured model.
            src = rng.choice(signals).values
            traffic.signal_seq += 1
            traffic.rows.append(_Row("fraud_signals", {
                **src, "fraud_signal_id": f"F{traffic.signal_seq:08d}",
                "fraud_score": rng.choice(("1.3700", "-0.0500", "42")), "model_version": "fs-2.5b",
            }, day, "X003", rng.random()))
            # X001: an unparseable inference time.
            traffic.signal_seq += 1
            traffic.rows.append(_Row("fraud_signals", {
                **src, "fraud_signal_id": f"F{traffic.signal_seq:08d}",
                "inference_time": "yesterday",
            }, day, "X001", rng.random()))
        if statements:
            # X001: a posting with a European-formatted amount.
            src = rng.choice(statements).values
            traffic.statement_seq += 1
            traffic.rows.append(_Row("bank_statements", {
                **src, "statement_id": f"S{traffic.statement_seq:08d}",
                "amount_posted": src["amount_posted"].replace(".", ",") + ",00",
            }, day, "X001", rng.random()))
        # X004: a posting for a transaction the gateways never reported.
        traffic.statement_seq += 1
        traffic.rows.append(_Row("bank_statements", {
            "statement_id": f"S{traffic.statement_seq:08d}",
            "transaction_id": f"TX{rng.randint(10**7, 10**8 - 1)}", "posting_date": day.isoformat(),
            "amount_posted": f"{rng.randint(500, 90000) / 100:.2f}", "fee_charged": "0.30",
            "currency": "USD",
        }, day, "X004", rng.random()))
