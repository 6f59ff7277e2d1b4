"""Loading on Spark: the same loader (``ledgerhouse.load``) with a PySpark engine.

One local SparkSession per CLI call, built from the profile's
``server_side_parameters`` (master, warehouse dir, Derby metastore), so dbt
and the loader see the same tables. ``raw_<domain>.<entity>`` and
``raw_meta.load_audit`` are parquet tables; column names, all-text entity
columns and the load metadata are the same as on DuckDB and PostgreSQL.

Parquet tables have no transactions, so a file's unit of work is made
idempotent instead of atomic (DECISIONLOG, docs/spark.md):

* every raw table is partitioned by ``_file_sha256``; a file's rows are
  written with ``insert overwrite`` of its own partition (dynamic partition
  overwrite), then its audit row (``loaded``) is appended;
* a crash between the two leaves the partition without an audit row; the
  retry finds no ``loaded`` row for (entity, sha256), loads the file again and
  overwrites the partition: rows are never duplicated;
* the format check runs before anything is written, as on the other engines,
  so a malformed file leaves nothing behind but its ``rejected`` audit row.

Because the partition column comes last in a Spark table, ``_file_sha256`` is
the table's last column here (staging reads columns by name). Two Spark
processes must not share one Derby metastore: run the loader and dbt one
after the other.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledgerhouse.entities import LOAD_METADATA_COLUMNS
from ledgerhouse.load import (
    AUDIT,
    STAGE,
    Engine,
    FormatCheck,
    LandingFile,
    Loader,
    LoadError,
    LoadSummary,
    _first_line,
    _ident,
    _raw_table,
)

PARTITION = "_file_sha256"


class SparkEngine(Engine):
    """PySpark SQL with ``?`` parameters; no transactions (see the module docstring)."""

    text_type = "string"
    raw_table_options = f" using parquet partitioned by ({PARTITION})"
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
        """Temp view ``_lh_stage(_ord, <entity columns>)``, _ord 1-based in file order.

        One partition per file (``multiLine``), so the generated id follows
        the file; ``Loader._verify_stage`` proves the order on sampled rows."""
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
            self.con.createDataFrame(rows, ordinal).createOrReplaceTempView(STAGE)
            return
        frame = (
            self.con.read.option("header", True).option("multiLine", True)
            .option("quote", '"').option("escape", '"').option("encoding", "UTF-8")
            .option("mode", "FAILFAST").option("enforceSchema", True)
            .schema(schema).csv(str(lf.path))
        )
        order = Window.orderBy(F.monotonically_increasing_id())
        frame = frame.select(
            F.row_number().over(order).cast("bigint").alias("_ord"),
            # empty field = null, quoted or not (as on the other engines)
            *[F.when(F.col(c) != "", F.col(c)).alias(c) for c in columns],
        )
        # The check, the sampled rows and the insert read the stage: parse
        # and number the file once, not three times.
        self._staged = frame.persist()
        self._staged.createOrReplaceTempView(STAGE)

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


class SparkLoader(Loader):
    """The loader with a SparkEngine and a partition-overwriting insert.

    Every query is a Spark job (about a second locally), so what the generic
    loader asks per file is asked once per run here: the audit's loaded
    files and its latest load time are read at the first file and then kept
    up to date in memory. That is safe because a Derby metastore admits one
    Spark process at a time (docs/spark.md), so no other loader can write
    the audit during the run.
    """

    _loaded_files: dict[tuple[str, str, str], tuple[Any, ...]] | None = None

    def run(self, landing_dir: Path) -> LoadSummary:
        self._loaded_files = None
        self.last_loaded_at = None
        return super().run(landing_dir)

    def _previous_load(self, lf: LandingFile, sha: str) -> list[tuple[Any, ...]]:
        if self._loaded_files is None:
            self._loaded_files = {}
            for domain, entity, file_sha, *first in self.engine.execute(
                f"select domain, entity, file_sha256, batch_id, source_file, row_count "
                f"from {AUDIT} where status = 'loaded' order by loaded_at"
            ):
                self._loaded_files.setdefault((domain, entity, file_sha), tuple(first))
        hit = self._loaded_files.get((lf.entity.domain, lf.entity.name, sha))
        return [hit] if hit else []

    def _audit(self, batch_id: str, lf: LandingFile, sha: str, rows: int | None, status: str,
               message: str, loaded_at: datetime) -> None:
        super()._audit(batch_id, lf, sha, rows, status, message, loaded_at)
        if status == "loaded" and self._loaded_files is not None:
            self._loaded_files.setdefault((lf.entity.domain, lf.entity.name, sha),
                                          (batch_id, lf.source_file, rows))

    def _audit_latest(self) -> datetime | None:
        if self.last_loaded_at is not None:  # read once per run; later ones are ours
            return None
        return super()._audit_latest()

    def _insert(self, lf: LandingFile, check: FormatCheck, batch_id: str, sha: str,
                loaded_at: datetime) -> None:
        e = self.engine
        line = "s._ord + 1"
        join = ""
        if check.line_shifts:
            # Records after a multi-line quoted field start further down the file.
            bounds = [*check.line_shifts, (check.rows + 1, 0)]
            values = ", ".join(f"({a}, {b - 1}, {shift})"
                               for (a, shift), (b, _) in itertools.pairwise(bounds))
            line = "s._ord + 1 + coalesce(m.shift, 0)"
            join = (f" left join (select * from values {values} as t(from_ord, to_ord, shift))"
                    f" m on s._ord between m.from_ord and m.to_ord")
        meta = [c for c in LOAD_METADATA_COLUMNS if c != PARTITION]
        cols = ", ".join(_ident(c) for c in (*lf.entity.columns, *meta, PARTITION))
        select_cols = ", ".join(f"s.{_ident(c)}" for c in lf.entity.columns)
        e.execute(
            f"insert overwrite {_raw_table(lf.entity)} ({cols}) "
            f"select {select_cols}, ?, ?, cast({line} as bigint), cast(? as timestamp), ? "
            f"from {STAGE} s{join}",
            (batch_id, lf.source_file, loaded_at.isoformat(sep=" "), sha),
        )
