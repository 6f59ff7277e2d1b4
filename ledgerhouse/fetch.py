"""``ledgerhouse fetch-prices``: Tiingo end-of-day prices into the landing folder.

For each ticker the fetcher asks Tiingo's end-of-day endpoint
(``GET {base}/tiingo/daily/{ticker}/prices?startDate=..&endDate=..``) for
the dates after the last one already loaded, and writes the response body
unchanged to ``LANDING/_tiingo/<end date>/<TICKER>.json`` (a folder the CSV
loader skips). The last loaded date per ticker is the latest of
  - the dates in earlier fetched responses in ``LANDING/_tiingo/``, and
  - ``max(date)`` in ``raw_portfolio.prices_eod`` when the warehouse has it;
a ticker already up to date is not requested at all.

The API token comes from an environment variable (default
``TIINGO_API_TOKEN``) and travels in the ``Authorization`` header, never in a
URL or a log line. HTTP 429 and 5xx (and connection errors) are retried with
exponential backoff, honouring ``Retry-After``; any other error status stops
with a message naming the ticker and the status.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DEFAULT_BASE_URL = "https://api.tiingo.com"
DEFAULT_TOKEN_ENV = "TIINGO_API_TOKEN"
FETCH_FOLDER = "_tiingo"


class FetchError(Exception):
    """A fetch that cannot succeed: missing token, a 4xx, retries exhausted."""


@dataclass(frozen=True)
class FetchResult:
    ticker: str
    status: str  # "fetched" or "up to date"
    start: date | None
    path: Path | None
    rows: int


def last_fetched_dates(landing_dir: Path) -> dict[str, date]:
    """Latest date per ticker in responses fetched earlier into landing_dir."""
    latest: dict[str, date] = {}
    for path in sorted((landing_dir / FETCH_FOLDER).glob("*/*.json")):
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for row in rows if isinstance(rows, list) else []:
            try:
                d = date.fromisoformat(str(row["date"])[:10])
            except (KeyError, TypeError, ValueError):
                continue
            ticker = path.stem.upper()
            if ticker not in latest or d > latest[ticker]:
                latest[ticker] = d
    return latest


def fetch_prices(
    landing_dir: Path,
    tickers: list[str],
    *,
    end: date,
    default_start: date,
    token: str,
    base_url: str = DEFAULT_BASE_URL,
    loaded: dict[str, date] | None = None,
    max_retries: int = 5,
    backoff_seconds: float = 1.0,
    timeout: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] = lambda _m: None,
) -> list[FetchResult]:
    """Fetch every ticker incrementally; returns one result per ticker."""
    if not token:
        raise FetchError("no Tiingo API token (set the environment variable named by --token-env)")
    known = last_fetched_dates(landing_dir)
    for ticker, d in (loaded or {}).items():
        t = ticker.upper()
        if t not in known or d > known[t]:
            known[t] = d
    results = []
    for raw_ticker in tickers:
        ticker = raw_ticker.strip().upper()
        last = known.get(ticker)
        start = last + timedelta(days=1) if last else default_start
        if start > end:
            progress(f"fetch-prices: {ticker} up to date (last loaded {last})")
            results.append(FetchResult(ticker, "up to date", None, None, 0))
            continue
        query = urllib.parse.urlencode(
            {"startDate": start.isoformat(), "endDate": end.isoformat(), "format": "json"}
        )
        path = f"/tiingo/daily/{urllib.parse.quote(ticker.lower())}/prices"
        url = f"{base_url.rstrip('/')}{path}?{query}"
        body = _get(url, token, ticker, max_retries, backoff_seconds, timeout, sleep, progress)
        try:
            rows = json.loads(body)
        except ValueError as exc:
            raise FetchError(f"{ticker}: the response is not JSON ({exc})") from None
        if not isinstance(rows, list):
            raise FetchError(
                f"{ticker}: expected a JSON list of daily prices, got {type(rows).__name__}")
        out = landing_dir / FETCH_FOLDER / end.isoformat() / f"{ticker}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".json.part")
        tmp.write_bytes(body)  # the response exactly as received
        tmp.replace(out)
        progress(f"fetch-prices: {ticker} {start}..{end}: {len(rows)} row(s) -> {out}")
        results.append(FetchResult(ticker, "fetched", start, out, len(rows)))
    return results


def _get(
    url: str,
    token: str,
    ticker: str,
    max_retries: int,
    backoff_seconds: float,
    timeout: float,
    sleep: Callable[[float], None],
    progress: Callable[[str], None],
) -> bytes:
    request = urllib.request.Request(
        url,
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "User-Agent": "ledgerhouse-fetch-prices",
        },
    )
    attempt = 0
    while True:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            retryable = exc.code == 429 or 500 <= exc.code <= 599
            problem = f"HTTP {exc.code}"
            retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            if not retryable:
                raise FetchError(f"{ticker}: {problem} from Tiingo (not retried)") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            problem = f"connection error ({getattr(exc, 'reason', exc)})"
            retry_after = None
        if attempt >= max_retries:
            raise FetchError(f"{ticker}: {problem}; gave up after {max_retries} retries")
        wait = retry_after if retry_after is not None else backoff_seconds * (2**attempt)
        attempt += 1
        progress(f"fetch-prices: {ticker}: {problem}, retry {attempt}/{max_retries} in {wait:g}s")
        sleep(wait)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def warehouse_last_dates(settings: Any) -> dict[str, date]:
    """max(date) per instrument in raw_portfolio.prices_eod of a resolved target.

    {} only when nothing was loaded yet: no DuckDB file, no PostgreSQL database,
    no raw_portfolio.prices_eod. A warehouse that exists but cannot be read is
    a FetchError, not a silent full re-fetch."""
    sql = (
        "select instrument_id, max(date) from raw_portfolio.prices_eod "
        "where date is not null group by instrument_id"
    )
    rows: list[Any]
    if settings.type == "duckdb":
        rows = _duckdb_rows(settings, sql)
    elif settings.type == "spark":
        rows = _spark_rows(settings, sql)
    else:
        rows = _postgres_rows(settings, sql)
    out = {}
    for ticker, d in rows:
        try:
            out[str(ticker).upper()] = date.fromisoformat(str(d)[:10])
        except ValueError:
            continue
    return out


def _duckdb_rows(settings: Any, sql: str) -> list[Any]:
    import duckdb

    path = settings.duckdb_path
    if path is None or not path.exists():
        return []
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise FetchError(f"cannot open DuckDB file {path}: {_first_line(exc)}") from None
    try:
        return con.execute(sql).fetchall()
    except duckdb.CatalogException:  # no raw_portfolio.prices_eod yet
        return []
    except duckdb.Error as exc:
        raise FetchError(f"cannot read raw_portfolio.prices_eod from {path}: "
                         f"{_first_line(exc)}") from None
    finally:
        con.close()


def _postgres_rows(settings: Any, sql: str) -> list[Any]:
    import psycopg2
    from psycopg2 import errors

    try:
        con = psycopg2.connect(
            host=settings.host, port=settings.port, user=settings.user,
            password=settings.password or None, dbname=settings.dbname,
            connect_timeout=settings.connect_timeout,
        )
    except psycopg2.OperationalError as exc:
        if f'database "{settings.dbname}" does not exist' in str(exc):
            return []  # `ledgerhouse load` creates it: nothing loaded yet
        raise FetchError(f"cannot connect to {settings.describe()}: {_first_line(exc)}") from None
    try:
        with con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()
    except errors.UndefinedTable:  # no raw_portfolio(.prices_eod) yet
        return []
    except psycopg2.Error as exc:
        raise FetchError(f"cannot read raw_portfolio.prices_eod from {settings.describe()}: "
                         f"{_first_line(exc)}") from None
    finally:
        con.close()


def _spark_rows(settings: Any, sql: str) -> list[Any]:
    from ledgerhouse.load import LoadError
    from ledgerhouse.load_spark import SparkEngine

    engine = SparkEngine(settings)
    try:
        engine.open()
    except LoadError as exc:
        raise FetchError(str(exc)) from None
    try:
        catalog = engine.con.catalog
        if not (catalog.databaseExists("raw_portfolio")
                and catalog.tableExists("raw_portfolio.prices_eod")):
            return []
        return engine.execute(sql)
    except Exception as exc:  # pyspark's AnalysisException and the like
        raise FetchError(f"cannot read raw_portfolio.prices_eod from {settings.describe()}: "
                         f"{_first_line(exc)}") from None
    finally:
        engine.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- CLI


def register(sub: Any) -> None:
    """Add the ``fetch-prices`` sub-command to the ledgerhouse CLI."""
    import argparse

    from ledgerhouse.argtypes import iso_date, number, whole_number

    p = sub.add_parser(
        "fetch-prices",
        help="fetch Tiingo end-of-day prices into the landing folder (incremental)",
        description=(__doc__ or "").split("\n\n", 1)[1],
        epilog=(
            "examples:\n"
            "  TIINGO_API_TOKEN=... ledgerhouse fetch-prices data/landing SPY AAPL MSFT\n"
            "  ledgerhouse fetch-prices data/landing SPY --end 2026-03-02 "
            "--base-url http://127.0.0.1:8000"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("landing_dir", metavar="LANDING_DIR", type=Path, help="landing root")
    p.add_argument("tickers", metavar="TICKER", nargs="+", type=_ticker,
                   help="tickers to fetch, e.g. SPY (letters, digits, '.', '-', '_')")
    p.add_argument("--end", type=iso_date, default=None, metavar="YYYY-MM-DD",
                   help="last date to fetch (default: today)")
    p.add_argument("--start", type=iso_date, default=date(2015, 1, 1), metavar="YYYY-MM-DD",
                   help="first date for a ticker never loaded before (default: 2015-01-01)")
    p.add_argument("--base-url", type=_base_url,
                   default=os.environ.get("TIINGO_BASE_URL", DEFAULT_BASE_URL),
                   help="API root (default: TIINGO_BASE_URL, else https://api.tiingo.com)")
    p.add_argument("--token-env", default=DEFAULT_TOKEN_ENV,
                   help=f"environment variable holding the token (default: {DEFAULT_TOKEN_ENV})")
    p.add_argument("--max-retries", type=whole_number(0), default=5,
                   help="retries on 429/5xx, 0 or more (default: 5)")
    p.add_argument("--backoff", type=number(0), default=1.0,
                   help="first backoff in seconds, 0 or more, doubled per retry (default: 1)")
    p.add_argument("--target", default=None,
                   help="dbt target in profiles.yml to read the last loaded dates from: "
                        "duckdb, postgres or spark (default: LEDGERHOUSE_TARGET, else duckdb)")
    p.set_defaults(func=cmd_fetch_prices)


TICKER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,19}")


def _ticker(text: str) -> str:
    """A ticker names the file ``_tiingo/<end>/<TICKER>.json`` and the URL path: no '/',
    no '..', nothing a path or URL would read differently."""
    import argparse

    if not TICKER.fullmatch(text) or ".." in text:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a ticker (expected up to 20 letters, digits, '.', '-' or '_', "
            f"e.g. SPY or BRK-B)")
    return text


def _base_url(text: str) -> str:
    import argparse

    try:
        url = urllib.parse.urlsplit(text)
        ok = url.scheme in ("http", "https") and bool(url.hostname) and (url.port or 1) > 0
    except ValueError:  # e.g. a port that is not a number
        ok = False
    if not ok:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an http(s) URL (expected e.g. https://api.tiingo.com)")
    return text


def cmd_fetch_prices(args: Any) -> int:
    from ledgerhouse.cli import UserError, _settings

    if args.landing_dir.exists() and not args.landing_dir.is_dir():
        raise UserError(f"{args.landing_dir}: exists and is not a directory")
    end = args.end or date.today()
    if args.start > end:
        raise UserError(f"--start {args.start} is after --end {end}"
                        f"{'' if args.end else ' (today)'} (expected a start on or before the end)")
    settings = _settings(args.target)  # an unknown target: the same error as load and summary
    try:
        results = fetch_prices(
            args.landing_dir,
            args.tickers,
            end=end,
            default_start=args.start,
            token=os.environ.get(args.token_env, ""),
            base_url=args.base_url,
            loaded=warehouse_last_dates(settings),
            max_retries=args.max_retries,
            backoff_seconds=args.backoff,
            progress=lambda m: print(m, flush=True),
        )
    except FetchError as exc:
        raise UserError(str(exc)) from None
    fetched = sum(1 for r in results if r.status == "fetched")
    print(f"fetch-prices: {fetched} fetched, {len(results) - fetched} up to date", flush=True)
    return 0
