"""The ``ledgerhouse`` command line: generate sample data, load it, summarise the marts.

Every error a user can act on is one line on stderr, ``error: ...``, with exit
code 2; nothing prints a traceback (set ``LEDGERHOUSE_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from ledgerhouse import __version__
from ledgerhouse.argtypes import iso_date, whole_number

DOMAINS = ("brokerage", "portfolio", "payments")
MART_SCHEMAS = DOMAINS
EXIT_USAGE = 2


class UserError(Exception):
    """Bad input or an unusable environment: reported as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (usage stays in --help)."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {self.prog}: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="ledgerhouse",
        description=(
            "ledgerhouse: an auditable dbt warehouse for financial operations.\n"
            "This CLI writes sample landing data, fetches Tiingo prices, loads landing\n"
            "files into the raw schemas of the warehouse (DuckDB, PostgreSQL or a local\n"
            "Spark), archives loaded deliveries and summarises the marts.\n"
            "Connection settings come from profiles.yml, the same file dbt reads."
        ),
        epilog=(
            "examples:\n"
            "  ledgerhouse generate data/landing --days 20 --accounts 200 --seed 42\n"
            "  ledgerhouse load data/landing --target duckdb\n"
            "  dbt build --target duckdb --selector brokerage   # the one domain loaded\n"
            "  ledgerhouse summary --target duckdb\n"
            "(a plain `dbt build` builds all three domains: load all three first)\n\n"
            "environment: LEDGERHOUSE_TARGET (duckdb|postgres|spark), LEDGERHOUSE_DUCKDB\n"
            "(file), LEDGERHOUSE_PG_HOST/PORT/USER/PASSWORD/DATABASE,\n"
            "LEDGERHOUSE_SPARK_WAREHOUSE/METASTORE, LEDGERHOUSE_PII_SALT, DBT_PROFILES_DIR."
        ),
        formatter_class=fmt,
    )
    parser.add_argument("--version", action="version", version=f"ledgerhouse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    gen = sub.add_parser(
        "generate",
        help="write deterministic sample landing folders (one per business date)",
        description=(
            "Write one landing folder per NYSE business date (OUT_DIR/2026-03-02/*.csv) in\n"
            "exactly the landing formats of the domain's spec, plus OUT_DIR/_expected_errors.csv\n"
            "labelling every injected bad row with the error code(s) validation must give it.\n"
            "The same arguments always give byte-identical files. Activity rows are streamed,\n"
            "so --activities 10000000 runs in constant memory (progress on stderr)."
        ),
        epilog=(
            "examples:\n"
            "  ledgerhouse generate data/landing                       # 20 days, 200 accounts\n"
            "  ledgerhouse generate /tmp/big --activities 10000000     # a volume test\n"
            "  ledgerhouse generate /tmp/pf --domain portfolio --days 30 --accounts 10"
        ),
        formatter_class=fmt,
    )
    gen.add_argument("out_dir", metavar="OUT_DIR", type=Path,
                     help="folder to write the delivery folders into (created if missing)")
    gen.add_argument("--domain", choices=DOMAINS, default="brokerage",
                     help="which domain's landing files to write (default: brokerage)")
    gen.add_argument("--days", type=whole_number(1), default=20,
                     help="number of delivery folders / business dates (default: 20)")
    gen.add_argument("--accounts", type=whole_number(1), default=200, dest="size",
                     help="number of accounts (portfolios for portfolio, merchants for "
                          "payments; default: 200)")
    gen.add_argument("--activities", type=whole_number(1), default=None,
                     help="activity volume (brokerage: total activity rows over the period, "
                          "default 4 per account per day; other domains: see their docs)")
    gen.add_argument("--seed", type=whole_number(), default=42,
                     help="random seed; same seed, same bytes (default: 42)")
    gen.add_argument("--start", type=iso_date, default=None, metavar="YYYY-MM-DD",
                     help="first date (default: the domain's, 2026-03-02 for brokerage)")
    gen.set_defaults(func=cmd_generate)

    load = sub.add_parser(
        "load",
        help="load landing files into the raw schemas (idempotent, atomic per file)",
        description=(
            "Load LANDING_DIR into raw_<domain>.<entity> tables: either a landing root\n"
            "(one folder per delivery, loaded in sorted order) or one delivery folder.\n"
            "Every field lands as text (empty = null) with _batch_id, _source_file,\n"
            "_line_number, _file_sha256 and _loaded_at; every file gets a row in\n"
            "raw_meta.load_audit. A file whose path was last loaded with the same\n"
            "sha256 is skipped (the same bytes in another delivery folder load).\n"
            "Delivery folders are named YYYY-MM-DD (another name stops the load);\n"
            "hidden names are ignored, '_' folders and unknown files are skipped with\n"
            "a warning. A malformed file (bad header, ragged row, RFC 4180 quoting,\n"
            "mixed line endings, invalid UTF-8, empty file) is refused with one line\n"
            "'error: FILE:LINE:COLUMN: problem (expected ...)' (COLUMN = CSV column\n"
            "number), exit code 2, and nothing of it is loaded."
        ),
        epilog=(
            "examples:\n"
            "  ledgerhouse load data/landing\n"
            "  ledgerhouse load data/landing/2026-03-02 --target postgres"
        ),
        formatter_class=fmt,
    )
    load.add_argument("landing_dir", metavar="LANDING_DIR", type=Path,
                      help="landing root or a single delivery folder")
    _target_option(load)
    load.set_defaults(func=cmd_load)

    summary = sub.add_parser(
        "summary",
        help="row counts of every mart relation and of the quarantines",
        description=(
            "Print the row count of every table and view in the mart schemas\n"
            "(brokerage, portfolio, payments: whichever exist; the error marts\n"
            "activity_errors, portfolio_errors, payment_errors, margin_errors among them)\n"
            "and of intermediate.int_brokerage__reference_rejects, the bad reference rows\n"
            "(accounts, securities, prices, openings) kept out of the current state."
        ),
        epilog="examples:\n  ledgerhouse summary\n  ledgerhouse summary --target postgres",
        formatter_class=fmt,
    )
    _target_option(summary)
    summary.set_defaults(func=cmd_summary)

    archive = sub.add_parser(
        "archive",
        help="move loaded delivery folders to the archive with a sha256 manifest",
        description=(
            "Move every delivery folder of LANDING_DIR (or only those named by --only) to\n"
            "ARCHIVE_DIR/<folder>/ with a MANIFEST.sha256 (sha256sum -c checks it). The copy\n"
            "is verified before the source is deleted; re-running finishes an interrupted\n"
            "archive; a folder archived before with different content is refused."
        ),
        epilog="examples:\n  ledgerhouse archive data/landing archive\n"
               "  ledgerhouse archive data/landing archive --only 2026-03-02 2026-03-03",
        formatter_class=fmt,
    )
    archive.add_argument("landing_dir", metavar="LANDING_DIR", type=Path,
                         help="landing root (one folder per delivery)")
    archive.add_argument("archive_dir", metavar="ARCHIVE_DIR", type=Path,
                         help="archive root (created if missing)")
    archive.add_argument("--only", nargs="+", metavar="FOLDER", default=None,
                         help="archive only these delivery folders (absent ones are skipped)")
    archive.set_defaults(func=cmd_archive)

    from ledgerhouse import fetch  # fetch-prices (portfolio domain, Tiingo)

    fetch.register(sub)
    return parser


def _target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", default=None,
        help="dbt target in profiles.yml: duckdb, postgres or spark "
             "(default: LEDGERHOUSE_TARGET, else duckdb)",
    )


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _stdout(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- commands


def _calendar_seeds() -> dict[str, Path]:
    """The business-date calendar seed each domain's dbt models check dates against
    (generic test within_calendar); payments has none (it flows on every day)."""
    from ledgerhouse.calendar_seed import SEED_PATH

    return {"brokerage": SEED_PATH,
            "portfolio": SEED_PATH.parents[1] / "portfolio" / "portfolio_business_dates.csv"}


def _check_calendar_coverage(domain: str, start: date, days: int) -> None:
    """Refuse sample data the warehouse's calendar seed cannot hold: every generated
    business date (brokerage: plus one for T+1 settlement) must lie within the seed,
    or dbt's calendar tests fail after a long generate and load."""
    seed = _calendar_seeds().get(domain)
    if seed is None or not seed.is_file():
        if domain == "payments" and days > (date.max - start).days:
            raise UserError(f"generate: --days {days} from {start} runs past the year 9999")
        return
    shown = f"seeds/{seed.parent.name}/{seed.name}"
    lines = seed.read_text(encoding="utf-8").split()
    first, end = date.fromisoformat(lines[1]), date.fromisoformat(lines[-1])
    if start < first:
        raise UserError(f"generate: --start {start} is before {first}, the first date of "
                        f"{shown} (expected a later --start)")
    # brokerage trades settle T+1: one business day past the last delivery
    needed = days + (1 if domain == "brokerage" else 0)
    fits = needed <= (end - start).days + 1
    if fits:
        from ledgerhouse.calendar import business_dates

        fits = business_dates(start, needed)[-1] <= end
    if not fits:
        raise UserError(
            f"generate: {days} business day{'s' if days != 1 else ''} from {start} "
            f"run past {end}, the last date of "
            f"{shown} (expected fewer --days or an earlier --start; "
            f"python -m ledgerhouse.calendar_seed --start {first} --end YYYY-MM-DD "
            f"--out {shown} rewrites it)")


def _delivery_files(out_dir: Path) -> dict[str, tuple[int, int]]:
    """Each file of each delivery folder of ``out_dir`` (the loader's notion of one:
    not ``_tiingo``, not hidden), as 'folder/file', with its size and mtime (ns)."""
    from ledgerhouse.load import visible

    if not out_dir.is_dir():
        return {}
    return {
        f"{folder.name}/{f.name}": (f.stat().st_size, f.stat().st_mtime_ns)
        for folder in out_dir.iterdir() if folder.is_dir() and visible(folder)
        for f in folder.iterdir() if f.is_file()
    }


def cmd_generate(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"ledgerhouse.generators.{args.domain}")
    started = time.monotonic()
    if args.out_dir.exists() and not args.out_dir.is_dir():
        raise UserError(f"{args.out_dir}: exists and is not a directory")
    _check_calendar_coverage(args.domain, args.start or module.DEFAULT_START, args.days)
    before = _delivery_files(args.out_dir)
    try:
        module.generate(
            args.out_dir,
            days=args.days,
            size=args.size,
            seed=args.seed,
            start_date=args.start,
            activities=args.activities,
            progress=_stderr,
        )
    except OSError as exc:
        raise UserError(f"cannot write {args.out_dir}: {exc.strerror or exc}") from None
    except (ValueError, OverflowError) as exc:
        raise UserError(f"generate: {exc}") from None
    # a delivery file this run did not (re)write is left from an earlier run: its
    # size and modification time are exactly as they were before this run started
    after = _delivery_files(args.out_dir)
    stale = sorted(name for name, state in before.items() if after.get(name) == state)
    if stale:
        _stderr(f"warning: {args.out_dir} also holds {len(stale)} delivery file(s) this run "
                f"did not write ({', '.join(stale[:3])}{', ...' if len(stale) > 3 else ''}); "
                f"delete them before loading")
    _stdout(f"generated {args.domain} landing data in {args.out_dir} "
            f"({time.monotonic() - started:.1f}s)")
    return 0


def _settings(target: str | None) -> Any:
    from ledgerhouse.settings import SettingsError, target_settings

    try:
        return target_settings(target)
    except SettingsError as exc:
        raise UserError(str(exc)) from None


def cmd_load(args: argparse.Namespace) -> int:
    from ledgerhouse.load import LoadError, load

    settings = _settings(args.target)
    _stdout(f"load: {args.landing_dir} -> {settings.describe()}")
    try:
        summary = load(args.landing_dir, settings, out=_stdout,
                       warn=lambda m: _stderr(f"warning: {m}"))
    except LoadError as exc:
        raise UserError(str(exc)) from None
    rate = summary.rows / summary.seconds if summary.seconds else 0.0
    _stdout(f"load: {summary.loaded} file(s) loaded ({summary.rows:,} rows, {rate:,.0f} rows/s), "
            f"{summary.skipped} skipped as already loaded, in {summary.seconds:.1f}s")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    settings = _settings(args.target)
    rows = _mart_counts(settings)
    if not rows:
        _stdout(f"summary: no mart relations in {settings.describe()} "
                f"(run `dbt build --target {settings.name}` first)")
        return 0
    width = max(len(name) for name, _, _ in rows)
    _stdout(f"summary of {settings.describe()}")
    _stdout(f"{'relation'.ljust(width)}  {'kind':5}  {'rows':>12}")
    _stdout(f"{'-' * width}  -----  {'-' * 12}")
    for name, kind, count in rows:
        _stdout(f"{name.ljust(width)}  {kind:5}  {count:>12,}")
    return 0


def _mart_counts(settings: Any) -> list[tuple[str, str, int]]:
    """(schema.relation, table|view, row count) of every mart relation, activity_errors and
    the quarantine of bad reference rows (int_brokerage__reference_rejects; not on Spark)."""
    schemas = ", ".join(f"'{s}'" for s in MART_SCHEMAS)
    listing = (
        "select table_schema, table_name, table_type from information_schema.tables "
        f"where table_schema in ({schemas}) or table_name = 'activity_errors' "
        "or (table_schema = 'intermediate' and table_name = 'int_brokerage__reference_rejects') "
        "order by table_schema, table_name"
    )
    if settings.type == "spark":
        from ledgerhouse.load import LoadError
        from ledgerhouse.load_spark import spark_mart_counts

        try:
            return spark_mart_counts(settings, MART_SCHEMAS)
        except LoadError as exc:
            raise UserError(str(exc)) from None
    if settings.type == "duckdb":
        import duckdb

        path = settings.duckdb_path
        if not path.exists():
            raise UserError(f"DuckDB file {path} does not exist (run `make run` or "
                            f"`ledgerhouse load` and `dbt build` first)")
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise UserError(f"cannot open DuckDB file {path}: {exc}") from None
        try:
            found = con.execute(listing).fetchall()
            return [(f"{s}.{t}", _kind(k), con.execute(f'select count(*) from "{s}"."{t}"')
                     .fetchone()[0]) for s, t, k in found]
        finally:
            con.close()
    import psycopg2

    try:
        con = psycopg2.connect(host=settings.host, port=settings.port, user=settings.user,
                               password=settings.password or None, dbname=settings.dbname,
                               connect_timeout=settings.connect_timeout)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreachable"
        raise UserError(f"cannot connect to {settings.describe()}: {first}") from None
    try:
        with con.cursor() as cur:
            cur.execute(listing)
            found = cur.fetchall()
            result = []
            for s, t, k in found:
                cur.execute(f'select count(*) from "{s}"."{t}"')
                result.append((f"{s}.{t}", _kind(k), cur.fetchone()[0]))
            return result
    finally:
        con.close()


def cmd_archive(args: argparse.Namespace) -> int:
    from ledgerhouse.archive import ArchiveError, archive_landing

    try:
        results = archive_landing(args.landing_dir, args.archive_dir, only=args.only)
    except ArchiveError as exc:
        raise UserError(str(exc)) from None
    for r in results:
        _stdout(f"archive: {r.folder}: {r.status} ({r.files} file(s)) -> {args.archive_dir}")
    if not results:
        _stdout(f"archive: nothing to archive in {args.landing_dir}")
    return 0


def _kind(table_type: str) -> str:
    return "view" if "VIEW" in table_type.upper() else "table"


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except UserError as exc:
        _stderr(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _stderr("error: interrupted")
        return 130
    except Exception as exc:  # a bug: still one line unless asked for more
        if os.environ.get("LEDGERHOUSE_DEBUG"):
            traceback.print_exc()
        _stderr(f"error: internal error: {type(exc).__name__}: {exc} "
                f"(set LEDGERHOUSE_DEBUG=1 for a traceback)")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
