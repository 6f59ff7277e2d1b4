"""Helpers shared by the brokerage mart tests: building the marts, reading a
mart's rows in a target-neutral form, and comparing two warehouses."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from conftest import Warehouse

# The brokerage marts of brokerage.md §4-§7 (activity_errors is the foundation's).
MARTS = (
    "position_updates",
    "positions_daily",
    "balances_daily",
    "market_values",
    "portfolio_concentration",
    "position_requirements",
    "margin_balances",
    "margin_errors",
)
DAILY_MARTS = MARTS[1:]

# Columns that describe a build or a load, not the data: the run timestamp,
# the incremental bookkeeping, and the load batch/time (each load of the same
# file gets a new batch id and timestamp).
BUILD_COLUMNS = frozenset(
    {"calculated_at", "_loaded_at_watermark", "_rules_fingerprint", "_batch_id", "_loaded_at"}
)

BUILD_SELECT = ("--select", "+models/marts/brokerage", "--exclude", "activity_errors")


def build_marts(wh: Warehouse, *extra: str, tests: bool = False) -> None:
    """dbt build of the brokerage marts and everything upstream of them."""
    args = ["build", *BUILD_SELECT, *extra]
    if not tests:
        args += ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"]
    wh.dbt(*args)


def load(wh: Warehouse, landing: Path) -> None:
    wh.cli("load", str(landing))


def _columns_query(wh: Warehouse, mart: str) -> str:
    # Spark has no information_schema (its partition column comes last: the
    # order is the same in two Spark warehouses, which is all a diff needs)
    if wh.target == "spark":
        return f"show columns in brokerage.{mart}"
    return (
        "select column_name from information_schema.columns "
        f"where table_schema = 'brokerage' and table_name = '{mart}' order by ordinal_position"
    )


def marts_rows(
    wh: Warehouse, marts: tuple[str, ...], keep_build_columns: bool = False
) -> dict[str, Counter[tuple]]:
    """Each mart's rows as a multiset. Values are compared as Python values:
    Decimal('10.00') == Decimal('10.000000'), so only the column types are
    normalised, never the values. Two batches of queries (query_many: one
    Spark process each, not one per query)."""
    columns = {}
    for mart, rows in zip(marts, wh.query_many([_columns_query(wh, m) for m in marts]),
                          strict=True):
        cols = [r[0] for r in rows]
        assert cols, f"brokerage.{mart} does not exist"
        columns[mart] = [c for c in cols if keep_build_columns or c not in BUILD_COLUMNS]
    selects = [f"select {', '.join(columns[m])} from brokerage.{m}" for m in marts]
    return {mart: Counter(rows)
            for mart, rows in zip(marts, wh.query_many(selects), strict=True)}


def mart_rows(wh: Warehouse, mart: str, keep_build_columns: bool = False) -> Counter[tuple]:
    """One mart's rows as a multiset (marts_rows)."""
    return marts_rows(wh, (mart,), keep_build_columns)[mart]


def diff_marts(a: Warehouse, b: Warehouse, marts: tuple[str, ...] = MARTS) -> dict[str, str]:
    """{mart: description} for every mart whose contents differ."""
    problems: dict[str, str] = {}
    all_a, all_b = marts_rows(a, marts), marts_rows(b, marts)
    for mart in marts:
        rows_a, rows_b = all_a[mart], all_b[mart]
        if rows_a != rows_b:
            only_a = list((rows_a - rows_b).elements())[:3]
            only_b = list((rows_b - rows_a).elements())[:3]
            problems[mart] = (
                f"{sum(rows_a.values())} vs {sum(rows_b.values())} rows; "
                f"only in {a.target}: {only_a}; only in {b.target}: {only_b}"
            )
    return problems
