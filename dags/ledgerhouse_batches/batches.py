"""The batch DAGs (four brokerage batches, two payments, one portfolio):
settings, what each batch owns, and why.

Pure Python (no Airflow import), so the test suite and operators can read the
same table the DAG files are built from.

Ownership rule (docs/airflow.md): each batch is anchored on the spec's marts
it publishes; every other brokerage node (staging, intermediate, seeds,
snapshots) runs in the earliest batch that needs it — the minimum batch over
the anchors it feeds — and a node that feeds no anchor runs in the batch of its
latest parent. Dependencies therefore only ever point to the same or an earlier
batch, and every node is owned by exactly one DAG. The same rule applies per
domain to payments and portfolio (their batches have higher orders, so a node
shared with brokerage, if any, stays in its brokerage batch).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# The repository root: dags/ledgerhouse_batches/batches.py -> parents[2].
ROOT = Path(__file__).resolve().parents[2]

TIMEZONE = "America/New_York"
OWNER = "brokerage-operations"  # owner of the brokerage batches (Batch.owner)
PROFILE_NAME = "ledgerhouse"
DOMAIN = "brokerage"  # default domain of a Batch


def _abs_env(name: str, default: Path) -> Path:
    """An absolute path from ``name``; relative values resolve against the repo root."""
    value = os.environ.get(name)
    path = Path(value) if value else default
    return path if path.is_absolute() else (ROOT / path)


@dataclass(frozen=True)
class Settings:
    """Every path the DAGs use, absolute (Cosmos runs dbt in a temporary copy)."""

    target: str
    duckdb: Path
    duckdb_temp: Path
    landing: Path
    archive: Path
    manifest: Path
    venv_bin: Path
    pool: str

    @property
    def dbt(self) -> Path:
        return self.venv_bin / "dbt"

    @property
    def ledgerhouse(self) -> Path:
        return self.venv_bin / "ledgerhouse"

    @property
    def profiles_yml(self) -> Path:
        return ROOT / "profiles.yml"

    def env(self) -> dict[str, str]:
        """Environment for dbt and the CLI: the same settings, with absolute paths."""
        return {
            "LEDGERHOUSE_TARGET": self.target,
            "LEDGERHOUSE_DUCKDB": str(self.duckdb),
            "LEDGERHOUSE_DUCKDB_TEMP": str(self.duckdb_temp),
            "LEDGERHOUSE_PROJECT_DIR": str(ROOT),
            "DBT_PROFILES_DIR": str(ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }


def settings() -> Settings:
    return Settings(
        target=os.environ.get("LEDGERHOUSE_TARGET", "duckdb"),
        duckdb=_abs_env("LEDGERHOUSE_DUCKDB", ROOT / "ledgerhouse.duckdb"),
        duckdb_temp=_abs_env("LEDGERHOUSE_DUCKDB_TEMP", ROOT / ".duckdb_tmp"),
        landing=_abs_env("LEDGERHOUSE_LANDING", ROOT / "data" / "landing"),
        archive=_abs_env("LEDGERHOUSE_ARCHIVE", ROOT / "archive"),
        manifest=_abs_env("LEDGERHOUSE_DBT_MANIFEST", ROOT / "target" / "manifest.json"),
        venv_bin=_abs_env("LEDGERHOUSE_VENV_BIN", ROOT / ".venv" / "bin"),
        pool=os.environ.get("LEDGERHOUSE_AIRFLOW_POOL", "ledgerhouse_warehouse"),
    )


@dataclass(frozen=True)
class Batch:
    """One business batch job and the DAG that runs it."""

    order: int
    dag_id: str
    batch_name: str
    cron: str
    anchors: tuple[str, ...]  # the spec's marts this batch publishes
    upstream: str | None  # dag_id whose published asset this batch waits for
    asset: str  # name of the mart-level asset this batch publishes
    summary: str
    domain: str = DOMAIN
    owner: str = OWNER
    # landing root this batch loads: env variable and default (relative to the repo)
    landing_env: str = "LEDGERHOUSE_LANDING"
    landing_default: str = "data/landing"
    # "after_each": a run task then a test task per model; "build": one
    # `dbt build` task per model (half the dbt invocations; unit tests excluded)
    test_behavior: str = "after_each"
    archive: bool = True  # move the loaded delivery folders to the archive afterwards

    @property
    def asset_uri(self) -> str:
        return f"ledgerhouse://warehouse/{self.domain}/{self.asset.split('.')[-1]}"

    def landing(self) -> Path:
        return _abs_env(self.landing_env, ROOT / self.landing_default)


BATCHES: tuple[Batch, ...] = (
    Batch(
        order=1,
        dag_id="position_update_processing",
        batch_name="DailyPositionValuationBatch",
        cron="0 2 * * *",
        anchors=("activity_errors", "position_updates", "positions_daily", "balances_daily"),
        upstream=None,
        asset="ledgerhouse.brokerage.positions",
        summary=(
            "Loads the day's deliveries, refreshes reference seeds and snapshots, validates "
            "activity (spec §3), applies it to positions in sequence (§4) and builds the "
            "daily positions and balances (§5)."
        ),
    ),
    Batch(
        order=2,
        dag_id="managed_position_processing",
        batch_name="DailyManagedPositionUpdateBatch",
        cron="0 3 * * *",
        anchors=("market_values",),
        upstream="position_update_processing",
        asset="ledgerhouse.brokerage.market_values",
        summary=(
            "Values every managed position of the day (spec §6): price and previous price, "
            "security/underlying lookup, the four pricing rules, market value and daily P&L."
        ),
    ),
    Batch(
        order=3,
        dag_id="margin_balance_updating",
        batch_name="DailyBookkeepingBatch",
        cron="0 4 * * *",
        anchors=("position_requirements", "margin_errors", "margin_balances"),
        upstream="managed_position_processing",
        asset="ledgerhouse.brokerage.margin",
        summary=(
            "Books the margin side (spec §7): the matching margin rule and requirements per "
            "position, positions no rule matches, and the sub-account margin balances."
        ),
    ),
    Batch(
        order=4,
        dag_id="market_value_calculation",
        batch_name="DailyMarketValueCalculationBatch",
        cron="0 5 * * *",
        anchors=("portfolio_concentration",),
        upstream="managed_position_processing",
        asset="ledgerhouse.brokerage.concentration",
        summary=(
            "Aggregates the day's market values by account category and security into the "
            "concentration report (spec §6, portfolio_concentration)."
        ),
    ),
)

PAYMENTS_OWNER = "payments-operations"
PORTFOLIO_OWNER = "portfolio-analytics"

BATCHES += (
    Batch(
        order=5,
        dag_id="payments_streaming_index",
        batch_name="PaymentsStreamingIndex",
        cron="*/15 * * * *",
        anchors=("streaming_index", "payment_errors"),
        upstream=None,
        asset="ledgerhouse.payments.streaming_index",
        summary=(
            "Micro-batch every 15 minutes: loads the payments landing, rebuilds the "
            "payments staging and intermediate models, the incremental streaming_index "
            "(events within the lookback) and payment_errors. Runs never overlap "
            "(max_active_runs=1): the incremental watermark assumes serial runs."
        ),
        domain="payments",
        owner=PAYMENTS_OWNER,
        landing_env="LEDGERHOUSE_PAYMENTS_LANDING",
        landing_default="data/landing-payments",
        test_behavior="build",
        archive=False,
    ),
    Batch(
        order=6,
        dag_id="payments_daily_reconciliation",
        batch_name="PaymentsDailyReconciliation",
        cron="0 6 * * *",
        anchors=("batch_index", "final_aggregate_index", "merchant_daily_kpis"),
        upstream="payments_streaming_index",
        asset="ledgerhouse.payments.reconciliation",
        summary=(
            "Daily reconciliation: once a streaming micro-batch of the business day has "
            "published (it loaded every delivery present, bank statements included), "
            "builds batch_index, final_aggregate_index and merchant_daily_kpis with "
            "`dbt build` per model; the invariant tests spanning several marts run in "
            "the gate."
        ),
        domain="payments",
        owner=PAYMENTS_OWNER,
        landing_env="LEDGERHOUSE_PAYMENTS_LANDING",
        landing_default="data/landing-payments",
        test_behavior="build",
        archive=False,
    ),
    Batch(
        order=7,
        dag_id="portfolio_analytics_daily",
        batch_name="PortfolioAnalyticsDaily",
        cron="30 18 * * *",
        anchors=(
            "dim_date",
            "dim_portfolio",
            "dim_security",
            "fact_market_price_daily",
            "fact_portfolio_performance_daily",
            "fact_portfolio_position_daily",
            "fact_transactions_calculated",
            "portfolio_allocation_daily",
            "portfolio_contribution_daily",
            "portfolio_errors",
            "portfolio_risk_daily",
            "portfolio_sector_exposure_daily",
            "portfolio_sector_performance_daily",
        ),
        upstream=None,
        asset="ledgerhouse.portfolio.analytics",
        summary=(
            "After the US close: loads the portfolio landing (prices, transactions, "
            "holdings, FX, reference files) and builds every portfolio model — the "
            "incremental daily facts, performance, risk, allocation and errors."
        ),
        domain="portfolio",
        owner=PORTFOLIO_OWNER,
        landing_env="LEDGERHOUSE_PORTFOLIO_LANDING",
        landing_default="data/landing-portfolio",
        test_behavior="build",
        archive=False,
    ),
)

BY_DAG_ID = {b.dag_id: b for b in BATCHES}
DOMAINS = tuple(dict.fromkeys(b.domain for b in BATCHES))

# Node types a batch owns (tests attach to these; sources are loaded, not built).
BUILT_TYPES = ("model", "seed", "snapshot")


# --------------------------------------------------------------------------- manifest


def load_manifest(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: dbt manifest not found; run `make airflow-setup` (dbt parse) first "
            "or point LEDGERHOUSE_DBT_MANIFEST at one"
        )
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _parents(node: dict) -> list[str]:
    return list(dict.fromkeys(node.get("depends_on", {}).get("nodes", [])))


def _in_domain(node: dict, domain: str) -> bool:
    """In the domain's folder, tagged with the domain, or named ``<prefix>_<domain>__*``
    (snapshots defined in YAML live outside the domain folders)."""
    path = node.get("original_file_path", "").replace("\\", "/")
    meta = node.get("config", {}).get("meta", {}) or {}
    prefix = node.get("name", "").split("__", 1)[0]
    return (
        f"/{domain}/" in f"/{path}"
        or meta.get("domain") == domain
        or prefix.endswith(f"_{domain}")
    )


def domain_of(node: dict, domains: Iterable[str] = DOMAINS) -> str | None:
    return next((d for d in domains if _in_domain(node, d)), None)


@dataclass(frozen=True)
class Partition:
    """Which batch owns each node, and which cross-model tests each gate runs."""

    owner: dict[str, int]  # unique_id -> batch order
    gate_tests: dict[int, list[str]]  # batch order -> test names the gate runs
    names: dict[str, str]  # unique_id -> node name

    def nodes(self, order: int) -> list[str]:
        return sorted(uid for uid, o in self.owner.items() if o == order)

    def select(self, order: int) -> list[str]:
        """Cosmos/dbt selection: the node names this batch owns."""
        return sorted(self.names[uid] for uid in self.nodes(order))


def partition(manifest: dict, batches: Iterable[Batch] = BATCHES) -> Partition:
    batches = tuple(batches)
    nodes = {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in BUILT_TYPES and n.get("package_name") == manifest_project(manifest)
    }
    names = {uid: n["name"] for uid, n in nodes.items()}
    by_name = {n["name"]: uid for uid, n in nodes.items() if n["resource_type"] == "model"}

    anchor_order = {by_name[a]: b.order for b in batches for a in b.anchors if a in by_name}

    # ancestors (built nodes only) of every node, memoised
    ancestors: dict[str, set[str]] = {}

    def ancestors_of(uid: str) -> set[str]:
        if uid not in ancestors:
            ancestors[uid] = set()
            acc: set[str] = set()
            for p in _parents(nodes[uid]):
                if p in nodes:
                    acc.add(p)
                    acc |= ancestors_of(p)
            ancestors[uid] = acc
        return ancestors[uid]

    owner: dict[str, int] = {}
    for anchor, order in anchor_order.items():
        for uid in {anchor} | ancestors_of(anchor):
            owner[uid] = min(owner.get(uid, order), order)

    # Nodes of a batch domain that feed no anchor: the batch of their latest
    # parent (without one: the domain's first batch).
    first = {}
    for b in batches:
        first[b.domain] = min(first.get(b.domain, b.order), b.order)
    rest = [
        uid for uid, n in nodes.items() if uid not in owner and domain_of(n, first) is not None
    ]
    for uid in sorted(rest, key=lambda u: len(ancestors_of(u))):
        parent_orders = [owner[p] for p in _parents(nodes[uid]) if p in owner]
        owner[uid] = max(parent_orders, default=first[domain_of(nodes[uid], first)])

    # Tests with several parents: the per-model test task (indirect selection
    # "buildable") runs a test once its latest parent is built, if the other
    # parents are that parent's ancestors. The rest run in the data-quality gate
    # of the batch that builds their last parent.
    gate_tests: dict[int, list[str]] = {b.order: [] for b in batches}
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test":
            continue
        parents = [p for p in _parents(test) if p in nodes]
        if len(parents) < 2 or not any(p in owner for p in parents):
            continue
        dominated = any(
            p in owner and all(q == p or q in ancestors_of(p) for q in parents) for p in parents
        )
        if not dominated:
            gate_tests[max(owner.get(p, 0) for p in parents)].append(test["name"])
    return Partition(owner, {k: sorted(v) for k, v in gate_tests.items()}, names)


def manifest_project(manifest: dict) -> str:
    return manifest.get("metadata", {}).get("project_name") or PROFILE_NAME


def missing_anchors(manifest: dict, batches: Iterable[Batch] = BATCHES) -> list[str]:
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    return [a for b in batches for a in b.anchors if a not in models]
