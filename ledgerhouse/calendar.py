"""NYSE business dates (a weekday that is not an NYSE holiday).

The dates come from ``exchange_calendars``' XNYS sessions, the same source as
the ``nyse_business_dates`` seed, so the generator's delivery folders and the
warehouse's calendar agree. Half days are business dates.
"""

from __future__ import annotations

import warnings
from datetime import date, timedelta
from functools import lru_cache


@lru_cache(maxsize=32)
def business_dates_between(start: date, end: date) -> tuple[date, ...]:
    """NYSE sessions from ``start`` to ``end`` inclusive."""
    if end < start:
        return ()
    import exchange_calendars as xcals

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecation notices inside the library
        try:
            calendar = xcals.get_calendar(
                "XNYS",
                start=(start - timedelta(days=7)).isoformat(),
                end=(end + timedelta(days=7)).isoformat(),
            )
        except ValueError as exc:  # outside the range the library knows
            raise ValueError(f"no NYSE calendar for {start}..{end}: {exc}") from exc
        sessions = [session.date() for session in calendar.sessions]
    return tuple(day for day in sessions if start <= day <= end)


def business_dates(start: date, count: int) -> list[date]:
    """The first ``count`` NYSE business dates on or after ``start``."""
    if count < 0:
        raise ValueError("count must not be negative")
    # 252 sessions a year: count * 1.5 + 15 calendar days always holds count of them.
    span = timedelta(days=count * 3 // 2 + 15)
    dates = business_dates_between(start, start + span)
    while len(dates) < count:  # pragma: no cover - only for very long holiday runs
        span *= 2
        dates = business_dates_between(start, start + span)
    return list(dates[:count])


def next_business_date(day: date, offset: int = 1) -> date:
    """The business date ``offset`` (>= 1) business days after ``day``."""
    return business_dates(day + timedelta(days=1), offset)[-1]


def is_business_date(day: date) -> bool:
    return business_dates_between(day, day) == (day,)
