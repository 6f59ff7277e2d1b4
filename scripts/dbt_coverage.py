"""Documentation and test coverage of the dbt project, from manifest.json
(and catalog.json when given, which adds the columns that exist in the
warehouse but are not documented).

    .venv/bin/python scripts/dbt_coverage.py --manifest target/manifest.json \
        [--catalog target/catalog.json] [--fail-under 100]

Prints one line per resource type and a per-figure total; exits 1 when a
held figure is below --fail-under. Held figures (docs/conventions.md): models
described, models with a primary-key-style test, columns described (models,
seeds, snapshots, sources), source tables that declare their columns. Column
test coverage is printed, not held: not every column needs a test.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("model", "seed", "snapshot", "source")


@dataclass
class Figure:
    """covered / total, with the names of what is not covered."""

    covered: int = 0
    total: int = 0
    missing: list[str] = field(default_factory=list)

    def add(self, ok: bool, name: str) -> None:
        self.total += 1
        if ok:
            self.covered += 1
        else:
            self.missing.append(name)

    @property
    def pct(self) -> float:
        return 100.0 if self.total == 0 else 100.0 * self.covered / self.total


def _tests_by_node(manifest: dict) -> dict[str, list[dict]]:
    tests: dict[str, list[dict]] = defaultdict(list)
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        attached = node.get("attached_node") or next(iter(node["depends_on"]["nodes"]), None)
        if attached:
            tests[attached].append(node)
    return tests


def _has_key_test(tests: list[dict]) -> bool:
    by_column: dict[str | None, set[str]] = defaultdict(set)
    for t in tests:
        meta = t.get("test_metadata") or {}
        name = meta.get("name")
        if name == "unique_combination_of_columns":
            return True
        by_column[t.get("column_name")].add(name or "")
    return any({"unique", "not_null"} <= names for col, names in by_column.items() if col)


def coverage(manifest: dict, catalog: dict | None) -> dict[str, Figure]:
    """The figures, keyed '<what> <kind>'."""
    figures: dict[str, Figure] = defaultdict(Figure)
    tests = _tests_by_node(manifest)
    nodes = {
        uid: n
        for uid, n in {**manifest["nodes"], **manifest["sources"]}.items()
        if n["resource_type"] in KINDS and n["package_name"] == manifest["metadata"].get(
            "project_name", n["package_name"]
        )
    }
    cat_nodes = {**(catalog or {}).get("nodes", {}), **(catalog or {}).get("sources", {})}
    for uid, node in sorted(nodes.items()):
        kind = node["resource_type"]
        figures[f"described {kind}s"].add(bool(node["description"].strip()), node["name"])
        if kind == "model":
            figures["models with a key test"].add(_has_key_test(tests[uid]), node["name"])
        if kind == "source":  # without a catalog, undeclared columns would count as none
            figures["sources with declared columns"].add(bool(node["columns"]), node["name"])
        documented = {c.lower(): c for c in node["columns"]}
        names = set(documented)
        if uid in cat_nodes:
            names |= {c.lower() for c in cat_nodes[uid]["columns"]}
        tested_cols = {(t.get("column_name") or "").lower() for t in tests[uid]}
        for col in sorted(names):
            doc = node["columns"].get(documented.get(col, col), {})
            figures[f"described {kind} columns"].add(
                bool(doc.get("description", "").strip()), f"{node['name']}.{col}"
            )
            if kind == "model":
                figures["tested model columns (not held)"].add(
                    col in tested_cols, f"{node['name']}.{col}"
                )
    return dict(figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"))
    parser.add_argument("--catalog", type=Path)
    parser.add_argument("--fail-under", type=float, default=100.0)
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text())
    catalog = json.loads(args.catalog.read_text()) if args.catalog else None
    figures = coverage(manifest, catalog)
    failed = False
    print(f"{'coverage':40} {'covered':>8} {'total':>6} {'pct':>7}")
    for name, fig in sorted(figures.items()):
        held = "not held" not in name
        below = held and fig.pct < args.fail_under
        failed |= below
        flag = "  BELOW" if below else ""
        print(f"{name:40} {fig.covered:8d} {fig.total:6d} {fig.pct:6.1f}%{flag}")
    for name, fig in sorted(figures.items()):
        if "not held" not in name and fig.missing and fig.pct < args.fail_under:
            print(f"missing {name}: {', '.join(fig.missing[:40])}"
                  + (" ..." if len(fig.missing) > 40 else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
