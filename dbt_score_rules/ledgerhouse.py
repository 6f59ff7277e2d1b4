"""The ledgerhouse conventions (docs/conventions.md), one dbt-score rule each.

Layers are read from the file path: ``models/<layer>/<domain>/<name>.sql``.
A rule returns a ``RuleViolation`` naming what is wrong and how to fix it.
"""

import re
from pathlib import PurePosixPath

from dbt_score import Model, RuleViolation, Seed, Snapshot, Source, rule

# "meta": the loader's own bookkeeping (raw_meta.load_audit), staged once for every domain
DOMAINS = ("brokerage", "portfolio", "payments", "meta")
LAYERS = ("staging", "intermediate", "marts")

# A description states its grain when it says what one row is.
# "d x position key" style grains use the multiplication sign (U+00D7).
GRAIN = re.compile(
    "\u00d7|" r"\bgrain\b|\bone (row|version|[a-z_ -]+ per)\b|\bper\b|\bevery\b|\beach\b",
    re.I,
)


def layer_and_domain(model: Model) -> tuple[str | None, str | None]:
    """('staging'|'intermediate'|'marts'|None, domain folder or None) from the path."""
    parts = PurePosixPath(model.original_file_path).parts
    if len(parts) >= 4 and parts[0] == "models" and parts[1] in LAYERS:
        return parts[1], parts[2]
    return None, None


def model_layer(node: object) -> str | None:
    if isinstance(node, Model):
        return layer_and_domain(node)[0]
    return None


@rule
def model_in_layer_and_domain_folder(model: Model) -> RuleViolation | None:
    """A model lives in models/<staging|intermediate|marts>/<domain>/."""
    layer, domain = layer_and_domain(model)
    if layer is None or domain not in DOMAINS:
        return RuleViolation(
            f"{model.original_file_path}: expected models/<{'|'.join(LAYERS)}>/"
            f"<{'|'.join(DOMAINS)}>/<name>.sql."
        )
    return None


@rule
def model_name_matches_layer(
    model: Model,
    mart_names: dict[str, list[str]] | None = None,
) -> RuleViolation | None:
    """stg_<domain>__<entity> in staging, int_<domain>__<name> in intermediate,
    and in marts only the spec's mart names (configured per domain)."""
    layer, domain = layer_and_domain(model)
    if layer is None:
        return None
    if layer == "staging" and not re.fullmatch(rf"stg_{domain}__[a-z0-9_]+", model.name):
        return RuleViolation(f"Staging model must be named stg_{domain}__<entity>.")
    if layer == "intermediate" and not re.fullmatch(rf"int_{domain}__[a-z0-9_]+", model.name):
        return RuleViolation(f"Intermediate model must be named int_{domain}__<name>.")
    if layer == "marts":
        allowed = (mart_names or {}).get(domain or "", [])
        if model.name not in allowed:
            return RuleViolation(
                f"Mart {model.name} is not a {domain} mart named by the spec "
                "(pyproject.toml [tool.dbt-score.rules] mart_names)."
            )
    return None


@rule
def model_meta_names_domain(model: Model) -> RuleViolation | None:
    """meta.domain names the owning domain (the model's domain folder)."""
    _, domain = layer_and_domain(model)
    if model.meta.get("domain") != domain:
        return RuleViolation(f"meta.domain is {model.meta.get('domain')!r}, expected {domain!r}.")
    return None


@rule
def model_description_states_grain(model: Model) -> RuleViolation | None:
    """The model description says what one row is (its grain)."""
    if model.description and not GRAIN.search(model.description):
        return RuleViolation("Description does not state the grain (what one row is).")
    return None


def _has_pk_test(tests: list, columns: list) -> bool:
    for test in tests:
        if test.type == "unique_combination_of_columns":
            return True
    for column in columns:
        types = {t.type for t in column.tests}
        if {"unique", "not_null"} <= types:
            return True
        if any(c.type == "primary_key" for c in column.constraints):
            return "unique" in types
    return False


@rule
def model_has_primary_key_test(model: Model) -> RuleViolation | None:
    """unique + not_null on one column, or unique_combination_of_columns."""
    if not _has_pk_test(model.tests, model.columns):
        return RuleViolation(
            "No primary-key test: add unique + not_null on the key column or "
            "unique_combination_of_columns over the key."
        )
    return None


@rule
def snapshot_has_primary_key_test(snapshot: Snapshot) -> RuleViolation | None:
    """A snapshot has a key test (its dbt_scd_id or key + validity columns)."""
    if not _has_pk_test(snapshot.tests, snapshot.columns):
        return RuleViolation("No primary-key test on the snapshot.")
    return None


@rule
def source_only_in_staging(model: Model) -> RuleViolation | None:
    """Only staging models select from source()."""
    layer, _ = layer_and_domain(model)
    sources = [n for n in model.depends_on.get("nodes", []) if n.startswith("source.")]
    if sources and layer != "staging":
        return RuleViolation(f"source() outside staging: {', '.join(sources)}.")
    return None


@rule
def mart_reads_intermediate_not_staging(model: Model) -> RuleViolation | None:
    """A mart does not read a staging model that an intermediate model already refines."""
    if layer_and_domain(model)[0] != "marts":
        return None
    bypassed = []
    for parent in model.parents:
        if model_layer(parent) != "staging":
            continue
        refiners = [c.name for c in parent.children if model_layer(c) == "intermediate"]
        if refiners:
            bypassed.append(f"{parent.name} (use {refiners[0]})")
    if bypassed:
        return RuleViolation(f"Mart reads staging directly: {', '.join(bypassed)}.")
    return None


@rule
def no_staging_to_staging(model: Model) -> RuleViolation | None:
    """A staging model reads only its source."""
    if layer_and_domain(model)[0] == "staging":
        refs = [p.name for p in model.parents if isinstance(p, Model)]
        if refs:
            return RuleViolation(f"Staging model reads other models: {', '.join(refs)}.")
    return None


@rule
def snapshot_has_description(snapshot: Snapshot) -> RuleViolation | None:
    """A snapshot and each of its columns is described."""
    missing = [c.name for c in snapshot.columns if not c.description]
    if not snapshot.description or missing:
        return RuleViolation(f"Snapshot or columns lack a description: {missing or 'model'}.")
    return None


@rule
def source_has_description(source: Source) -> RuleViolation | None:
    """A source table and each of its columns is described."""
    missing = [c.name for c in source.columns if not c.description]
    if not source.description or missing:
        return RuleViolation(f"Source or columns lack a description: {missing or 'table'}.")
    return None


@rule
def seed_meta_names_domain(seed: Seed) -> RuleViolation | None:
    """A seed's meta.domain names its domain folder (seeds/<domain>/)."""
    parts = PurePosixPath(seed.original_file_path).parts
    domain = parts[1] if len(parts) >= 3 else None
    if seed.config.get("meta", {}).get("domain") != domain:
        return RuleViolation(f"Seed meta.domain should be {domain!r}.")
    return None


@rule
def public_mart_has_enforced_contract(model: Model) -> RuleViolation | None:
    """A public mart (a table in marts/) enforces a contract with a data_type on
    every column, so a type change fails the build instead of a consumer."""
    if layer_and_domain(model)[0] != "marts" or model.config.get("materialized") == "view":
        return None
    if not (model.config.get("contract") or {}).get("enforced"):
        return RuleViolation("Public mart without `contract: {enforced: true}`.")
    untyped = [c.name for c in model.columns if not c.data_type]
    if untyped:
        return RuleViolation(f"Contract columns without data_type: {', '.join(untyped)}.")
    return None
