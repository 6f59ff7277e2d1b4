"""The shared doc blocks (docs/dbt/*.md) are used where they apply, from
manifest.json (docs/conventions.md, "Shared definitions").

    .venv/bin/python scripts/doc_blocks.py --manifest target/manifest.json

Checks, each problem printed on one line (exit 1 when there is any):
- every doc block of the project is referenced by some model, seed,
  snapshot, source, exposure or column (`__overview__` is the site's home
  page and needs no reference);
- every row of an error-code seed (a seed named `*_error_codes`, column
  `error_code`) has its doc block `error_<code>` (lowercase); the seed's
  description references every one of them, and so does the `error_code`
  column of every model with a relationships test to that seed; each such
  seed has at least one such model;
- every column of an enforced-contract model whose data_type is
  `numeric(p,s)` references `exact_decimals` (scale > 0) or `round0`
  (scale 0: the values are rounded with round0);
- every column named `business_date` references `portfolio_business_date`
  in the portfolio domain (its own calendar seed) and `business_date`
  elsewhere.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

NUMERIC = re.compile(r"numeric\(\s*(\d+)\s*,\s*(\d+)\s*\)", re.IGNORECASE)


def _doc(manifest: dict, name: str) -> str:
    return f"doc.{manifest['metadata'].get('project_name', 'ledgerhouse')}.{name}"


def _documented(manifest: dict) -> Iterator[tuple[str, dict]]:
    """(label, node-or-column) for everything that can carry a description."""
    for section in ("nodes", "sources", "exposures"):
        for uid, node in manifest.get(section, {}).items():
            yield uid, node
            for name, column in (node.get("columns") or {}).items():
                yield f"{uid}.{name}", column


def unreferenced_blocks(manifest: dict) -> list[str]:
    used: set[str] = set()
    for _, item in _documented(manifest):
        used.update(item.get("doc_blocks") or [])
    project = manifest["metadata"].get("project_name", "ledgerhouse")
    return [
        f"doc block {block['name']} ({block['original_file_path']}) is referenced nowhere"
        for uid, block in sorted(manifest["docs"].items())
        if block["package_name"] == project
        and block["name"] != "__overview__"
        and uid not in used
    ]


def _seed_codes(seed: dict, root: Path) -> list[str]:
    path = root / seed["original_file_path"]
    with path.open(newline="", encoding="utf-8") as f:
        return [row["error_code"] for row in csv.DictReader(f)]


def error_code_problems(manifest: dict, root: Path) -> list[str]:
    problems: list[str] = []
    nodes = manifest["nodes"]
    seeds = {
        uid: n
        for uid, n in nodes.items()
        if n["resource_type"] == "seed" and n["name"].endswith("_error_codes")
    }
    # error marts: models with a relationships test error_code -> the seed
    users: dict[str, set[str]] = {uid: set() for uid in seeds}
    for test in nodes.values():
        meta = test.get("test_metadata") or {}
        if test["resource_type"] != "test" or meta.get("name") != "relationships":
            continue
        if test.get("column_name") != "error_code" or not test.get("attached_node"):
            continue
        for parent in test["depends_on"]["nodes"]:
            if parent in users:
                users[parent].add(test["attached_node"])
    for uid, seed in sorted(seeds.items()):
        codes = _seed_codes(seed, root)
        if not users[uid]:
            problems.append(
                f"{seed['name']}: no model has a relationships test from error_code to it"
            )
        for code in codes:
            block = _doc(manifest, f"error_{code.lower()}")
            if block not in manifest["docs"]:
                problems.append(
                    f"{seed['name']}: code {code} has no doc block error_{code.lower()}"
                )
                continue
            if block not in (seed.get("doc_blocks") or []):
                problems.append(
                    f"{seed['name']}: description does not reference error_{code.lower()}"
                )
            for model_uid in sorted(users[uid]):
                column = nodes[model_uid]["columns"].get("error_code") or {}
                if block not in (column.get("doc_blocks") or []):
                    problems.append(
                        f"{nodes[model_uid]['name']}.error_code does not reference "
                        f"error_{code.lower()}"
                    )
    return problems


def column_problems(manifest: dict) -> list[str]:
    problems: list[str] = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed", "snapshot"):
            continue
        contract = (node["config"].get("contract") or {}).get("enforced")
        domain = (node["config"].get("meta") or {}).get("domain") or node["meta"].get("domain")
        for name, column in node["columns"].items():
            blocks = column.get("doc_blocks") or []
            wanted: list[str] = []
            numeric = NUMERIC.fullmatch((column.get("data_type") or "").strip())
            if contract and node["resource_type"] == "model" and numeric:
                wanted.append("round0" if numeric.group(2) == "0" else "exact_decimals")
            if name == "business_date":
                wanted.append(
                    "portfolio_business_date" if domain == "portfolio" else "business_date"
                )
            problems += [
                f"{node['name']}.{name} does not reference doc block {block}"
                for block in wanted
                if _doc(manifest, block) not in blocks
            ]
    return sorted(problems)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"))
    parser.add_argument(
        "--project-dir", type=Path, default=Path(__file__).resolve().parent.parent,
        help="where the seeds' CSV files are (default: this repository)",
    )
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text(encoding="utf-8"))
    problems = (
        unreferenced_blocks(manifest)
        + error_code_problems(manifest, args.project_dir)
        + column_problems(manifest)
    )
    for line in problems:
        print(line)
    blocks = sum(1 for b in manifest["docs"].values() if b["name"] != "__overview__")
    print(f"doc blocks: {blocks} defined, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
