"""The benchmark's engine table (``python -m ledgerhouse.bench --table``).

The inputs are written here; the expected cells are formatted by hand from
them, not taken from the function's output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ledgerhouse.bench import engine_table


def _results(path: Path, target: str, build: float, memory: int, **more: float) -> None:
    path.write_text(json.dumps({
        "target": target, "activities": 1000000, "load_s": 12.34, "full_build_s": build,
        "position_updates_model_s": 2.25, "incremental_s": 9.5,
        "incremental_nothing_new_s": 6.0, "ratio_incremental_to_full": 0.117,
        "peak_process_tree_mb": memory, **more,
    }))


def test_one_column_per_engine_in_engine_order(tmp_path: Path) -> None:
    _results(tmp_path / "results-spark.json", "spark", 778.0, 9960)
    _results(tmp_path / "results.json", "duckdb", 1234.5, 6349,
             incremental_nodes_elapsed_s=4.31)
    table = engine_table(tmp_path).splitlines()
    assert table[0] == "| step | duckdb 1,000,000 | spark 1,000,000 |"
    assert "| dbt build, history | 1,234.5 s | 778.0 s |" in table
    assert "| incremental / full | 11.7 % | 11.7 % |" in table
    assert "| peak memory, process tree | 6,349 MB | 9,960 MB |" in table
    # a figure an older results file lacks is a dash, not an error
    assert "| of which dbt's own elapsed | 4.3 s | - |" in table
    assert len(table) == 2 + 8  # header, rule, eight figures


def test_no_results_is_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "ledgerhouse.bench", "--table", "--dir",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr == f"bench: no results*.json in {tmp_path} (run the benchmark first)\n"
