"""The landing-file contract: every file the loader accepts, per domain.

This registry is the single Python statement of the landing formats in
``../shared/spec/*.md`` §1. The loader checks headers against it, the
generators write exactly these columns, and each raw table is named
``raw_<domain>.<entity>`` with these columns (all text) followed by the load
metadata columns in ``LOAD_METADATA_COLUMNS``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """One landing file: ``<name>.csv`` in a delivery folder, or, for a
    fetched API response (``folder`` set), any ``*<suffix>`` file in
    ``LANDING/<folder>/<date>/``."""

    domain: str
    name: str
    columns: tuple[str, ...]
    suffix: str = ".csv"
    folder: str | None = None

    @property
    def file_name(self) -> str:
        return f"{self.name}{self.suffix}"

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.domain}"


# Load metadata appended to every raw table, in this order.
LOAD_METADATA_COLUMNS: tuple[str, ...] = (
    "_batch_id",
    "_source_file",
    "_line_number",
    "_file_sha256",
    "_loaded_at",
)

AUDIT_SCHEMA = "raw_meta"
AUDIT_TABLE = "load_audit"

_BROKERAGE: dict[str, tuple[str, ...]] = {
    "accounts": (
        "firm", "ledger", "branch", "base", "acct_category", "rr", "us_citizenship",
        "ny_resident", "paper", "intracct_eligible_type", "intracct_min_amt",
        "account_closed_date", "holder_name", "tax_id", "email",
    ),
    "activity": (
        "activity_id", "firm", "ledger", "branch", "base", "sub_acct_key", "cusip",
        "maxx_key_code", "quantity", "amount", "trade_date", "settle_date", "entry_seq",
        "entry_ts",
    ),
    "opening_positions": (
        "as_of_date", "firm", "ledger", "branch", "base", "sub_acct_key", "cusip",
        "td_qty", "sd_qty",
    ),
    "opening_balances": (
        "as_of_date", "firm", "ledger", "branch", "base", "sub_acct_key", "td_bal",
        "sd_bal", "sma",
    ),
    "securities": (
        "cusip", "uls", "product_line", "description", "strike_price", "contract_size",
        "exp_or_maturity_date",
    ),
    "prices": ("cusip", "price_date", "price"),
}

_PORTFOLIO: dict[str, tuple[str, ...]] = {
    "portfolios": ("portfolio_id", "name", "base_currency", "open_date", "close_date",
                   "benchmark_id"),
    "instruments": ("instrument_id", "isin", "name", "asset_class", "sector", "industry",
                    "currency"),
    "transactions": ("transaction_id", "portfolio_id", "instrument_id", "type", "trade_date",
                     "settle_date", "quantity", "price", "gross_amount", "fees", "currency"),
    "holdings": ("portfolio_id", "instrument_id", "quantity", "as_of_date"),
    "prices_eod": ("instrument_id", "date", "open", "high", "low", "close", "volume",
                   "adj_close", "div_cash", "split_factor"),
    "fx_rates": ("date", "from_currency", "to_currency", "rate"),
}

_PAYMENTS: dict[str, tuple[str, ...]] = {
    "payment_events": ("transaction_id", "merchant_id", "user_id", "amount", "currency",
                       "status", "event_ts"),
    "bank_statements": ("statement_id", "transaction_id", "posting_date", "amount_posted",
                        "fee_charged", "currency"),
    "fraud_signals": ("fraud_signal_id", "transaction_id", "fraud_score", "model_version",
                      "inference_time"),
    "merchants": ("merchant_id", "merchant_name", "risk_level", "onboarding_date"),
}

DOMAINS: dict[str, dict[str, tuple[str, ...]]] = {
    "brokerage": _BROKERAGE,
    "portfolio": _PORTFOLIO,
    "payments": _PAYMENTS,
}

# Fetched API responses (ledgerhouse.fetch), loaded by ledgerhouse.load_json:
# Tiingo end-of-day JSON, ``LANDING/_tiingo/<end date>/<TICKER>.json``, one raw
# row per price object; ``ticker`` is the file name, the other columns are
# the API's fields in snake case (adjClose -> adj_close).
FETCHED: tuple[Entity, ...] = (
    Entity("portfolio", "tiingo_eod",
           ("ticker", "date", "open", "high", "low", "close", "volume", "adj_open", "adj_high",
            "adj_low", "adj_close", "adj_volume", "div_cash", "split_factor"),
           suffix=".json", folder="_tiingo"),
)

ENTITIES: tuple[Entity, ...] = tuple(
    Entity(domain, name, columns)
    for domain, files in DOMAINS.items()
    for name, columns in files.items()
) + FETCHED


def entity_for_file(file_name: str) -> Entity | None:
    """The entity a landing file belongs to, by its file name (None if unknown)."""
    for entity in ENTITIES:
        if entity.folder is None and entity.file_name == file_name:
            return entity
    return None
