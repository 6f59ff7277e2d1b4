"""Project conventions checked by tools (docs/conventions.md, issue 5).

- dbt-score (rules: dbt_score_rules/ledgerhouse.py, config: pyproject.toml)
  passes on the whole project: naming by layer, descriptions on every model,
  column, seed, snapshot and source, a primary-key test on every model,
  meta.domain, no source() outside staging, no mart reading staging where an
  intermediate model refines it, an enforced contract with a data_type on
  every column of every public mart (tables in marts/).
- The same rules catch each kind of violation in a copy of the manifest
  that is broken on purpose (so a passing lint means something).
- Coverage figures are printed and held at 100 % (scripts/dbt_coverage.py).
- sqlfluff (dbt templater) lints every model clean.

Only `dbt parse` runs here: no warehouse is needed.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, DBT, ROOT, _run, base_env

DBT_SCORE = str(BIN / "dbt-score")
COVERAGE = [sys.executable, str(ROOT / "scripts" / "dbt_coverage.py")]


@pytest.fixture(scope="module")
def manifest_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("conventions")
    env = base_env(LEDGERHOUSE_DUCKDB=str(work / "parse.duckdb"))
    _run(
        [DBT, "parse", "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env,
        check=True,
    )
    return work / "target" / "manifest.json"


def score(manifest: Path) -> tuple[int, dict]:
    proc = subprocess.run(
        [DBT_SCORE, "lint", "--manifest", str(manifest), "--format", "json"],
        cwd=ROOT,
        env=base_env(),
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"dbt-score did not report:\n{proc.stdout}\n{proc.stderr}") from None
    return proc.returncode, report


def failures(report: dict) -> dict[str, dict[str, str]]:
    """{unique_id: {rule: message}} for every rule that did not pass."""
    out: dict[str, dict[str, str]] = {}
    for uid, ev in report["evaluables"].items():
        bad = {
            rule.rsplit(".", 1)[-1]: (res.get("message") or res["result"])
            for rule, res in ev["results"].items()
            if res["result"] != "OK"
        }
        if bad:
            out[uid] = bad
    return out


def test_dbt_score_passes_on_the_project(manifest_path: Path) -> None:
    rc, report = score(manifest_path)
    bad = failures(report)
    listing = "\n".join(f"{uid}: {rules}" for uid, rules in sorted(bad.items()))
    assert not bad, f"convention violations:\n{listing}"
    assert rc == 0
    # every model, seed, source and snapshot was scored
    manifest = json.loads(manifest_path.read_text())
    expected = {
        uid
        for uid, n in {**manifest["nodes"], **manifest["sources"]}.items()
        if n["resource_type"] in ("model", "seed", "snapshot", "source")
    }
    assert expected <= set(report["evaluables"])


def test_rules_catch_each_kind_of_violation(manifest_path: Path, tmp_path: Path) -> None:
    """Break a copy of the manifest in known ways; each rule must say so."""
    manifest = json.loads(manifest_path.read_text())
    broken = copy.deepcopy(manifest)
    nodes = broken["nodes"]
    mart = "model.ledgerhouse.margin_balances"
    staging = "model.ledgerhouse.stg_brokerage__accounts"
    intermediate = "model.ledgerhouse.int_brokerage__accounts_current"
    source = next(uid for uid in broken["sources"] if uid.endswith("raw_brokerage.accounts"))
    assert {mart, staging, intermediate} <= set(nodes)
    # 1. undocumented model and column
    nodes[mart]["description"] = ""
    first_col = next(iter(nodes[mart]["columns"]))
    nodes[mart]["columns"][first_col]["description"] = ""
    # 2. source() in a mart, 3. a mart reading staging that an intermediate refines
    nodes[mart]["depends_on"]["nodes"] += [source, staging]
    # 4. no primary-key test on the intermediate model
    for uid, n in list(nodes.items()):
        if n["resource_type"] == "test" and n.get("attached_node") == intermediate:
            del nodes[uid]
    # 5. wrong name for the layer, 6. wrong domain in meta
    nodes[staging]["name"] = "accounts_staged"
    nodes[intermediate]["meta"]["domain"] = "payments"
    # 7. a public mart without its contract, another with an untyped column
    nodes[mart]["config"]["contract"] = {"enforced": False, "alias_types": True}
    other_mart = "model.ledgerhouse.positions_daily"
    untyped = next(iter(nodes[other_mart]["columns"]))
    nodes[other_mart]["columns"][untyped]["data_type"] = None
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(broken))

    rc, report = score(path)
    bad = failures(report)
    assert rc != 0
    assert {"has_description", "columns_have_description"} <= set(bad[mart])
    assert "source_only_in_staging" in bad[mart]
    # (the staging node is renamed by break 5, so the message names it so)
    assert "accounts_staged" in bad[mart]["mart_reads_intermediate_not_staging"]
    assert "model_has_primary_key_test" in bad[intermediate]
    assert "model_meta_names_domain" in bad[intermediate]
    assert "model_name_matches_layer" in bad[staging]
    assert "public_mart_has_enforced_contract" in bad[mart]
    assert untyped in bad[other_mart]["public_mart_has_enforced_contract"]


def test_coverage_is_complete_for_models(manifest_path: Path) -> None:
    proc = subprocess.run(
        [*COVERAGE, "--manifest", str(manifest_path), "--fail-under", "100"],
        capture_output=True,
        text=True,
    )
    print(proc.stdout)  # the figures, visible with -s or on failure
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = {line.split("  ")[0]: line for line in proc.stdout.splitlines()}
    assert "described models" in lines and "models with a key test" in lines


def test_coverage_reports_what_is_missing(manifest_path: Path, tmp_path: Path) -> None:
    manifest = json.loads(manifest_path.read_text())
    manifest["nodes"]["model.ledgerhouse.positions_daily"]["description"] = " "
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    proc = subprocess.run(
        [*COVERAGE, "--manifest", str(path)], capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "missing described models: positions_daily" in proc.stdout


@pytest.mark.slow
def test_sqlfluff_lints_every_model(tmp_path: Path) -> None:
    env = base_env(
        LEDGERHOUSE_DUCKDB=str(tmp_path / "lint.duckdb"),
        LEDGERHOUSE_DUCKDB_TEMP=str(tmp_path / "duckdb_tmp"),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
    )
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "--processes", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]
