"""Write the NYSE business-date seed (``seeds/brokerage/nyse_business_dates.csv``).

A business date is a weekday that is not an NYSE holiday (brokerage.md
conventions). The calendar comes from ``exchange_calendars`` (XNYS sessions),
so half days count as business dates and unscheduled closures known to the
library (e.g. national days of mourning) do not. The file is committed; re-run
this after upgrading exchange-calendars or to extend the range::

    .venv/bin/python -m ledgerhouse.calendar_seed [--start 2020-01-01] [--end 2030-12-31]
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ledgerhouse.argtypes import iso_date

SEED_PATH = Path(__file__).resolve().parents[1] / "seeds" / "brokerage" / "nyse_business_dates.csv"


def business_dates(start: str, end: str) -> list[str]:
    """NYSE sessions between start and end (inclusive) as ISO dates."""
    import exchange_calendars as xcals

    calendar = xcals.get_calendar("XNYS", start=start, end=end)
    return [session.strftime("%Y-%m-%d") for session in calendar.sessions]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ledgerhouse.calendar_seed",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--start", type=iso_date, default=date(2020, 1, 1),
                        metavar="YYYY-MM-DD", help="first date (default: 2020-01-01)")
    parser.add_argument("--end", type=iso_date, default=date(2030, 12, 31),
                        metavar="YYYY-MM-DD", help="last date (default: 2030-12-31)")
    parser.add_argument("--out", type=Path, default=SEED_PATH)
    args = parser.parse_args(argv)
    if args.start > args.end:
        parser.error(f"--start {args.start} is after --end {args.end}")
    try:
        dates = business_dates(args.start.isoformat(), args.end.isoformat())
    except Exception as exc:  # exchange_calendars' bounds (e.g. a start before 1885)
        parser.error(str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc))
    if not dates:
        parser.error(f"no NYSE business date between {args.start} and {args.end}")
    args.out.write_text("business_date\n" + "".join(f"{d}\n" for d in dates), encoding="utf-8")
    print(f"wrote {len(dates)} NYSE business dates {dates[0]}..{dates[-1]} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
