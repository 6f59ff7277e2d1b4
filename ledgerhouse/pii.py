"""The PII salt, kept out of dbt's compiled SQL (brokerage.md §8, DECISIONLOG
"PII salt").

`ledgerhouse load` runs with the deployment's environment; it writes the salt
from LEDGERHOUSE_PII_SALT into the one-row table raw_meta.pii_salt (on
PostgreSQL with `revoke all ... from public`). dbt's pii_token macro reads
that table at run time, so compiled SQL, manifest.json, run_results.json and
dbt's logs name the table, never the salt. Without the variable a stored
salt is kept; a warehouse without one gets the public sample salt, with a
warning: fine for generated data only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ledgerhouse.entities import AUDIT_SCHEMA

SALT_ENV_VAR = "LEDGERHOUSE_PII_SALT"
SAMPLE_SALT = "ledgerhouse-sample-salt"  # public; macros/cross_db/pii.sql has the same
SALT_TABLE = f"{AUDIT_SCHEMA}.pii_salt"


def salt_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """LEDGERHOUSE_PII_SALT, or None when it is unset or empty."""
    value = (os.environ if env is None else env).get(SALT_ENV_VAR, "")
    return value or None


def salt_to_write(stored: str | None, env_salt: str | None) -> tuple[str | None, str | None]:
    """(salt to write or None, warning or None) for a load.

    A set variable is written (a different value rotates the salt). An unset
    variable keeps the stored salt: a load run without the deployment's
    environment must not swap a secret salt for the public one (that would
    re-token every account with a reversible token). Only a warehouse without
    a salt gets the public sample salt, with a warning.
    """
    if env_salt is not None:
        return (env_salt if env_salt != stored else None), None
    if stored is not None:
        return None, None
    return SAMPLE_SALT, (f"{SALT_ENV_VAR} is not set: tokens use the public sample salt "
                         f"(fine for generated data only; set it before loading real data)")


def salt_statements(text_type: str, postgres: bool,
                    salt: str | None) -> list[tuple[str, tuple[str, ...]]]:
    """(sql, params) that create the salt table and, given a salt, (re)write it.

    `truncate` + `insert` work on DuckDB, PostgreSQL and Spark alike; the
    revoke (PostgreSQL) undoes any default privilege granted on raw_meta."""
    statements: list[tuple[str, tuple[str, ...]]] = [
        (f"create table if not exists {SALT_TABLE} (salt {text_type})", ()),
    ]
    if salt is not None:
        statements += [(f"truncate table {SALT_TABLE}", ()),
                       (f"insert into {SALT_TABLE} (salt) values (?)", (salt,))]
    if postgres:
        statements.append((f"revoke all on table {SALT_TABLE} from public", ()))
    return statements
