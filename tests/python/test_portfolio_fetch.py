"""`ledgerhouse fetch-prices` against a fake Tiingo server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import LEDGERHOUSE, _run, base_env

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
