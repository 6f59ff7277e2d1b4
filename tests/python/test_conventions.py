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
- The shared doc blocks are used where they apply (scripts/doc_blocks.py):
  none is defined but unused, every error code of an error-code seed has its
  block, referenced from the seed and from its error mart's error_code
  column, numeric contract columns reference exact_decimals / round0, and
  business_date columns their domain's calendar block; a manifest broken in
  each of these ways fails.
- sqlfluff (dbt templater) lints every model clean; ruff passes on the Python.
- Every model, seed, snapshot and unit test name fits PostgreSQL's 63-byte
  identifiers.

Only `dbt parse` runs here: no warehouse is needed.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIN, DBT, ROOT, _run, base_env

DBT_SCORE = str(BIN / "dbt-score")
COVERAGE = [sys.executable, str(ROOT / "scripts" / "dbt_coverage.py")]
DOC_BLOCKS = [sys.executable, str(ROOT / "scripts" / "doc_blocks.py")]


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


def test_doc_blocks_are_used_where_they_apply(manifest_path: Path) -> None:
    proc = subprocess.run(
        [*DOC_BLOCKS, "--manifest", str(manifest_path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 problem(s)" in proc.stdout


def test_doc_block_check_catches_each_kind(manifest_path: Path, tmp_path: Path) -> None:
    """Break a copy of the manifest (and of the seeds) in known ways."""
    manifest = json.loads(manifest_path.read_text())
    nodes = manifest["nodes"]

    def drop(uid: str, column: str, block: str) -> None:
        blocks = nodes[uid]["columns"][column]["doc_blocks"]
        assert f"doc.ledgerhouse.{block}" in blocks
        blocks.remove(f"doc.ledgerhouse.{block}")

    # 1. a block defined but used nowhere
    orphan = dict(manifest["docs"]["doc.ledgerhouse.round0"], name="orphan_block")
    manifest["docs"]["doc.ledgerhouse.orphan_block"] = orphan
    # 2. an error mart's error_code column without one code's block
    drop("model.ledgerhouse.activity_errors", "error_code", "error_e003")
    # 3. a seed description without one code's block
    seed = nodes["seed.ledgerhouse.payment_error_codes"]
    seed["doc_blocks"].remove("doc.ledgerhouse.error_x002")
    # 4. an error-code seed no error mart points to
    for uid in [
        uid
        for uid, n in nodes.items()
        if n["resource_type"] == "test"
        and "seed.ledgerhouse.margin_error_codes" in n["depends_on"]["nodes"]
        and (n.get("test_metadata") or {}).get("name") == "relationships"
    ]:
        del nodes[uid]
    # 5. money, round0 and calendar columns without their blocks
    drop("model.ledgerhouse.balances_daily", "td_bal", "exact_decimals")
    drop("model.ledgerhouse.position_requirements", "house_req", "round0")
    perf = "model.ledgerhouse.fact_portfolio_performance_daily"
    nodes[perf]["columns"]["business_date"]["doc_blocks"] = ["doc.ledgerhouse.business_date"]
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    # 6. a new code in a seed without a doc block
    shutil.copytree(ROOT / "seeds", tmp_path / "project" / "seeds")
    codes = tmp_path / "project" / "seeds" / "portfolio" / "portfolio_error_codes.csv"
    codes.write_text(codes.read_text() + "P099,new check,a rule nobody documented\n")

    proc = subprocess.run(
        [*DOC_BLOCKS, "--manifest", str(path), "--project-dir", str(tmp_path / "project")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    lines = set(proc.stdout.splitlines())
    expected = {
        "doc block orphan_block (docs/dbt/conventions.md) is referenced nowhere",
        "activity_errors.error_code does not reference error_e003",
        "payment_error_codes: description does not reference error_x002",
        "margin_error_codes: no model has a relationships test from error_code to it",
        "balances_daily.td_bal does not reference doc block exact_decimals",
        "position_requirements.house_req does not reference doc block round0",
        "fact_portfolio_performance_daily.business_date does not reference doc block "
        "portfolio_business_date",
        "portfolio_error_codes: code P099 has no doc block error_p099",
    }
    assert expected <= lines, proc.stdout
    assert f"{len(expected)} problem(s)" in proc.stdout  # nothing else


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


def test_relation_names_fit_postgres_identifiers(manifest_path: Path) -> None:
    """PostgreSQL cuts identifiers at 63 bytes, and dbt refuses a longer relation
    name at run time (a unit test's fixture relation is named after the test), so
    a long name passes on DuckDB and fails only on PostgreSQL."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    too_long = sorted(
        f"{node['resource_type']} {node['name']} ({len(node['name'].encode())} bytes)"
        for node in nodes.values()
        if node["resource_type"] in ("model", "seed", "snapshot", "unit_test")
        and len(node["name"].encode()) > 63
    )
    assert too_long == []


def test_ruff_passes_on_the_python() -> None:
    """`make lint`'s Python half: the package, tests, scripts and DAGs are ruff
    clean (a line over the length limit once slipped past every test)."""
    proc = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, env=base_env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_seed_values_fit_their_declared_column_types() -> None:
    """A seed's `column_types` varchar(n) is enforced by PostgreSQL and Spark and
    ignored by DuckDB, so a value one character too long fails only there (an
    error-code rule grew past varchar(300) once). Every seed CSV value fits."""
    import csv
    import re

    import yaml

    too_long = []
    for spec_file in sorted((ROOT / "seeds").glob("*/_*__seeds.yml")):
        for seed in yaml.safe_load(spec_file.read_text(encoding="utf-8"))["seeds"]:
            types = (seed.get("config") or {}).get("column_types") or {}
            limits = {col: int(m.group(1)) for col, typ in types.items()
                      if (m := re.fullmatch(r"\s*(?:varchar|character varying)\((\d+)\)\s*",
                                            str(typ), re.IGNORECASE))}
            if not limits:
                continue
            path = spec_file.parent / f"{seed['name']}.csv"
            with path.open(newline="", encoding="utf-8") as handle:
                for line, row in enumerate(csv.DictReader(handle), start=2):
                    too_long += [f"{path.name}:{line} {col}: {len(row[col])} > {limit}"
                                 for col, limit in limits.items()
                                 if row.get(col) is not None and len(row[col]) > limit]
    assert too_long == []


@pytest.mark.parametrize("domain", ["brokerage", "portfolio", "payments"])
def test_each_domain_selector_reads_only_its_own_sources(domain: str, tmp_path: Path) -> None:
    """`dbt build --selector <domain>` is how a warehouse holding one domain's landing
    files builds it (README, "The CLI"): everything it selects reads the domain's raw
    tables and the shared raw_meta only, and it selects every one of the domain's models.
    (test_portfolio and test_payments build through their selectors for real.)"""
    env = base_env(LEDGERHOUSE_DUCKDB=str(tmp_path / "ls.duckdb"))
    common = ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
              "--quiet", "--output", "json", "--output-keys", "unique_id resource_type"]

    def listed(*selection: str) -> set[str]:
        proc = _run([DBT, "ls", *selection, *common], env, check=True)
        return {json.loads(line)["unique_id"] for line in proc.stdout.splitlines()
                if line.startswith("{")}

    selected = listed("--selector", domain)
    sources = {node.split(".")[2]
               for node in listed("--selector", domain, "--resource-type", "source")}
    assert sources <= {f"raw_{domain}", domain, "raw_meta", "meta"}, sources
    # every model of the domain: the marts, and intermediate models no mart reads
    # (int_brokerage__reference_rejects, the quarantine of bad reference rows)
    models = listed("--select", f"config.meta.domain:{domain}", "--resource-type", "model")
    assert len(models) > 10 and models <= selected, sorted(models - selected)
