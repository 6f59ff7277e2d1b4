"""The PII salt stays out of dbt's output (DECISIONLOG "PII salt").

`ledgerhouse load` writes LEDGERHOUSE_PII_SALT into raw_meta.pii_salt and
pii_token reads that table at run time. On each target, with a salt of its
own:
- the tokens are sha256(salt || value) in hex, computed here with hashlib;
- no file under dbt's target/ (compiled and run SQL, manifest.json,
  run_results.json) or logs/ contains the salt, while the compiled SQL does
  name the table;
- a later load with another salt rewrites the table to that one row;
- PostgreSQL: public has no privilege on the table even when the schema's
  default privileges grant select to public (load_audit, created by the
  same load, gets it: the revoke is what removes it).
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from conftest import Warehouse
from test_dbt_foundation import execute

pytestmark = pytest.mark.slow

ACCOUNTS = (
    "firm,ledger,branch,base,acct_category,rr,us_citizenship,ny_resident,paper,"
    "intracct_eligible_type,intracct_min_amt,account_closed_date,holder_name,tax_id,email\n"
    "0001,01,001,12345,IND,R01,Y,N,N,,,,Jane Example,123-45-6789,jane@example.com\n"
    "0001,01,001,67890,IND,R01,Y,N,N,,,,Jo Sample,987-65-4321,\n"
)


def _token(salt: str, value: str) -> str:
    return hashlib.sha256((salt + value).encode("utf-8")).hexdigest()


def test_salt_is_read_from_its_table_and_never_written_by_dbt(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    wh = warehouse
    landing = tmp_path / "landing" / "2026-03-02"
    landing.mkdir(parents=True)
    (landing / "accounts.csv").write_text(ACCOUNTS, encoding="utf-8")
    if wh.target == "postgres":
        execute(wh, "create schema raw_meta")
        execute(wh, "alter default privileges in schema raw_meta "
                        "grant select on tables to public")

    salt = f"salt-{uuid.uuid4().hex}"
    wh.env["LEDGERHOUSE_PII_SALT"] = salt
    wh.cli("load", str(tmp_path / "landing"))
    wh.dbt("run", "--select", "+int_brokerage__accounts_current")
    wh.dbt("compile", "--select", "int_payments__transactions")  # the payments token too

    rows = wh.query(
        "select base, holder_name_token, tax_id_token, email_token "
        "from intermediate.int_brokerage__accounts_current order by base"
    )
    assert rows == [
        ("12345", _token(salt, "Jane Example"), _token(salt, "123-45-6789"),
         _token(salt, "jane@example.com")),
        ("67890", _token(salt, "Jo Sample"), _token(salt, "987-65-4321"), None),
    ]

    outputs = [p for d in ("target", "logs") for p in (tmp_path / d).rglob("*") if p.is_file()]
    names = {p.name for p in outputs}
    assert {"manifest.json", "run_results.json", "dbt.log"} <= names
    compiled = [p for p in outputs if p.name in (
        "int_brokerage__accounts_history.sql", "int_payments__transactions.sql")]
    # compiled/ and run/ of the model that makes the account tokens, compiled/ of payments
    assert len(compiled) >= 3
    assert all("raw_meta.pii_salt" in p.read_text() for p in compiled)
    leaking = [str(p.relative_to(tmp_path)) for p in outputs if salt.encode() in p.read_bytes()]
    assert leaking == []

    # a load with another salt (the file is skipped as already loaded)
    wh.env["LEDGERHOUSE_PII_SALT"] = salt + "-rotated"
    wh.cli("load", str(tmp_path / "landing"))
    assert wh.query("select salt from raw_meta.pii_salt") == [(salt + "-rotated",)]

    if wh.target == "postgres":
        privileges = wh.query(
            "select has_table_privilege('public', 'raw_meta.pii_salt', 'select'), "
            "has_table_privilege('public', 'raw_meta.load_audit', 'select')"
        )
        assert privileges == [(False, True)]


def test_a_load_without_the_variable_keeps_the_stored_salt(duckdb_warehouse: Warehouse,
                                                           tmp_path: Path) -> None:
    """A load run without the deployment's environment must not swap a secret salt for
    the public sample salt (it would re-token every account, reversibly)."""
    wh = duckdb_warehouse
    del wh.env["LEDGERHOUSE_PII_SALT"]
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        (tmp_path / "landing" / day).mkdir(parents=True)
        (tmp_path / "landing" / day / "accounts.csv").write_text(
            ACCOUNTS.replace("R01", f"R{day[-1]}"), encoding="utf-8")

    def load(day: str) -> str:
        return wh.cli("load", str(tmp_path / "landing" / day)).stderr

    # a new warehouse without the variable: the public salt, said out loud
    assert load("2026-03-02") == ("warning: LEDGERHOUSE_PII_SALT is not set: tokens use the "
                                  "public sample salt (fine for generated data only; set it "
                                  "before loading real data)\n")
    assert wh.query("select salt from raw_meta.pii_salt") == [("ledgerhouse-sample-salt",)]
    wh.env["LEDGERHOUSE_PII_SALT"] = "a-deployment-secret"
    assert load("2026-03-03") == ""
    assert wh.query("select salt from raw_meta.pii_salt") == [("a-deployment-secret",)]
    del wh.env["LEDGERHOUSE_PII_SALT"]
    assert load("2026-03-04") == ""
    assert wh.query("select salt from raw_meta.pii_salt") == [("a-deployment-secret",)]
