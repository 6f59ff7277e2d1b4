"""`ledgerhouse fetch-prices` against a fake Tiingo server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import LEDGERHOUSE, Warehouse, _run, base_env

from ledgerhouse.fetch import FetchError, fetch_prices, last_fetched_dates

TOKEN = "test-token-123"


def _day(d: str, close: float) -> dict[str, object]:
    return {"date": f"{d}T00:00:00.000Z", "open": close, "high": close, "low": close,
            "close": close, "volume": 1000, "adjOpen": close, "adjHigh": close,
            "adjLow": close, "adjClose": close, "adjVolume": 1000, "divCash": 0.0,
            "splitFactor": 1.0}


class FakeTiingo:
    """Serves scripted responses per ticker; records every request."""

    def __init__(self) -> None:
        self.script: dict[str, list[tuple[int, dict[str, str], bytes]]] = {}
        self.requests: list[dict[str, object]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                ticker = url.path.split("/")[3].upper()
                fake.requests.append({
                    "ticker": ticker, "path": self.path,
                    "query": dict(urllib.parse.parse_qsl(url.query)),
                    "auth": self.headers.get("Authorization"),
                })
                queue = fake.script.get(ticker) or [(404, {}, b'{"detail": "Not found."}')]
                status, headers, body = queue.pop(0) if len(queue) > 1 else queue[0]
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tiingo() -> Iterator[FakeTiingo]:
    fake = FakeTiingo()
    try:
        yield fake
    finally:
        fake.close()


def test_retries_429_and_5xx_with_backoff_and_writes_the_body_unchanged(
    tiingo: FakeTiingo, tmp_path: Path
) -> None:
    body = json.dumps([_day("2026-03-02", 590.1), _day("2026-03-03", 592.5)], indent=1).encode()
    tiingo.script["SPY"] = [
        (429, {"Retry-After": "0"}, b"rate limited"),
        (503, {}, b"unavailable"),
        (200, {"Content-Type": "application/json"}, body),
    ]
    sleeps: list[float] = []
    results = fetch_prices(tmp_path, ["spy"], end=date(2026, 3, 3), default_start=date(2026, 3, 2),
                           token=TOKEN, base_url=tiingo.url, backoff_seconds=0.25,
                           sleep=sleeps.append)
    assert [r.status for r in results] == ["fetched"]
    assert len(tiingo.requests) == 3
    assert sleeps == [0.0, 0.5]  # Retry-After honoured, then 0.25 x 2^1
    first = tiingo.requests[0]
    assert first["auth"] == f"Token {TOKEN}"
    assert TOKEN not in str(first["path"])
    assert first["query"] == {"startDate": "2026-03-02", "endDate": "2026-03-03", "format": "json"}
    out = tmp_path / "_tiingo" / "2026-03-03" / "SPY.json"
    assert out.read_bytes() == body
    assert last_fetched_dates(tmp_path) == {"SPY": date(2026, 3, 3)}


def test_incremental_from_the_last_loaded_date(tiingo: FakeTiingo, tmp_path: Path) -> None:
    tiingo.script["SPY"] = [(200, {}, json.dumps([_day("2026-03-02", 1.0)]).encode())]
    tiingo.script["AAPL"] = [(200, {}, json.dumps([_day("2026-03-04", 2.0)]).encode())]
    fetch_prices(tmp_path, ["SPY"], end=date(2026, 3, 2), default_start=date(2026, 1, 2),
                 token=TOKEN, base_url=tiingo.url, sleep=lambda _s: None)
    tiingo.requests.clear()
    # SPY: from the day after the last fetched response; AAPL: the warehouse
    # already has 2026-03-03; MSFT: loaded up to the end date -> no request
    fetch_prices(tmp_path, ["SPY", "AAPL", "MSFT"], end=date(2026, 3, 4),
                 default_start=date(2026, 1, 2), token=TOKEN, base_url=tiingo.url,
                 loaded={"AAPL": date(2026, 3, 3), "MSFT": date(2026, 3, 4),
                         "SPY": date(2026, 1, 9)},
                 sleep=lambda _s: None)
    starts = {r["ticker"]: r["query"]["startDate"] for r in tiingo.requests}
    assert starts == {"SPY": "2026-03-03", "AAPL": "2026-03-04"}


def test_client_errors_are_not_retried_and_retries_end(tiingo: FakeTiingo, tmp_path: Path) -> None:
    tiingo.script["NOPE"] = [(404, {}, b'{"detail": "Not found."}')]
    with pytest.raises(FetchError, match="NOPE: HTTP 404"):
        fetch_prices(tmp_path, ["NOPE"], end=date(2026, 3, 4), default_start=date(2026, 3, 2),
                     token=TOKEN, base_url=tiingo.url, sleep=lambda _s: None)
    assert len(tiingo.requests) == 1
    tiingo.requests.clear()
    tiingo.script["SPY"] = [(500, {}, b"boom")]
    sleeps: list[float] = []
    with pytest.raises(FetchError, match="gave up after 3 retries"):
        fetch_prices(tmp_path, ["SPY"], end=date(2026, 3, 4), default_start=date(2026, 3, 2),
                     token=TOKEN, base_url=tiingo.url, max_retries=3, backoff_seconds=1,
                     sleep=sleeps.append)
    assert len(tiingo.requests) == 4 and sleeps == [1, 2, 4]
    assert not (tmp_path / "_tiingo").exists()
    with pytest.raises(FetchError, match="no Tiingo API token"):
        fetch_prices(tmp_path, ["SPY"], end=date(2026, 3, 4), default_start=date(2026, 3, 2),
                     token="", base_url=tiingo.url)


def test_cli_fetch_prices(tiingo: FakeTiingo, tmp_path: Path) -> None:
    body = json.dumps([_day("2026-03-02", 10.0)]).encode()
    tiingo.script["QQQ"] = [(502, {}, b""), (200, {}, body)]
    env = base_env(TIINGO_API_TOKEN=TOKEN, LEDGERHOUSE_DUCKDB=str(tmp_path / "none.duckdb"))
    proc = _run([LEDGERHOUSE, "fetch-prices", str(tmp_path), "QQQ", "--end", "2026-03-02",
                 "--start", "2026-03-02", "--base-url", tiingo.url, "--backoff", "0.01"],
                env, check=True)
    assert "1 fetched" in proc.stdout
    assert TOKEN not in proc.stdout + proc.stderr
    assert (tmp_path / "_tiingo" / "2026-03-02" / "QQQ.json").read_bytes() == body
    env.pop("TIINGO_API_TOKEN")
    proc = _run([LEDGERHOUSE, "fetch-prices", str(tmp_path), "QQQ", "--base-url", tiingo.url],
                env, check=False)
    assert proc.returncode == 2 and proc.stderr.startswith("error: no Tiingo API token")


# ------------------------------------------------------------------ fetched JSON -> load

GOOD_JSON = (
    '[{"date": "2026-03-02T00:00:00.000Z", "open": 590.1, "high": 591, "low": 589.5,\n'
    '  "close": 590.55, "volume": 1200, "adjOpen": 590.1, "adjHigh": 591, "adjLow": 589.5,\n'
    '  "adjClose": 590.55, "adjVolume": 1200, "divCash": 0.0, "splitFactor": 1.0},\n'
    ' {"date": "2026-03-03T00:00:00.000Z", "close": 592.5, "adjClose": 592.5, "divCash": null}]'
)
# name: (file content, line, column, problem) - positions counted by hand
MALFORMED_JSON = {
    "control_character": ('[{"date": "2026-03-02\x00", "close": 1}]', 1, 22,
                          "invalid JSON: control character U+0000 in a string (expected it "
                          "escaped, e.g. \\u0000) (expected a daily price object)"),
    "trailing_comma": ('[{"date": "2026-03-02", "close": 1},\n'
                       ' {"date": "2026-03-03", "close": 2,}]',
                       2, 36, "invalid JSON: Expecting property name enclosed in double quotes "
                              "(expected a daily price object)"),
    "not_an_array": ('{"detail": "Not found."}', 1, 1,
                     "unexpected '{' (expected a JSON array of daily price objects, '[')"),
    "not_an_object": ('[{"date": "2026-03-02"}, 7]', 1, 26,
                      "a JSON string or number in the array (expected a daily price object {...})"),
    "unknown_field": ('[\n  {"date": "2026-03-02", "price": 1}\n]', 2, 3,
                      "record 1: unknown field 'price' (expected only: date, open, high, low, "
                      "close, volume, adjOpen, adjHigh, adjLow, adjClose, adjVolume, divCash, "
                      "splitFactor)"),
    "nested_value": ('[{"date": "2026-03-02", "close": [1]}]', 1, 2,
                     "record 1: field 'close' is a JSON array (expected a number, a string or "
                     "null)"),
    "truncated": ('[{"date": "2026-03-02", "close": 1}', 1, 36,
                  "the file ends inside the array (expected ',' or ']')"),
    "empty": ("", 1, 1, "empty file (expected a JSON array of daily price objects)"),
}


def _fetched(root: Path, end: str, files: dict[str, str]) -> Path:
    folder = root / "_tiingo" / end
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_fetched_json_loads_as_text_and_reloads_as_a_no_op(warehouse: Warehouse,
                                                           tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    _fetched(landing, "2026-03-03", {"SPY.json": GOOD_JSON})
    proc = warehouse.cli("load", str(landing))
    assert "loaded   _tiingo/2026-03-03/SPY.json -> raw_portfolio.tiingo_eod (2 rows" in proc.stdout
    sql = ("select ticker, date, open, close, adj_close, div_cash, split_factor, volume, "
           "_source_file, _line_number from raw_portfolio.tiingo_eod order by _line_number")
    first = warehouse.query(sql)
    source = "_tiingo/2026-03-03/SPY.json"
    assert first == [
        ("SPY", "2026-03-02T00:00:00.000Z", "590.1", "590.55", "590.55", "0.0", "1.0", "1200",
         source, 1),
        ("SPY", "2026-03-03T00:00:00.000Z", None, "592.5", "592.5", None, None, None, source, 2),
    ]
    # again: the same bytes are skipped, nothing changes
    proc = warehouse.cli("load", str(landing))
    assert f"skipped  {source}: already loaded" in proc.stdout
    assert warehouse.query(sql) == first
    assert warehouse.query("select status from raw_meta.load_audit order by loaded_at") == [
        ("loaded",), ("skipped_already_loaded",)]


def test_two_tickers_with_identical_bytes_both_load(warehouse: Warehouse,
                                                   tmp_path: Path) -> None:
    """The ticker is the file name: the same response bytes under two names are two loads."""
    _fetched(tmp_path / "landing", "2026-03-03", {"QQQ.json": GOOD_JSON, "SPY.json": GOOD_JSON})
    warehouse.cli("load", str(tmp_path / "landing"))
    assert warehouse.query("select ticker, count(*) from raw_portfolio.tiingo_eod "
                           "group by ticker order by ticker") == [("QQQ", 2), ("SPY", 2)]


@pytest.mark.parametrize("case", sorted(MALFORMED_JSON))
def test_malformed_json_is_refused(warehouse: Warehouse, tmp_path: Path, case: str) -> None:
    text, line, column, problem = MALFORMED_JSON[case]
    folder = _fetched(tmp_path / "landing", "2026-03-03", {"QQQ.json": text,
                                                          "SPY.json": GOOD_JSON})
    proc = warehouse.cli("load", str(tmp_path / "landing"), check=False)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {folder / 'QQQ.json'}:{line}:{column}: {problem}\n"
    assert "Traceback" not in proc.stdout + proc.stderr
    # nothing of it (and nothing after it) is loaded
    assert warehouse.query("select count(*) from raw_portfolio.tiingo_eod") == [(0,)]
    assert warehouse.query("select status, message from raw_meta.load_audit") == [
        ("rejected", f"{folder / 'QQQ.json'}:{line}:{column}: {problem}")]


# ------------------------------------------------- fetch -> landing -> load -> dbt build

PORTFOLIO_SELECT = ["--select", "path:seeds/portfolio", "path:models/staging/portfolio",
                    "path:models/staging/meta", "path:models/intermediate/portfolio",
                    "path:models/marts/portfolio", "path:tests/portfolio"]


@pytest.mark.slow
def test_fetched_prices_reach_the_marts(warehouse: Warehouse, tiingo: FakeTiingo,
                                        tmp_path: Path) -> None:
    from ledgerhouse.calendar import business_dates

    landing = tmp_path / "landing"
    _run([LEDGERHOUSE, "generate", str(landing), "--domain", "portfolio", "--days", "12",
          "--accounts", "3", "--seed", "5"], base_env(), check=True)
    last = max(p.name for p in landing.iterdir() if p.name[:1].isdigit())
    csv_close = next(line.split(",")[5] for line in
                     (landing / last / "prices_eod.csv").read_text().splitlines()
                     if line.startswith("SPY,"))
    d1, d2 = (d.isoformat() for d in business_dates(date.fromisoformat(last) + timedelta(1), 2))
    # SPY: the last CSV date again (the prices file must win) and two new dates
    tiingo.script["SPY"] = [(200, {}, json.dumps(
        [_day(last, 1.0), _day(d1, 612.34), _day(d2, 613.5)]).encode())]
    tiingo.script["AAPL"] = [(200, {}, json.dumps([_day(d1, 250.125)]).encode())]
    warehouse.env["TIINGO_API_TOKEN"] = TOKEN
    proc = warehouse.cli("fetch-prices", str(landing), "SPY", "AAPL", "--start", last,
                         "--end", d2, "--base-url", tiingo.url, "--target", warehouse.target)
    assert "2 fetched" in proc.stdout
    warehouse.cli("load", str(landing))
    warehouse.dbt("build", *PORTFOLIO_SELECT)

    got = warehouse.query(
        "select instrument_id, cast(business_date as varchar(10)), close_price, "
        "is_carried_forward from portfolio.fact_market_price_daily "
        f"where business_date >= '{last}' and instrument_id in ('SPY', 'AAPL') "
        "order by 1, 2")
    assert [(i, d, str(Decimal(c).normalize()), f) for i, d, c, f in got] == [
        ("AAPL", last, str(Decimal(next(
            line.split(",")[5] for line in
            (landing / last / "prices_eod.csv").read_text().splitlines()
            if line.startswith("AAPL,")))), False),
        ("AAPL", d1, "250.125", False),
        ("AAPL", d2, "250.125", True),  # carried forward: Tiingo has no AAPL row on d2
        ("SPY", last, str(Decimal(csv_close)), False),  # the prices file wins
        ("SPY", d1, "612.34", False),
        ("SPY", d2, "613.5", False),
    ]
    assert warehouse.query(
        "select error_code, entity, record_key, source_file, line_number "
        "from portfolio.portfolio_errors where entity = 'tiingo_eod'") == [
        ("P008", "tiingo_eod", f"SPY@{last}", f"_tiingo/{d2}/SPY.json", 1)]
    assert str(warehouse.query(
        "select max(business_date) from portfolio.fact_portfolio_performance_daily")[0][0]) == d2

    # loading the landing folder again changes nothing
    before = warehouse.query("select count(*), max(_loaded_at) from raw_portfolio.tiingo_eod")
    proc = warehouse.cli("load", str(landing))
    assert f"skipped  _tiingo/{d2}/SPY.json" in proc.stdout
    assert warehouse.query(
        "select count(*), max(_loaded_at) from raw_portfolio.tiingo_eod") == before


# ------------------------------------------------------ fetch-prices: bad input, one line, exit 2

SPY_BODY = json.dumps([_day("2026-03-02", 10.0)]).encode()


def _fetch_cli(tmp_path: Path, tiingo: FakeTiingo, *args: str,
               **env: str) -> tuple[int, str, str]:
    """fetch-prices into tmp_path/landing against the fake server; (exit code, stdout, stderr).

    SPY answers a 503 first and then a good body, so a run that should have been
    refused but was not ends in exit code 0 (or, with a negative backoff, in a sleep)."""
    tiingo.script["SPY"] = [(503, {}, b"unavailable"), (200, {}, SPY_BODY)]
    run_env = base_env(**{"TIINGO_API_TOKEN": TOKEN, "LEDGERHOUSE_TARGET": "duckdb",
                          "LEDGERHOUSE_DUCKDB": str(tmp_path / "none.duckdb"), **env})
    proc = _run([LEDGERHOUSE, "fetch-prices", str(tmp_path / "landing"), "SPY",
                 "--base-url", tiingo.url, "--backoff", "0", *args], run_env, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "internal error" not in proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


def _usage(option: str, problem: str) -> str:
    return (f"error: ledgerhouse fetch-prices: argument {option}: {problem} "
            f"(see ledgerhouse fetch-prices --help)\n")


@pytest.mark.parametrize(("args", "stderr"), [
    # a negative backoff used to reach time.sleep: "internal error: ValueError"
    (["--backoff", "-1"], _usage("--backoff", "'-1' is negative (expected a number ≥ 0)")),
    (["--backoff", "nan"],
     _usage("--backoff", "'nan' is not a finite number (expected a number ≥ 0)")),
    (["--backoff", "soon"], _usage("--backoff", "'soon' is not a number (expected a number ≥ 0)")),
    # negative retries used to be accepted ("gave up after -1 retries")
    (["--max-retries", "-1"],
     _usage("--max-retries", "'-1' is negative (expected an integer ≥ 0)")),
    (["--max-retries", "2.5"],
     _usage("--max-retries", "'2.5' is not a whole number (expected an integer ≥ 0)")),
    # dates: the wording of `generate --start` (used to be "invalid fromisoformat value")
    (["--end", "notadate"],
     _usage("--end", "'notadate' is not a date (expected YYYY-MM-DD)")),
    (["--start", "2026-02-30"],
     _usage("--start", "'2026-02-30' is not a date (expected YYYY-MM-DD)")),
    # a start after the end used to print "up to date (last loaded None)" and exit 0
    (["--start", "2026-03-05", "--end", "2026-03-01"],
     "error: --start 2026-03-05 is after --end 2026-03-01 "
     "(expected a start on or before the end)\n"),
    # not an http(s) URL used to end in "internal error: ValueError: unknown url type"
    (["--base-url", "notaurl"],
     _usage("--base-url", "'notaurl' is not an http(s) URL (expected e.g. https://api.tiingo.com)")),
], ids=["backoff_negative", "backoff_nan", "backoff_text", "retries_negative", "retries_fraction",
        "end_not_a_date", "start_not_a_date", "start_after_end", "base_url_not_http"])
def test_cli_fetch_prices_refuses_bad_arguments(tiingo: FakeTiingo, tmp_path: Path,
                                               args: list[str], stderr: str) -> None:
    code, _, err = _fetch_cli(tmp_path, tiingo, "--end", "2026-03-02", *args)
    assert (code, err) == (2, stderr)
    assert tiingo.requests == [] and not (tmp_path / "landing").exists()


def test_cli_fetch_prices_dates_are_worded_like_generate(tiingo: FakeTiingo,
                                                         tmp_path: Path) -> None:
    generate = _run([LEDGERHOUSE, "generate", str(tmp_path / "gen"), "--start", "notadate"],
                    base_env(), check=False)
    _, _, err = _fetch_cli(tmp_path, tiingo, "--end", "notadate")
    assert generate.returncode == 2
    problem = generate.stderr.split("argument --start: ", 1)[1].split(" (see ")[0]
    assert err.split("argument --end: ", 1)[1].split(" (see ")[0] == problem


@pytest.mark.parametrize("target", ["nosuch", "spark_thrift"])
def test_cli_fetch_prices_refuses_a_target_load_refuses(tiingo: FakeTiingo, tmp_path: Path,
                                                       target: str) -> None:
    """An unusable --target used to be ignored: everything was fetched again from 2015."""
    load = _run([LEDGERHOUSE, "load", str(tmp_path / "landing"), "--target", target],
                base_env(), check=False)
    assert load.returncode == 2 and load.stderr.startswith("error: ")
    assert load.stderr.count("\n") == 1
    code, _, err = _fetch_cli(tmp_path, tiingo, "--end", "2026-03-02", "--target", target)
    assert (code, err) == (2, load.stderr)
    # the same through LEDGERHOUSE_TARGET, as for load
    code, _, err = _fetch_cli(tmp_path, tiingo, "--end", "2026-03-02", LEDGERHOUSE_TARGET=target)
    assert (code, err) == (2, load.stderr)
    assert tiingo.requests == [] and not (tmp_path / "landing").exists()


def _closed_port() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


@pytest.mark.parametrize("case", ["duckdb_not_a_database", "postgres_unreachable"])
def test_cli_fetch_prices_an_unreadable_warehouse_is_an_error(tiingo: FakeTiingo, tmp_path: Path,
                                                              case: str) -> None:
    """Only a warehouse with nothing loaded means "no last date"; one that cannot be read
    used to mean the same (a silent fetch of everything from --start)."""
    if case == "duckdb_not_a_database":
        bad = tmp_path / "bad.duckdb"
        bad.write_text("not a DuckDB file\n")
        code, _, err = _fetch_cli(tmp_path, tiingo, "--end", "2026-03-02",
                                  LEDGERHOUSE_DUCKDB=str(bad))
        assert err.startswith(f"error: cannot open DuckDB file {bad}: ")
    else:
        port = _closed_port()
        code, _, err = _fetch_cli(tmp_path, tiingo, "--end", "2026-03-02", "--target", "postgres",
                                  LEDGERHOUSE_PG_HOST="127.0.0.1", LEDGERHOUSE_PG_PORT=port)
        assert err.startswith("error: cannot connect to postgres ")
        assert f"127.0.0.1:{port}" in err
    assert code == 2 and err.count("\n") == 1
    assert tiingo.requests == [] and not (tmp_path / "landing").exists()


def test_cli_fetch_prices_landing_dir_must_be_a_folder(tiingo: FakeTiingo,
                                                       tmp_path: Path) -> None:
    (tmp_path / "landing").write_text("a file\n")
    code, _, err = _fetch_cli(tmp_path, tiingo, "--end", "2026-03-02")
    assert (code, err) == (2, f"error: {tmp_path / 'landing'}: exists and is not a directory\n")
    assert tiingo.requests == []


def test_cli_fetch_prices_starts_after_the_last_loaded_date(warehouse: Warehouse,
                                                            tiingo: FakeTiingo,
                                                            tmp_path: Path) -> None:
    """Nothing loaded yet (no DuckDB file; a database without raw_portfolio): from --start.
    Then the day after max(date) in raw_portfolio.prices_eod."""
    landing = tmp_path / "landing"
    tiingo.script["SPY"] = [(200, {}, SPY_BODY)]
    warehouse.env["TIINGO_API_TOKEN"] = TOKEN
    fetch = ["fetch-prices", str(landing), "SPY", "--start", "2026-02-27", "--end", "2026-03-06",
             "--base-url", tiingo.url, "--target", warehouse.target]
    assert "1 fetched" in warehouse.cli(*fetch).stdout
    delivery = tmp_path / "csv" / "2026-03-03"
    delivery.mkdir(parents=True)
    (delivery / "prices_eod.csv").write_text(
        "instrument_id,date,open,high,low,close,volume,adj_close,div_cash,split_factor\n"
        "SPY,2026-03-03,1,1,1,1,100,1,0,1\n", encoding="utf-8")
    warehouse.cli("load", str(delivery))
    assert "1 fetched" in warehouse.cli(*fetch).stdout
    assert [r["query"]["startDate"] for r in tiingo.requests] == ["2026-02-27", "2026-03-04"]


@pytest.mark.parametrize("ticker", ["../etc", "A/B", "SP Y", ""])
def test_cli_fetch_prices_refuses_a_ticker_that_is_not_a_name(tmp_path: Path,
                                                             ticker: str) -> None:
    """The ticker becomes a file name and a URL path: '../etc' would write outside _tiingo."""
    proc = _run([LEDGERHOUSE, "fetch-prices", str(tmp_path / "landing"), "SPY", ticker,
                 "--base-url", "http://127.0.0.1:9"], base_env(), check=False)
    assert (proc.returncode, proc.stderr) == (2, _usage(
        "TICKER", f"{ticker!r} is not a ticker (expected up to 20 letters, digits, '.', '-' "
                  f"or '_', e.g. SPY or BRK-B)"))
    assert not (tmp_path / "landing").exists()
