"""Loading on Spark: the same loader (``ledgerhouse.load``) with a PySpark engine.

One local SparkSession per CLI call, built from the profile's
``server_side_parameters`` (master, warehouse dir, Derby metastore), so dbt
and the loader see the same tables. ``raw_<domain>.<entity>`` and
``raw_meta.load_audit`` are parquet tables; column names, all-text entity
columns and the load metadata are the same as on DuckDB and PostgreSQL.

Parquet tables have no transactions, so a file's unit of work is made
idempotent instead of atomic (DECISIONLOG, docs/spark.md):

* every raw table is partitioned by ``(_source_file, _file_sha256)``; a
  file's rows are written with ``insert overwrite`` of its own partition
  (dynamic partition overwrite), then its audit row (``loaded``) is appended;
  files are written in batches, one ``insert overwrite`` per entity and batch
  (``SparkLoader``);
* a crash between the two leaves partitions without audit rows; the retry
  finds no ``loaded`` row for the path with that sha256, loads the file again
  and overwrites its partition: rows are never duplicated;
* the format check runs before anything is written, as on the other engines,
  so a malformed file leaves nothing behind but its ``rejected`` audit row.

Because partition columns come last in a Spark table, ``_source_file`` and
``_file_sha256`` are the table's last columns here (staging reads columns by
name). Two Spark
processes must not share one Derby metastore: run the loader and dbt one
after the other.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledgerhouse.entities import LOAD_METADATA_COLUMNS
from ledgerhouse.load import (
    AUDIT,
    AUDIT_COLUMNS,
    STAGE,
    Engine,
    FormatCheck,
    LandingFile,
    LoadAborted,
    Loader,
    LoadError,
    LoadSummary,
    _first_line,
    _ident,
    _raw_table,
    compare_stage,
    line_ranges,
)

# One partition per delivered file: its path and its content.
PARTITIONS = ("_source_file", "_file_sha256")


class SparkEngine(Engine):
    """PySpark SQL with ``?`` parameters; no transactions (see the module docstring)."""

    text_type = "string"
    raw_table_options = f" using parquet partitioned by ({', '.join(PARTITIONS)})"
    insert_verb = "insert overwrite"
    _staged: Any = None  # the persisted stage frame of the file being loaded

    def open(self) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # pyspark about pandas 3
                from pyspark.sql import SparkSession
        except ImportError:  # pragma: no cover - pyspark is in the lock file
            raise LoadError("the spark target needs pyspark (pip install -r "
                            "requirements/lock.txt)") from None
        builder = SparkSession.builder.appName("ledgerhouse-load").enableHiveSupport()
        for key, value in self.settings.spark_conf.items():
            builder = builder.config(key, value)
        # The loader's SQL quotes identifiers with double quotes (as on the
        # other engines) and writes one partition per file.
        builder = builder.config("spark.sql.ansi.enabled", "true")
        builder = builder.config("spark.sql.ansi.doubleQuotedIdentifiers", "true")
        builder = builder.config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        builder = builder.config("spark.ui.showConsoleProgress", "false")
        try:
            with _jvm_stderr_to_devnull():
                self.con = builder.getOrCreate()
        except Exception as exc:
            raise LoadError(f"cannot start Spark ({self.settings.describe()}): "
                            f"{_first_line(exc)}") from None
        self.con.sparkContext.setLogLevel("ERROR")

    def close(self) -> None:
        if self.con is not None:
            self.con.stop()
            self.con = None

    def begin(self) -> None:
        """No transactions: idempotent partition overwrite instead."""

    def commit(self) -> None:
        """Every statement is durable when it returns."""

    def rollback(self) -> None:
        """Nothing to undo: a partly written partition is overwritten on retry."""

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        args = [_to_spark(p) for p in params]
        frame = self.con.sql(sql, args=args) if args else self.con.sql(sql)
        return [tuple(_from_spark(v) for v in row) for row in frame.collect()]

    def stage(self, lf: LandingFile) -> None:
        """Temp view ``_lh_stage`` of one file (see ``stage_many``)."""
        self.stage_many([lf])

    def stage_many(self, files: list[LandingFile]) -> None:
        """Temp view ``_lh_stage(_fidx, _ord, <entity columns>)`` of several files
        of one entity: ``_fidx`` is the file's index in ``files``, ``_ord`` its
        record number, 1-based in file order.

        Each file is read as one partition (``multiLine``) and numbered on its
        own, so the generated id follows the file; the loader proves the order
        on sampled rows of every file (``compare_stage``)."""
        from functools import reduce

        from pyspark.sql import DataFrame
        from pyspark.sql import functions as F

        frames = [self._file_frame(lf).select(F.lit(i).alias("_fidx"), "*")
                  for i, lf in enumerate(files)]
        # The check, the sampled rows and the insert read the stage: parse
        # and number the files once, not three times.
        self._staged = reduce(DataFrame.union, frames).persist()
        self._staged.createOrReplaceTempView(STAGE)

    def _file_frame(self, lf: LandingFile) -> Any:
        """``(_ord, <entity columns>)`` of one file, all text, empty field = null."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import LongType, StringType, StructField, StructType
        from pyspark.sql.window import Window

        columns = lf.entity.columns
        schema = StructType([StructField(c, StringType(), True) for c in columns])
        if lf.kind.suffix != ".csv":
            # One JSON document (an API response): its records, parsed in Python.
            from ledgerhouse.load_json import read_records

            rows = [(i, *r) for i, r in enumerate(read_records(lf.path, lf.entity), start=1)]
            ordinal = StructType([StructField("_ord", LongType(), False), *schema.fields])
            return self.con.createDataFrame(rows, ordinal)
        frame = (
            self.con.read.option("header", True).option("multiLine", True)
            .option("quote", '"').option("escape", '"').option("encoding", "UTF-8")
            .option("mode", "FAILFAST").option("enforceSchema", True)
            .schema(schema).csv(str(lf.path))
        )
        order = Window.orderBy(F.monotonically_increasing_id())
        return frame.select(
            F.row_number().over(order).cast("bigint").alias("_ord"),
            # empty field = null, quoted or not (as on the other engines)
            *[F.when(F.col(c) != "", F.col(c)).alias(c) for c in columns],
        )

    def drop_stage(self) -> None:
        self.con.catalog.dropTempView(STAGE)
        if self._staged is not None:
            self._staged.unpersist()
            self._staged = None


@contextlib.contextmanager
def _jvm_stderr_to_devnull() -> Iterator[None]:
    """The JVM started here inherits a silenced stderr for its whole life.

    Spark's log4j console output (start-up banner, WARN lines) would bury
    the CLI's one-line messages; Spark's errors still reach Python as
    exceptions, which the loader reports in one line."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _to_spark(value: Any) -> Any:
    # Naive datetimes here mean UTC; PySpark reads a naive one as local time.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _from_spark(value: Any) -> Any:
    # PySpark returns timestamps as naive local time: back to naive UTC.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def spark_mart_counts(settings: Any, schemas: tuple[str, ...]) -> list[tuple[str, str, int]]:
    """(schema.relation, table|view, row count) of every relation in ``schemas``
    (``ledgerhouse summary --target spark``); a missing schema has none."""
    engine = SparkEngine(settings)
    engine.open()
    try:
        existing = {row[0] for row in engine.execute("show databases")}
        result = []
        for schema in (s for s in schemas if s in existing):
            views = {row[1] for row in engine.execute(f"show views in {schema}")}
            for row in sorted(engine.execute(f"show tables in {schema}"), key=lambda r: r[1]):
                name = row[1]
                count = engine.execute(f"select count(*) from {schema}.{name}")[0][0]
                result.append((f"{schema}.{name}", "view" if name in views else "table", count))
        return result
    finally:
        engine.close()


@dataclass(frozen=True)
class _Pending:
    """A checked file whose rows and ``loaded`` audit row wait for the batch write."""

    lf: LandingFile
    check: FormatCheck
    batch_id: str
    sha: str
    loaded_at: datetime


# A batch is written when it holds this many files (all entities together;
# LEDGERHOUSE_SPARK_LOAD_BATCH_FILES overrides it) or this many rows.
BATCH_FILES = 100
BATCH_ROWS = 2_000_000


def batch_files_setting() -> int:
    """``LEDGERHOUSE_SPARK_LOAD_BATCH_FILES`` (a positive integer), else BATCH_FILES."""
    text = os.environ.get("LEDGERHOUSE_SPARK_LOAD_BATCH_FILES", "").strip()
    if not text:
        return BATCH_FILES
    if not text.isdigit() or int(text) < 1:
        raise LoadError(f"LEDGERHOUSE_SPARK_LOAD_BATCH_FILES={text!r}: expected a positive "
                        f"integer (files per Spark load batch)")
    return int(text)


class SparkLoader(Loader):
    """The loader with a SparkEngine, writing checked files in batches.

    Every query is a Spark job (about half a second locally, whatever its
    size), so the work the generic loader does per file is done per batch
    here: files are checked one by one as everywhere (format check, already
    loaded?, batch id, strictly increasing ``_loaded_at``; progress line
    ``checked``), then a batch of up to ``LEDGERHOUSE_SPARK_LOAD_BATCH_FILES``
    files (all entities together; or ``BATCH_ROWS`` rows) is staged, proven
    equal to the checks, and written with ONE ``insert overwrite`` per entity,
    each file into its own ``_file_sha256`` partition (progress line
    ``loaded`` per file); then the batch's audit rows are appended in one
    insert. A crash between the two leaves partitions without audit rows,
    which the retry overwrites, so rows are never duplicated (the per-file
    guarantee, per batch).

    Failures: a batch that cannot be written gets a ``rejected`` audit row
    for each of its unwritten files and stops the run with one line
    (``LoadAborted``); a malformed file, or any other error while checking a
    file, first writes the batch before it, so the files checked before it
    are loaded as on the other engines.

    The audit's loaded files and its latest load time are read once per run
    and kept in memory. That is safe because a Derby metastore admits one
    Spark process at a time (docs/spark.md), so no other loader can write the
    audit during the run.
    """

    # (domain, entity, source_file) -> (sha256, batch_id, source_file, row_count)
    # of the path's latest load
    _loaded_files: dict[tuple[str, str, str], tuple[Any, ...]] | None = None

    def run(self, landing_dir: Path) -> LoadSummary:
        self._loaded_files = None
        self.last_loaded_at = None
        self._pending: list[_Pending] = []
        self._audit_rows: list[tuple[Any, ...]] = []
        self.batch_files = batch_files_setting()
        return super().run(landing_dir)

    def load_file(self, lf: LandingFile, summary: LoadSummary) -> None:
        try:
            super().load_file(lf, summary)
        except LoadError:
            raise  # rejected (after the batch before it) or LoadAborted
        except Exception:
            # outside the file's own handling (reading it, creating tables):
            # the files checked before it are still written
            with contextlib.suppress(LoadError):
                self._write_batch()
            raise
        if len(self._audit_rows) >= self.batch_files:  # e.g. a re-run of skipped files
            self._write_batch()

    def _report(self, lf: LandingFile, rows: int, seconds: float) -> None:
        self.out(f"checked  {lf.source_file} ({rows:,} rows, {seconds:.1f}s)")

    def _previous_load(self, lf: LandingFile, sha: str) -> list[tuple[Any, ...]]:
        if self._loaded_files is None:
            self._loaded_files = {}
            for domain, entity, source, *latest in self.engine.execute(
                f"select domain, entity, source_file, file_sha256, batch_id, source_file, "
                f"row_count from {AUDIT} where status = 'loaded' order by loaded_at"
            ):
                self._loaded_files[(domain, entity, source)] = tuple(latest)
        hit = self._loaded_files.get((lf.entity.domain, lf.entity.name, lf.source_file))
        return [hit[1:]] if hit and hit[0] == sha else []

    def _audit_latest(self) -> datetime | None:
        if self.last_loaded_at is not None:  # read once per run; later ones are ours
            return None
        return super()._audit_latest()

    def _audit(self, batch_id: str, lf: LandingFile, sha: str, rows: int | None, status: str,
               message: str, loaded_at: datetime) -> None:
        """Kept for the next audit write (``_write_audit``)."""
        self._audit_rows.append((batch_id, lf.entity.domain, lf.entity.name, lf.source_file,
                                 sha, rows, status, message, _to_spark(loaded_at)))

    def _write_audit(self) -> None:
        rows = self._audit_rows
        if rows:
            marks = ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?, ?)"] * len(rows))
            self.engine.execute(f"insert into {AUDIT} ({', '.join(AUDIT_COLUMNS)}) "
                                f"values {marks}", tuple(v for row in rows for v in row))
            self._audit_rows = []

    def _stage_and_verify(self, lf: LandingFile, check: FormatCheck) -> None:
        """Deferred to the batch write (``_write_batch``)."""

    def _write_loaded(self, lf: LandingFile, check: FormatCheck, batch_id: str, sha: str,
                      loaded_at: datetime) -> None:
        self._pending.append(_Pending(lf, check, batch_id, sha, loaded_at))
        if self._loaded_files is not None:
            self._loaded_files[(lf.entity.domain, lf.entity.name, lf.source_file)] = (
                sha, batch_id, lf.source_file, check.rows)
        if (len(self._pending) >= self.batch_files
                or sum(p.check.rows for p in self._pending) >= BATCH_ROWS):
            self._write_batch()

    def _reject(self, lf: LandingFile, sha: str, message: str) -> None:
        try:
            self._write_batch()  # the checked files before this one are loaded
        except LoadAborted as exc:  # recorded in the audit; this file's refusal comes first
            self.warn(str(exc))
        super()._reject(lf, sha, message)
        with contextlib.suppress(Exception):  # the refusal itself is what the user must see
            self._write_audit()

    def _finish(self) -> None:
        self._write_batch()

    def _write_batch(self) -> None:
        """The pending files, one insert per entity, then every queued audit row."""
        pending, self._pending = self._pending, []
        written: set[str] = set()
        try:
            for key in dict.fromkeys((p.lf.entity.domain, p.lf.entity.name) for p in pending):
                files = [p for p in pending if (p.lf.entity.domain, p.lf.entity.name) == key]
                self._write_entity(files)
                for p in files:
                    self._audit(p.batch_id, p.lf, p.sha, p.check.rows, "loaded", "", p.loaded_at)
                    written.add(p.batch_id)
            self._write_audit()
        except Exception as exc:
            self._abort_batch([p for p in pending if p.batch_id not in written], exc)

    def _write_entity(self, files: list[_Pending]) -> None:
        """One entity's files of the batch (zero-row files have only their audit row)."""
        with_rows = [p for p in files if p.check.rows]
        if with_rows:
            started = time.monotonic()
            self.engine.stage_many([p.lf for p in with_rows])
            try:
                self._verify_batch(with_rows)
                self._insert_batch(with_rows)
            finally:
                self.engine.drop_stage()
            self.out(f"wrote    {len(with_rows)} file(s) -> "
                     f"{_raw_table(with_rows[0].lf.entity)} in one insert "
                     f"({sum(p.check.rows for p in with_rows):,} rows, "
                     f"{time.monotonic() - started:.1f}s)")
        for p in files:
            self.out(f"loaded   {p.lf.source_file} -> {_raw_table(p.lf.entity)} "
                     f"({p.check.rows:,} rows)")

    def _abort_batch(self, unwritten: list[_Pending], exc: Exception) -> None:
        """``rejected`` rows for the batch's unwritten files, then one line to the user."""
        reason = str(exc) if isinstance(exc, LoadError) else _first_line(exc)
        if not unwritten:  # every file written: only the audit insert failed
            raise LoadAborted(f"cannot write the load audit ({reason}); the files are "
                              f"written and a new load writes them again") from None
        message = (f"{unwritten[0].lf.path}: cannot load the batch of {len(unwritten)} "
                   f"file(s) it starts (none of them written): {reason}")
        # A skip never points at a pending file: a run meets each path once,
        # and a skip is a path whose latest load was written in an earlier run.
        for p in unwritten:
            self._audit(uuid.uuid4().hex, p.lf, p.sha, 0, "rejected", message, p.loaded_at)
        with contextlib.suppress(Exception):
            self._write_audit()
        raise LoadAborted(message) from None

    def _verify_batch(self, files: list[_Pending]) -> None:
        """Every staged file's row count and sampled rows equal its format check."""
        e = self.engine
        counts = dict(e.execute(f"select _fidx, count(*) from {STAGE} group by _fidx"))
        wanted = " or ".join(
            f"(_fidx = {i} and _ord in ({', '.join(map(str, sorted(p.check.samples)))}))"
            for i, p in enumerate(files) if p.check.samples)
        found: dict[int, dict[int, tuple[Any, ...]]] = {}
        if wanted:
            cols = ", ".join(_ident(c) for c in files[0].lf.entity.columns)
            for fidx, ordinal, *values in e.execute(
                    f"select _fidx, _ord, {cols} from {STAGE} where {wanted}"):
                found.setdefault(fidx, {})[ordinal] = tuple(values)
        for i, p in enumerate(files):
            compare_stage(p.lf, p.check, counts.get(i, 0), found.get(i, {}))

    def _insert_batch(self, files: list[_Pending]) -> None:
        """One ``insert overwrite``: each file's rows into its own partition."""
        entity = files[0].lf.entity
        params: list[Any] = []
        for i, p in enumerate(files):
            params += [i, p.batch_id, p.lf.source_file, _to_spark(p.loaded_at), p.sha]
        marks = ", ".join(["(?, ?, ?, ?, ?)"] * len(files))
        join = (f" join (select * from values {marks} "
                f"as t(_fidx, batch_id, source_file, loaded_at, sha)) f on s._fidx = f._fidx")
        line = "s._ord + 1"
        # Records after a multi-line quoted field start further down the file.
        shifts = [(i, *r) for i, p in enumerate(files) if p.check.line_shifts
                  for r in line_ranges(p.check)]
        if shifts:
            values = ", ".join(f"({i}, {a}, {b}, {shift})" for i, a, b, shift in shifts)
            line = "s._ord + 1 + coalesce(m.shift, 0)"
            join += (f" left join (select * from values {values} "
                     f"as t(_fidx, from_ord, to_ord, shift)) m on s._fidx = m._fidx "
                     f"and s._ord between m.from_ord and m.to_ord")
        # the partition columns last, in the table's order
        values = {"_batch_id": "f.batch_id", "_source_file": "f.source_file",
                  "_line_number": f"cast({line} as bigint)",
                  "_file_sha256": "f.sha", "_loaded_at": "cast(f.loaded_at as timestamp)"}
        meta = [c for c in LOAD_METADATA_COLUMNS if c not in PARTITIONS] + list(PARTITIONS)
        cols = ", ".join(_ident(c) for c in (*entity.columns, *meta))
        select_cols = ", ".join([*(f"s.{_ident(c)}" for c in entity.columns),
                                 *(values[c] for c in meta)])
        self.engine.execute(
            f"insert overwrite {_raw_table(entity)} ({cols}) "
            f"select {select_cols} from {STAGE} s{join}",
            tuple(params),
        )
