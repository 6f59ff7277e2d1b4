"""Run SQL on the spark target in a process of its own (used by conftest's Warehouse).

Reads a pickled list of SQL statements on stdin and writes the pickled list of
their result rows on stdout. A SparkSession keeps its Derby metastore open
until its JVM exits, so queries never run inside the pytest process: dbt and
the loader would then find the metastore locked.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys

from ledgerhouse.load_spark import SparkEngine
from ledgerhouse.settings import target_settings


def main() -> None:
    statements: list[str] = pickle.load(sys.stdin.buffer)
    engine = SparkEngine(target_settings("spark"))
    with contextlib.redirect_stdout(sys.stderr):
        engine.open()
    try:
        results = [engine.execute(sql) for sql in statements]
    finally:
        engine.close()
    sys.stdout.buffer.write(pickle.dumps(results))
    sys.stdout.flush()
    os._exit(0)  # skip the JVM's slow shutdown hooks; everything is written


if __name__ == "__main__":
    main()
