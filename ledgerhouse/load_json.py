"""Fetched API responses as a loader file kind (``ledgerhouse.load.FileKind``).

``ledgerhouse fetch-prices`` writes Tiingo end-of-day responses unchanged to
``LANDING/_tiingo/<end date>/<TICKER>.json``: one JSON array of daily price
objects with the API's field names (date, open, high, low, close, volume,
adjOpen, adjHigh, adjLow, adjClose, adjVolume, divCash, splitFactor).
``ledgerhouse load LANDING`` lands each file in ``raw_portfolio.tiingo_eod``:
one row per price object, every value as text exactly as written in the file
(a JSON number keeps its literal digits, null is null), the ticker from the
file name, and the usual load metadata. ``_line_number`` is the object's
position in the array (1-based): a response is typically one line.

The format check parses the file once and stops at the first problem with
one line ``<file>:<line>:<column>: <problem> (expected ...)`` (column = the
character in that line): not UTF-8, not a JSON array, an element that is not
an object, an unknown or repeated field, a value that is an object, an array
or a boolean. Nothing of a refused file is loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ledgerhouse.entities import FETCHED, Entity
from ledgerhouse.load import STAGE, FileKind, FormatCheck, MalformedFile

# Tiingo's field names -> raw column names (ledgerhouse.entities.FETCHED)
TIINGO_FIELDS: dict[str, str] = {
    "date": "date", "open": "open", "high": "high", "low": "low", "close": "close",
    "volume": "volume", "adjOpen": "adj_open", "adjHigh": "adj_high", "adjLow": "adj_low",
    "adjClose": "adj_close", "adjVolume": "adj_volume", "divCash": "div_cash",
    "splitFactor": "split_factor",
}
INSERT_CHUNK = 500  # rows per multi-row insert while staging
_WHITESPACE = " \t\n\r"


class TiingoJsonKind:
    """A Tiingo end-of-day response: ``<TICKER>.json``, a JSON array of objects."""

    suffix = ".json"

    def __init__(self, entity: Entity) -> None:
        self.entity = entity

    def entity_for(self, name: str) -> Entity | None:
        return self.entity if name.lower().endswith(self.suffix) else None

    def check(self, path: Path, entity: Entity) -> FormatCheck:
        records = read_records(path, entity)
        result = FormatCheck(rows=len(records))
        if records:
            # no physical lines per record: _line_number = record number (_ord)
            result.line_shifts.append((1, -1))
            for ordinal in {1, len(records)}:
                result.samples[ordinal] = records[ordinal - 1]
        return result

    def stage_duckdb(self, con: Any, path: Path, entity: Entity) -> None:
        # like CsvKind: a temp table, and the view _lh_stage over it
        con.execute(f"drop table if exists {STAGE}_json")
        con.execute(_stage_ddl(f"{STAGE}_json", entity, "varchar", ""))
        _insert_stage(lambda sql, params: con.execute(sql, params), f"{STAGE}_json", "?",
                      path, entity)
        con.execute(f"drop view if exists {STAGE}")
        con.execute(f"create temp view {STAGE} as select * from {STAGE}_json")

    def stage_postgres(self, cur: Any, path: Path, entity: Entity) -> None:
        cur.execute(_stage_ddl(STAGE, entity, "text", " on commit drop"))
        _insert_stage(cur.execute, STAGE, "%s", path, entity)


def _stage_ddl(table: str, entity: Entity, text_type: str, suffix: str) -> str:
    cols = ", ".join(f'"{c}" {text_type}' for c in entity.columns)
    return f"create temp table {table} (_ord bigint, {cols}){suffix}"


def _insert_stage(execute: Any, table: str, placeholder: str, path: Path,
                  entity: Entity) -> None:
    records = read_records(path, entity)
    width = len(entity.columns) + 1
    row_sql = "(" + ", ".join([placeholder] * width) + ")"
    for start in range(0, len(records), INSERT_CHUNK):
        chunk = records[start:start + INSERT_CHUNK]
        params: list[Any] = []
        for offset, record in enumerate(chunk):
            params.extend((start + offset + 1, *record))
        execute(f"insert into {table} values {', '.join([row_sql] * len(chunk))}", params)


def read_records(path: Path, entity: Entity) -> list[tuple[str | None, ...]]:
    """The file's price objects as raw rows (entity column order); MalformedFile if not."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise MalformedFile(path, line, column, f"invalid UTF-8 byte 0x{data[exc.start]:02x} "
                            f"(expected UTF-8 text)") from None
    if text.startswith("\ufeff"):
        raise MalformedFile(path, 1, 1, "byte order mark (expected UTF-8 without BOM)")
    ticker = path.stem
    expected_fields = ", ".join(TIINGO_FIELDS)

    def fail(pos: int, problem: str) -> MalformedFile:
        line = text.count("\n", 0, pos) + 1
        return MalformedFile(path, line, pos - (text.rfind("\n", 0, pos) + 1) + 1, problem)

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in _WHITESPACE:
            pos += 1
        return pos

    decoder = json.JSONDecoder(object_pairs_hook=_Object, parse_float=str, parse_int=str,
                               parse_constant=_reject_constant)
    pos = skip(0)
    if pos == len(text):
        raise fail(pos, "empty file (expected a JSON array of daily price objects)")
    if text[pos] != "[":
        raise fail(pos, f"unexpected '{text[pos]}' (expected a JSON array of daily price "
                        f"objects, '[')")
    pos = skip(pos + 1)
    records: list[tuple[str | None, ...]] = []
    if pos < len(text) and text[pos] == "]":
        pos += 1
    else:
        while True:
            start = pos
            try:
                value, pos = decoder.raw_decode(text, start)
            except json.JSONDecodeError as exc:
                problem = exc.msg
                if problem == "Invalid control character at":  # the stdlib's wording
                    problem = (f"control character U+{ord(text[exc.pos]):04X} in a string "
                               f"(expected it escaped, e.g. \\u{ord(text[exc.pos]):04x})")
                raise MalformedFile(path, exc.lineno, exc.colno,
                                    f"invalid JSON: {problem} (expected a daily price "
                                    f"object)") from None
            except ValueError as exc:
                raise fail(start, f"{exc} (expected a daily price object)") from None
            if not isinstance(value, _Object):
                raise fail(start, f"a JSON {_json_type(value)} in the array (expected a daily "
                                  f"price object {{...}})")
            row: dict[str, str | None] = {}
            for key, item in value:
                column = TIINGO_FIELDS.get(key)
                if column is None:
                    raise fail(start, f"record {len(records) + 1}: unknown field '{key}' "
                                      f"(expected only: {expected_fields})")
                if column in row:
                    raise fail(start, f"record {len(records) + 1}: field '{key}' twice "
                                      f"(expected each field once)")
                if item is not None and not isinstance(item, str):
                    raise fail(start, f"record {len(records) + 1}: field '{key}' is a JSON "
                                      f"{_json_type(item)} (expected a number, a string or "
                                      f"null)")
                row[column] = item
            records.append((ticker, *(row.get(c) for c in entity.columns[1:])))
            pos = skip(pos)
            if pos < len(text) and text[pos] == ",":
                pos = skip(pos + 1)
                continue
            if pos < len(text) and text[pos] == "]":
                pos += 1
                break
            if pos == len(text):
                raise fail(pos, "the file ends inside the array (expected ',' or ']')")
            raise fail(pos, f"unexpected '{text[pos]}' after a record (expected ',' or ']')")
    pos = skip(pos)
    if pos < len(text):
        raise fail(pos, "data after the array (expected the end of the file)")
    return records


class _Object(list[tuple[str, Any]]):
    """A JSON object as its (key, value) pairs, repeated keys kept visible."""


def _reject_constant(name: str) -> None:
    raise ValueError(f"'{name}' is not JSON")


def _json_type(value: object) -> str:
    if isinstance(value, _Object):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "string or number"


FETCHED_KINDS: dict[str, FileKind] = {
    entity.folder: TiingoJsonKind(entity) for entity in FETCHED if entity.folder
}
