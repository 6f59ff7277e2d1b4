"""The PII salt, kept out of dbt's compiled SQL (brokerage.md §8, DECISIONLOG
"PII salt").

`ledgerhouse load` runs with the deployment's environment; it writes the salt
from LEDGERHOUSE_PII_SALT into the one-row table raw_meta.pii_salt (on
PostgreSQL with `revoke all ... from public`). dbt's pii_token macro reads
that table at run time, so compiled SQL, manifest.json, run_results.json and
dbt's logs name the table, never the salt. Without the variable the public
sample salt is written: fine for generated data only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ledgerhouse.entities import AUDIT_SCHEMA

SALT_ENV_VAR = "LEDGERHOUSE_PII_SALT"
SAMPLE_SALT = "ledgerhouse-sample-salt"  # public; macros/cross_db/pii.sql has the same
SALT_TABLE = f"{AUDIT_SCHEMA}.pii_salt"


def salt_from_env(env: Mapping[str, str] | None = None) -> str:
    """The salt of this deployment: LEDGERHOUSE_PII_SALT, else the sample salt."""
    value = (os.environ if env is None else env).get(SALT_ENV_VAR, "")
    return value or SAMPLE_SALT


def salt_statements(text_type: str, postgres: bool) -> list[tuple[str, tuple[str, ...]]]:
    """(sql, params) that (re)write the salt table with the environment's salt.

    `truncate` + `insert` work on DuckDB, PostgreSQL and Spark alike; the
    revoke (PostgreSQL) undoes any default privilege granted on raw_meta."""
    statements: list[tuple[str, tuple[str, ...]]] = [
        (f"create table if not exists {SALT_TABLE} (salt {text_type})", ()),
        (f"truncate table {SALT_TABLE}", ()),
        (f"insert into {SALT_TABLE} (salt) values (?)", (salt_from_env(),)),
    ]
    if postgres:
        statements.append((f"revoke all on table {SALT_TABLE} from public", ()))
    return statements
