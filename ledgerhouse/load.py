"""Land delivery files as text in the raw schemas, with load metadata and an audit trail.

``load(landing_dir, settings)`` takes either a landing root (one folder per
delivery, loaded in sorted order) or a single delivery folder. Every file the
registry in ``ledgerhouse.entities`` knows lands in ``raw_<domain>.<entity>``:
all entity columns as text (empty field = null) plus ``_batch_id``,
``_source_file`` (path relative to the landing root), ``_line_number`` (the
physical line; header = 1), ``_file_sha256`` and ``_loaded_at``.

How a file is loaded:

1. its sha256 is computed; a file already loaded for the same entity with the
   same checksum is skipped (audit status ``skipped_already_loaded``);
2. a streaming Python pass checks the format (UTF-8, header, field count per
   row, quoting) and stops at the first problem with one message
   ``<file>:<line>:<column>: <problem> (expected ...)``, where column is the
   1-based CSV column (field) number; both engines give the same messages;
3. the engine's own bulk path reads the file into a temporary staging table
   (DuckDB ``read_csv``, PostgreSQL ``COPY FROM STDIN``), numbered in file
   order; sampled rows are compared with the Python pass to prove the order;
4. one transaction inserts the rows with their metadata and the audit row
   (status ``loaded``): a failure anywhere leaves nothing behind.

A refused file gets an audit row with status ``rejected`` and stops the load
(later deliveries depend on earlier ones). Other file kinds (e.g. JSON API
responses) plug in through ``FILE_KINDS``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import itertools
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from ledgerhouse.entities import (
    AUDIT_SCHEMA,
    AUDIT_TABLE,
    ENTITIES,
    LOAD_METADATA_COLUMNS,
    Entity,
    entity_for_file,
)
from ledgerhouse.pii import SALT_TABLE, salt_from_env, salt_statements, salt_to_write
from ledgerhouse.settings import TargetSettings

AUDIT = f"{AUDIT_SCHEMA}.{AUDIT_TABLE}"
AUDIT_COLUMNS = (
    "batch_id", "domain", "entity", "source_file", "file_sha256", "row_count", "status",
    "message", "loaded_at",
)
SAMPLE_EVERY = 65_536  # rows compared between the Python pass and the engine
STAGE = "_lh_stage"
LINE_MAP = "_lh_line_map"


class LoadError(Exception):
    """A problem the user can act on; its message is one line."""


class LoadAborted(LoadError):
    """A failure already recorded in the audit (its files' ``rejected`` rows):
    ``load_file`` passes it on without rejecting the current file again."""


class MalformedFile(LoadError):
    """The file breaks the landing format: refused before anything is loaded."""

    def __init__(self, path: Path, line: int, column: int, problem: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {problem}")


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class LandingFile:
    path: Path
    source_file: str  # relative to the landing root, e.g. "2026-03-02/activity.csv"
    entity: Entity
    kind: FileKind


@dataclass
class FormatCheck:
    """What the Python pass learned about a well-formed file."""

    rows: int
    # (first record ordinal, extra physical lines before it) wherever a quoted
    # field spans lines; empty when record n sits on line n + 1.
    line_shifts: list[tuple[int, int]] = field(default_factory=list)
    samples: dict[int, tuple[str | None, ...]] = field(default_factory=dict)


class FileKind(Protocol):
    """One kind of landing file (CSV today; JSON API responses plug in here)."""

    suffix: str

    def entity_for(self, name: str) -> Entity | None: ...

    def check(self, path: Path, entity: Entity) -> FormatCheck: ...

    def stage_duckdb(self, con: Any, path: Path, entity: Entity) -> None:
        """Create temp table ``_lh_stage(_ord, <entity columns>)``, _ord 1-based in file order."""

    def stage_postgres(self, cur: Any, path: Path, entity: Entity) -> None:
        """Same contract as stage_duckdb (a temp table ``on commit drop``).

        ``_line_number`` is ``_ord + 1`` shifted by ``FormatCheck.line_shifts``;
        a kind without lines (one JSON document) says so with a shift of -1
        from ordinal 1 (``_line_number`` = record number)."""


def discover(landing_dir: Path, warn: Callable[[str], None]) -> list[LandingFile]:
    """The files to load, in load order."""
    if not landing_dir.exists():
        raise LoadError(f"{landing_dir}: no such directory")
    if not landing_dir.is_dir():
        raise LoadError(f"{landing_dir}: not a directory (expected a landing root or a "
                        f"delivery folder)")
    from ledgerhouse.load_json import FETCHED_KINDS

    # Fetched API responses live in LANDING/<fetch folder>/<date>/ and load
    # after the deliveries; the landing root, a fetch folder or one of its
    # date folders can be given.
    fetched: dict[Path, FileKind] = {}
    if landing_dir.name in FETCHED_KINDS:
        fetched = {landing_dir: FETCHED_KINDS[landing_dir.name]}
        folders = sorted(d for d in landing_dir.iterdir() if d.is_dir() and visible(d))
        root = landing_dir.parent
    elif landing_dir.parent.name in FETCHED_KINDS:
        fetched = {landing_dir.parent: FETCHED_KINDS[landing_dir.parent.name]}
        folders, root = [landing_dir], landing_dir.parent.parent
    else:
        folders = sorted(p for p in landing_dir.iterdir() if p.is_dir() and visible(p))
        fetched = {landing_dir / name: kind for name, kind in FETCHED_KINDS.items()
                   if (landing_dir / name).is_dir()}
        if folders or fetched:
            for loose in sorted(p for p in landing_dir.iterdir() if p.is_file() and visible(p)):
                warn(f"{loose}: a file in the landing root is not part of a delivery; skipped")
            root = landing_dir
        else:
            folders = [landing_dir]
            root = landing_dir.parent
        for skipped in sorted(p for p in landing_dir.iterdir() if p.is_dir()
                              and p.name.startswith("_") and p not in fetched):
            warn(f"{skipped}: not a delivery folder (a name starting with '_' is not "
                 f"loaded); skipped")
        folders += [d for parent in fetched for d in sorted(parent.iterdir())
                    if d.is_dir() and visible(d)]
    for folder in folders:
        _check_delivery_name(folder)
    files: list[LandingFile] = []
    for folder in folders:
        found: list[LandingFile] = []
        folder_kind = fetched.get(folder.parent)
        for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
            if path.is_dir():
                warn(f"{path}: sub-folder inside a delivery; skipped")
                continue
            kind = folder_kind or FILE_KINDS.get(path.suffix.lower())
            entity = kind.entity_for(path.name) if kind else None
            if kind is None or entity is None:
                known = ", ".join(sorted({e.file_name for e in ENTITIES if e.folder is None}))
                if folder_kind is not None:
                    known = f"<TICKER>{folder_kind.suffix}"
                warn(f"{path}: not a known landing file (expected one of: {known}); skipped")
                continue
            source = path.relative_to(root).as_posix()
            found.append(LandingFile(path, source, entity, kind))
        # Registry order within a delivery: reference data before activity.
        order = {e: i for i, e in enumerate(ENTITIES)}
        files.extend(sorted(found, key=lambda f: (order[f.entity], f.path.name)))
    return files


def visible(path: Path) -> bool:
    """Hidden names and side files (``_expected_errors.csv``, ``_tiingo``) are no deliveries."""
    return not path.name.startswith((".", "_"))


DELIVERY_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_delivery_name(folder: Path) -> None:
    """A delivery folder is named by its date, ``YYYY-MM-DD``: the load order is name order,
    so a name like ``2026-3-9`` (sorting after ``2026-03-10``) would change what is current."""
    name = folder.name
    try:
        valid = bool(DELIVERY_NAME.fullmatch(name)) and date.fromisoformat(name).isoformat() == name
    except ValueError:
        valid = False
    if not valid:
        raise LoadError(f"{folder}: not a delivery folder name (expected a date, YYYY-MM-DD); "
                        f"nothing loaded")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------- CSV


class CsvKind:
    """RFC 4180 CSV, UTF-8, header row naming exactly the registry's columns."""

    suffix = ".csv"

    def entity_for(self, name: str) -> Entity | None:
        return entity_for_file(name)

    def check(self, path: Path, entity: Entity) -> FormatCheck:
        return check_csv(path, entity.columns)

    def stage_duckdb(self, con: Any, path: Path, entity: Entity) -> None:
        columns = ", ".join(f"'{c}': 'VARCHAR'" for c in entity.columns)
        con.execute(f"drop table if exists {STAGE}_csv")
        con.execute(
            f"create temp table {STAGE}_csv as select * from read_csv("
            f"{_sql_text(str(path))}, header = true, auto_detect = false, "
            f"columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"', "
            f"strict_mode = true, null_padding = false, encoding = 'utf-8')"
        )
        # rowid follows insertion order (preserve_insertion_order is on for the
        # loader); the sampled comparison in _verify_stage proves it per file.
        con.execute(f"drop view if exists {STAGE}")
        con.execute(
            f"create temp view {STAGE} as select rowid + 1 as _ord, * from {STAGE}_csv"
        )

    def stage_postgres(self, cur: Any, path: Path, entity: Entity) -> None:
        cols = ", ".join(_ident(c) for c in entity.columns)
        cur.execute(
            f"create temp table {STAGE} (_ord bigserial, "
            + ", ".join(f"{_ident(c)} text" for c in entity.columns)
            + ") on commit drop"
        )
        with path.open("rb") as handle:
            cur.copy_expert(
                f"copy {STAGE} ({cols}) from stdin with (format csv, header true, "
                f"delimiter ',', quote '\"', escape '\"', encoding 'UTF8', "
                f"force_null ({cols}))",
                handle,
                size=1 << 20,
            )


def check_csv(path: Path, columns: tuple[str, ...]) -> FormatCheck:
    """Stream the file once; raise MalformedFile at the first problem.

    Python's csv module is laxer than RFC 4180 and than the engines: it keeps
    a quote inside an unquoted field (``12"3``), which PostgreSQL's COPY reads
    as the start of a quoted part, and it takes any mix of line endings. So a
    record holding a quote is checked again by ``_record_problem``, every
    record must end like the header (LF or CRLF), and a csv error is located
    by the same scan (line and column of the fault, not of the reader).
    """
    expected = len(columns)
    result = FormatCheck(rows=0)
    physical = 0
    pending: list[str] = []  # the physical lines of the record being read

    def lines(handle: Any) -> Iterator[str]:
        nonlocal physical
        for raw in handle:
            physical += 1
            if physical == 1 and raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise MalformedFile(path, 1, 1, "UTF-16 text (expected UTF-8: save the "
                                    "file as UTF-8 without BOM)")
            if b"\x00" in raw:
                raise MalformedFile(path, physical, _field_at(raw, raw.index(b"\x00")),
                                    "NUL byte (expected text)")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedFile(
                    path, physical, _field_at(raw, exc.start),
                    f"invalid UTF-8 byte 0x{raw[exc.start]:02x} (expected UTF-8 text)",
                ) from None
            pending.append(text)
            yield text

    previous_end = 0
    with path.open("rb") as handle:
        reader = csv.reader(lines(handle), strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise MalformedFile(path, 1, 1, f"empty file (expected a header row: "
                                    f"{','.join(columns)})")
            header_text = "".join(pending)
            pending.clear()
            _check_record_text(path, 1, header_text)
            _check_header(path, header, columns)
            if reader.line_num != 1:
                raise MalformedFile(path, 1, 1, "header spans several lines "
                                    "(expected one header line)")
            crlf = header_text.endswith("\r\n")
            previous_end = 1
            shift = 0
            ordinal = 0
            for record in reader:
                ordinal += 1
                start = previous_end + 1
                previous_end = reader.line_num
                text = pending[0] if len(pending) == 1 else "".join(pending)
                pending.clear()
                if '"' in text:
                    _check_record_text(path, start, text)
                if text.endswith("\n") and text.endswith("\r\n") != crlf:
                    raise MalformedFile(
                        path, previous_end, max(len(record), 1),
                        f"line ends with {'CRLF' if not crlf else 'LF'} (expected "
                        f"{'CRLF' if crlf else 'LF'} like the header, one line ending "
                        f"throughout the file)")
                if start - ordinal - 1 != shift:
                    shift = start - ordinal - 1
                    result.line_shifts.append((ordinal, shift))
                if len(record) != expected:
                    if not record:
                        raise MalformedFile(path, start, 1,
                                            f"empty line (expected {expected} fields)")
                    raise MalformedFile(
                        path, start, min(len(record), expected) + 1,
                        f"row has {len(record)} field{'s' if len(record) > 1 else ''} "
                        f"(expected {expected}: "
                        f"{','.join(columns)})",
                    )
                if ordinal % SAMPLE_EVERY == 1:
                    result.samples[ordinal] = tuple(v if v != "" else None for v in record)
                last = record
            if ordinal and ordinal not in result.samples:
                result.samples[ordinal] = tuple(v if v != "" else None for v in last)
        except csv.Error as exc:
            start = previous_end + 1
            text = "".join(pending)
            line, column = _check_record_text(path, start, text)  # raises at a fault
            if "field larger than field limit" in str(exc):
                limit = csv.field_size_limit()
                raise MalformedFile(path, start + line, column,
                                    f"field longer than {limit:,} characters (expected at "
                                    f"most {limit:,})") from None
            raise MalformedFile(path, start + line, column,
                                f"bad CSV quoting: {exc} (expected RFC 4180 quoting)") from None
    result.rows = ordinal
    return result


QUOTE_IN_FIELD = 'quote inside an unquoted field (expected the whole field quoted, "" for a quote)'


def _scan_record(text: str) -> tuple[int, int, str | None]:
    """(line offset, 1-based column, problem) of the first RFC 4180 fault in ``text``;
    with no fault, (line offset, column) where the text ends and None.

    ``text`` is one record's physical lines (or, after a csv error, what the
    reader consumed of the record). A quote opens a field only as its first
    character; inside it ``""`` is a quote and the closing quote must be
    followed by a comma or the line end; a carriage return outside quotes
    must be followed by a line feed.
    """
    line = opened_line = 0
    column = opened_column = 1
    ended = (0, 1)
    at_start, quoted = True, False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        i += 1
        if quoted:
            if c == '"':
                if i < n and text[i] == '"':
                    i += 1
                    continue
                quoted = False
                if i < n and text[i] not in ",\r\n":
                    if line > opened_line:  # most likely this field's closing quote is missing
                        return opened_line, opened_column, (
                            f"quoted field not closed on its line: the next quote, "
                            f"{line - opened_line} line(s) below, is followed by more text "
                            f"(expected a closing quote on this line)")
                    return line, column, ("character after a closing quote (expected a "
                                          "comma or the end of the line)")
            elif c == "\n":
                line += 1
        elif c == ",":
            column += 1
            at_start = True
        elif c == "\n":
            ended = line, column
            line += 1
            column = 1
            at_start = True
        elif c == "\r" and not (i < n and text[i] == "\n"):
            return line, column, ("carriage return without a line feed (expected LF or CRLF "
                                  "line endings)")
        elif c == '"':
            if not at_start:
                return line, column, QUOTE_IN_FIELD
            quoted, at_start = True, False
            opened_line, opened_column = line, column
        elif c != "\r":
            at_start = False
    if quoted:
        return opened_line, opened_column, ("quoted field never closed (expected a closing "
                                            "quote)")
    if text.endswith("\n"):  # the last line's end, not the empty line after it
        return *ended, None
    return line, column, None


def _check_record_text(path: Path, start: int, text: str) -> tuple[int, int]:
    """Raise at the first RFC 4180 fault; else (line offset, column) of the text's end."""
    line, column, problem = _scan_record(text)
    if problem is not None:
        raise MalformedFile(path, start + line, column, problem)
    return line, column


def _check_header(path: Path, header: list[str], columns: tuple[str, ...]) -> None:
    if header and header[0].startswith("\ufeff"):
        raise MalformedFile(path, 1, 1, "byte order mark before the header "
                            "(expected UTF-8 without BOM)")
    for index, (got, want) in enumerate(zip(header, columns, strict=False)):
        if got != want:
            raise MalformedFile(path, 1, index + 1,
                                f"unexpected header column '{got}' (expected '{want}')")
    if len(header) < len(columns):
        missing = columns[len(header)]
        raise MalformedFile(path, 1, len(header) + 1,
                            f"missing header column '{missing}' (expected {len(columns)} "
                            f"columns: {','.join(columns)})")
    if len(header) > len(columns):
        raise MalformedFile(path, 1, len(columns) + 1,
                            f"extra header column '{header[len(columns)]}' (expected "
                            f"{len(columns)} columns ending with '{columns[-1]}')")


def _field_at(raw: bytes, offset: int) -> int:
    """1-based CSV field number of a byte offset in one physical line."""
    prefix = raw[:offset].decode("utf-8", errors="replace")
    try:
        return max(1, len(next(csv.reader([prefix]), [""])))
    except csv.Error:
        return 1


FILE_KINDS: dict[str, FileKind] = {".csv": CsvKind()}


# --------------------------------------------------------------------------- engines


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _raw_table(entity: Entity) -> str:
    return f"{entity.raw_schema}.{entity.name}"


def _raw_ddl(entity: Entity, text_type: str) -> str:
    types = {"_line_number": "bigint", "_loaded_at": "timestamp"}
    cols = [f"{_ident(c)} {text_type}" for c in entity.columns]
    cols += [f"{c} {types.get(c, text_type)}" for c in LOAD_METADATA_COLUMNS]
    return f"create table if not exists {_raw_table(entity)} ({', '.join(cols)})"


def _audit_ddl(text_type: str) -> str:
    return (
        f"create table if not exists {AUDIT} (batch_id {text_type}, domain {text_type}, "
        f"entity {text_type}, source_file {text_type}, file_sha256 {text_type}, "
        f"row_count bigint, status {text_type}, message {text_type}, loaded_at timestamp)"
    )


class Engine:
    """The parts of a load that differ between DuckDB and PostgreSQL."""

    placeholder = "?"
    text_type = "varchar"
    raw_table_options = ""  # appended to a raw table's DDL (Spark: format, partitioning)

    def __init__(self, settings: TargetSettings) -> None:
        self.settings = settings
        self.con: Any = None

    # connection and transactions
    def open(self) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def begin(self) -> None:
        """Start the file's unit of work (PostgreSQL: the transaction, with a lock)."""
        raise NotImplementedError

    def start_write(self) -> None:
        """From here on, writes are part of the file's transaction."""

    def commit(self) -> None:
        self.con.commit()

    def rollback(self) -> None:
        with contextlib.suppress(Exception):  # the transaction may already be gone
            self.con.rollback()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def stage(self, lf: LandingFile) -> None:
        raise NotImplementedError

    def sql(self, sql: str) -> str:
        return sql.replace("?", self.placeholder)


class DuckDbEngine(Engine):
    def open(self) -> None:
        import duckdb

        path = self.settings.duckdb_path
        assert path is not None
        config = {k: v for k, v in self.settings.duckdb_settings.items()
                  if k in ("memory_limit", "threads", "temp_directory")}
        # The loader's own numbering relies on file order being kept.
        config["preserve_insertion_order"] = "true"
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path), config=config)
        except duckdb.Error as exc:
            raise LoadError(f"cannot open DuckDB file {path}: {_first_line(exc)}") from None

    def begin(self) -> None:
        """Staging happens outside the transaction: a temp table created inside
        one numbers its rows from a transaction-local rowid base."""

    def start_write(self) -> None:
        self.con.begin()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        cursor = self.con.execute(sql, list(params)) if params else self.con.execute(sql)
        try:
            return cursor.fetchall()
        except Exception:  # statements without a result
            return []

    def stage(self, lf: LandingFile) -> None:
        lf.kind.stage_duckdb(self.con, lf.path, lf.entity)

    def drop_stage(self) -> None:
        """Temp objects end with the connection, which is closed after every file."""


class PostgresEngine(Engine):
    placeholder = "%s"
    text_type = "text"

    def _connect(self, dbname: str) -> Any:
        import psycopg2

        s = self.settings
        return psycopg2.connect(host=s.host, port=s.port, user=s.user,
                                password=s.password or None, dbname=dbname,
                                connect_timeout=s.connect_timeout)

    def open(self) -> None:
        import psycopg2

        s = self.settings
        try:
            self.con = self._connect(s.dbname)
        except psycopg2.OperationalError as exc:
            if "does not exist" not in str(exc):
                raise LoadError(f"cannot connect to PostgreSQL at {s.host}:{s.port} as "
                                f"{s.user}: {_first_line(exc)}") from None
            self._create_database()
            self.con = self._connect(s.dbname)
        self.con.set_client_encoding("UTF8")

    def _create_database(self) -> None:
        import psycopg2
        from psycopg2 import errors

        s = self.settings
        try:
            admin = self._connect("postgres")
        except psycopg2.OperationalError as exc:
            raise LoadError(f"database {s.dbname} does not exist and cannot connect to the "
                            f"maintenance database to create it: {_first_line(exc)}") from None
        admin.autocommit = True
        try:
            with admin.cursor() as cur:
                cur.execute(f"create database {_ident(s.dbname)}")
        except errors.DuplicateDatabase:
            pass
        finally:
            admin.close()

    def begin(self) -> None:
        # psycopg2 opens a transaction on the first statement.
        self.execute("select pg_advisory_xact_lock(hashtext('ledgerhouse.load'))")

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.con.cursor() as cur:
            cur.execute(sql, params or None)
            return cur.fetchall() if cur.description else []

    def stage(self, lf: LandingFile) -> None:
        with self.con.cursor() as cur:
            lf.kind.stage_postgres(cur, lf.path, lf.entity)

    def drop_stage(self) -> None:
        """Temp tables are ``on commit drop``."""


def engine_for(settings: TargetSettings) -> Engine:
    if settings.type == "spark":
        from ledgerhouse.load_spark import SparkEngine

        return SparkEngine(settings)
    return DuckDbEngine(settings) if settings.type == "duckdb" else PostgresEngine(settings)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --------------------------------------------------------------------------- the load


@dataclass
class LoadSummary:
    loaded: int = 0
    skipped: int = 0
    rows: int = 0
    seconds: float = 0.0
    files: list[tuple[str, str, int]] = field(default_factory=list)  # source, status, rows


def line_ranges(check: FormatCheck) -> list[tuple[int, int, int]]:
    """(first record, last record, line shift) for the records after each
    multi-line quoted field: a record's physical line is ``ordinal + 1 + shift``."""
    bounds = [*check.line_shifts, (check.rows + 1, 0)]
    return [(a, b - 1, shift) for (a, shift), (b, _) in itertools.pairwise(bounds)]


def compare_stage(lf: LandingFile, check: FormatCheck, count: int,
                  found: dict[int, tuple[Any, ...]]) -> None:
    """The engine's row count and sampled rows (by 1-based ordinal) equal the
    format check's pass: the engine read the file whole and numbered it in file order."""
    if count != check.rows:
        raise LoadError(f"{lf.path}: the engine read {count} rows, the format check "
                        f"{check.rows} (expected the same)")
    for ordinal in sorted(check.samples):
        if found.get(ordinal) != check.samples[ordinal]:
            raise LoadError(f"{lf.path}: row {ordinal} read by the engine differs from "
                            f"the file (expected rows in file order)")


class Loader:
    def __init__(self, settings: TargetSettings, out: Callable[[str], None],
                 warn: Callable[[str], None]) -> None:
        self.settings = settings
        self.engine = engine_for(settings)
        self.out = out
        self.warn = warn
        self.last_loaded_at: datetime | None = None
        self.prepared: set[str] = set()

    def _prepare(self, entity: Entity) -> None:
        """Schemas and tables, created if missing (outside the file's transaction)."""
        e = self.engine
        if not self.prepared:
            e.execute(f"create schema if not exists {AUDIT_SCHEMA}")
            e.execute(_audit_ddl(e.text_type))
            # the PII salt for dbt's pii_token, from this run's environment
            postgres = isinstance(e, PostgresEngine)
            for sql, params in salt_statements(e.text_type, postgres, None):
                e.execute(e.sql(sql), params)
            stored = e.execute(f"select salt from {SALT_TABLE}")
            salt, warning = salt_to_write(stored[0][0] if stored else None, salt_from_env())
            if warning:
                self.warn(warning)
            if salt is not None:
                for sql, params in salt_statements(e.text_type, postgres, salt)[1:]:
                    e.execute(e.sql(sql), params)
        if entity.domain not in self.prepared:
            # Every raw table of the domain, not only this file's: a delivery
            # may hold any subset of the files, and the staging views read all
            # of them, so a table must exist (empty) before its first file.
            e.execute(f"create schema if not exists {entity.raw_schema}")
            for sibling in ENTITIES:
                if sibling.domain == entity.domain:
                    e.execute(_raw_ddl(sibling, e.text_type) + e.raw_table_options)
        self.prepared.update({entity.name, entity.domain, "_audit"})
        if isinstance(e, PostgresEngine):
            e.commit()

    def _audit_latest(self) -> datetime | None:
        """The latest loaded_at in the audit (None when it is empty)."""
        rows = self.engine.execute(f"select max(loaded_at) from {AUDIT}")
        return rows[0][0] if rows else None

    def _loaded_at(self) -> datetime:
        """Now (UTC), strictly after every earlier load recorded in the audit."""
        latest = self._audit_latest()
        now = datetime.now(UTC).replace(tzinfo=None)
        for earlier in (latest, self.last_loaded_at):
            if earlier is not None and now <= earlier:
                now = earlier + timedelta(microseconds=1)
        self.last_loaded_at = now
        return now

    def _audit(self, batch_id: str, lf: LandingFile, sha: str, rows: int | None, status: str,
               message: str, loaded_at: datetime) -> None:
        e = self.engine
        e.execute(
            e.sql(f"insert into {AUDIT} ({', '.join(AUDIT_COLUMNS)}) "
                  f"values (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            (batch_id, lf.entity.domain, lf.entity.name, lf.source_file, sha, rows, status,
             message, loaded_at),
        )

    def _previous_load(self, lf: LandingFile, sha: str) -> list[tuple[Any, ...]]:
        """(batch_id, source_file, row_count) of this path's latest load if it had this content.

        Idempotency is per delivered file: the same path with the same bytes
        as its latest load is skipped. The same bytes under another path (a
        later delivery folder, another ticker's file) are a delivery of their
        own, and a path whose content changed and changed back (A, B, A) loads
        A again, so the latest delivery stays current.
        """
        e = self.engine
        rows = e.execute(
            e.sql(f"select batch_id, source_file, row_count, file_sha256 from {AUDIT} "
                  f"where domain = ? and entity = ? and source_file = ? and status = 'loaded' "
                  f"order by loaded_at desc limit 1"),
            (lf.entity.domain, lf.entity.name, lf.source_file),
        )
        return [tuple(rows[0][:3])] if rows and rows[0][3] == sha else []

    def load_file(self, lf: LandingFile, summary: LoadSummary) -> None:
        e = self.engine
        started = time.monotonic()
        self._prepare(lf.entity)
        try:
            sha = file_sha256(lf.path)
        except OSError as exc:  # e.g. a broken symlink, a file without read permission
            message = (f"{lf.path}: cannot read the file: {exc.strerror or exc} (expected a "
                       f"readable file)")
            self._reject(lf, "", message)
            raise LoadError(message) from None
        batch_id = uuid.uuid4().hex
        e.begin()
        try:
            previous = self._previous_load(lf, sha)
            if previous:
                batch, _, count = previous[0]
                message = f"already loaded as batch {batch} ({count} rows), unchanged since"
                e.start_write()
                self._audit(batch_id, lf, sha, 0, "skipped_already_loaded", message,
                            self._loaded_at())
                e.commit()
                summary.skipped += 1
                summary.files.append((lf.source_file, "skipped_already_loaded", 0))
                self.out(f"skipped  {lf.source_file}: {message}")
                return
            try:
                check = lf.kind.check(lf.path, lf.entity)
            except MalformedFile as exc:
                e.rollback()
                self._reject(lf, sha, str(exc))
                raise
            if check.rows:
                self._stage_and_verify(lf, check)
            e.start_write()
            self._write_loaded(lf, check, batch_id, sha, self._loaded_at())
            e.drop_stage()
            e.commit()
        except (MalformedFile, LoadAborted):
            raise
        except LoadError as exc:
            e.rollback()
            self._reject(lf, sha, str(exc))
            raise
        except Exception as exc:
            e.rollback()
            message = f"{lf.path}: cannot load: {_first_line(exc)}"
            self._reject(lf, sha, message)
            raise LoadError(message) from None
        summary.loaded += 1
        summary.rows += check.rows
        summary.files.append((lf.source_file, "loaded", check.rows))
        self._report(lf, check.rows, time.monotonic() - started)

    def _report(self, lf: LandingFile, rows: int, seconds: float) -> None:
        """The progress line of a file whose rows and audit row are written."""
        self.out(f"loaded   {lf.source_file} -> {_raw_table(lf.entity)} "
                 f"({rows:,} rows, {seconds:.1f}s)")

    def _reject(self, lf: LandingFile, sha: str, message: str) -> None:
        e = self.engine
        e.rollback()
        try:
            e.begin()
            e.start_write()
            self._audit(uuid.uuid4().hex, lf, sha, 0, "rejected", message, self._loaded_at())
            e.commit()
        except Exception:  # the refusal itself is what the user must see
            e.rollback()

    def _stage_and_verify(self, lf: LandingFile, check: FormatCheck) -> None:
        """The file in the engine's stage, proven equal to the format check's pass."""
        self.engine.stage(lf)
        self._verify_stage(lf, check)

    def _write_loaded(self, lf: LandingFile, check: FormatCheck, batch_id: str, sha: str,
                      loaded_at: datetime) -> None:
        """The file's rows, then its ``loaded`` audit row (one transaction here)."""
        if check.rows:
            self._insert(lf, check, batch_id, sha, loaded_at)
        self._audit(batch_id, lf, sha, check.rows, "loaded", "", loaded_at)

    def _verify_stage(self, lf: LandingFile, check: FormatCheck) -> None:
        """Row count and sampled rows equal the Python pass: the numbering is file order."""
        e = self.engine
        count = e.execute(f"select count(*) from {STAGE}")[0][0]
        found: dict[int, tuple[Any, ...]] = {}
        if check.samples and count == check.rows:
            cols = ", ".join(_ident(c) for c in lf.entity.columns)
            ordinals = ", ".join(map(str, sorted(check.samples)))
            got = e.execute(f"select _ord, {cols} from {STAGE} where _ord in ({ordinals})")
            found = {row[0]: tuple(row[1:]) for row in got}
        compare_stage(lf, check, count, found)

    def _insert(self, lf: LandingFile, check: FormatCheck, batch_id: str, sha: str,
                loaded_at: datetime) -> None:
        e = self.engine
        cols = ", ".join(_ident(c) for c in lf.entity.columns)
        line = "s._ord + 1"
        join = ""
        if check.line_shifts:
            # Records after a multi-line quoted field start further down the file.
            e.execute(f"drop table if exists {LINE_MAP}")
            e.execute(f"create temp table {LINE_MAP} (from_ord bigint, to_ord bigint, "
                      f"shift bigint)")
            values = ", ".join(f"({a}, {b}, {shift})" for a, b, shift in line_ranges(check))
            e.execute(f"insert into {LINE_MAP} values {values}")
            line = "s._ord + 1 + coalesce(m.shift, 0)"
            join = f" left join {LINE_MAP} m on s._ord between m.from_ord and m.to_ord"
        select_cols = ", ".join(f"s.{_ident(c)}" for c in lf.entity.columns)
        e.execute(
            e.sql(
                f"insert into {_raw_table(lf.entity)} ({cols}, {', '.join(LOAD_METADATA_COLUMNS)}) "
                f"select {select_cols}, ?, ?, {line}, ?, cast(? as timestamp) "
                f"from {STAGE} s{join}"
            ),
            (batch_id, lf.source_file, sha, loaded_at),
        )

    def _finish(self) -> None:
        """Writes a loader defers to the end of the run: none here (each file is
        one transaction); the Spark loader writes its last batch."""

    def run(self, landing_dir: Path) -> LoadSummary:
        files = discover(landing_dir, self.warn)
        summary = LoadSummary()
        started = time.monotonic()
        if not files:
            self.warn(f"{landing_dir}: no landing files found")
        if not files:
            summary.seconds = time.monotonic() - started
            return summary
        # One connection for the run, closed as soon as the last file is done
        # (or the first one fails): DuckDB allows one writing process per
        # database file, so nothing else can write while it is open.
        self.engine.open()
        try:
            for lf in files:
                self.load_file(lf, summary)
            self._finish()
        finally:
            self.engine.close()
            self.prepared.clear()
        summary.seconds = time.monotonic() - started
        return summary


def load(landing_dir: Path, settings: TargetSettings, out: Callable[[str], None] = print,
         warn: Callable[[str], None] = print) -> LoadSummary:
    """Load every landing file under ``landing_dir`` into ``settings``' warehouse."""
    if settings.type == "spark":
        from ledgerhouse.load_spark import SparkLoader

        return SparkLoader(settings, out, warn).run(landing_dir)
    return Loader(settings, out, warn).run(landing_dir)
