# ledgerhouse — every entry point a person or CI uses.
#   make run    set up, generate sample data, load it, dbt build, docs (DuckDB)
#   make test   set up and run the whole test suite
# Targets create what they need (.venv, sample data) and reuse it when present.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
AIRFLOW_VENV := .venv-airflow
TARGET ?= duckdb
SAMPLE_DAYS ?= 20
SAMPLE_ACCOUNTS ?= 200
SAMPLE_SEED ?= 42
LANDING ?= data/landing
# Payments deliveries are calendar-dated: a landing root of their own.
PAYMENTS_LANDING ?= data/landing-payments
PAYMENTS_MERCHANTS ?= 50
# Portfolio: 90 NYSE dates from 2026-01-02 so the 63-day KPIs (vol, beta) fill.
PORTFOLIO_LANDING ?= data/landing-portfolio
PORTFOLIO_DAYS ?= 90
PORTFOLIO_COUNT ?= 6
PYTEST_ARGS ?=
# make test leaves out the long Spark scenarios (marker spark_extended) so CI
# stays well inside its time; the three-engine parity test and the Spark
# loader tests do run. `make test-spark` runs every Spark test.
PYTEST_MARKERS ?= not spark_extended
# The suite runs on two pytest-xdist workers, a whole test file per worker
# (tests/python/conftest.py starts the longest files first). Almost every test
# drives dbt, Airflow or Spark subprocesses that use one core each, so two
# workers on the 2-core CI machine roughly halve the wall time.
# PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export LEDGERHOUSE_TARGET := $(TARGET)

.PHONY: help setup run load build docs test test-spark lint bench bench-engines clean airflow-setup chromium conventions lineage

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s $$'\t'

$(BIN)/.installed: pyproject.toml requirements/lock.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (ledgerhouse needs Python 3.11; set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(BIN)/.installed  ## create .venv with dbt and the ledgerhouse CLI (reused when present)

$(LANDING)/.generated: $(BIN)/.installed
	$(BIN)/ledgerhouse generate $(LANDING) --days $(SAMPLE_DAYS) --accounts $(SAMPLE_ACCOUNTS) --seed $(SAMPLE_SEED)
	@touch $@

$(PAYMENTS_LANDING)/.generated: $(BIN)/.installed
	$(BIN)/ledgerhouse generate $(PAYMENTS_LANDING) --domain payments --days $(SAMPLE_DAYS) --accounts $(PAYMENTS_MERCHANTS) --seed $(SAMPLE_SEED)
	@touch $@

$(PORTFOLIO_LANDING)/.generated: $(BIN)/.installed
	$(BIN)/ledgerhouse generate $(PORTFOLIO_LANDING) --domain portfolio --days $(PORTFOLIO_DAYS) --accounts $(PORTFOLIO_COUNT) --seed $(SAMPLE_SEED)
	@touch $@

load: $(LANDING)/.generated $(PAYMENTS_LANDING)/.generated $(PORTFOLIO_LANDING)/.generated  ## load the sample landing folders into the raw schemas
	$(BIN)/ledgerhouse load $(LANDING) --target $(TARGET)
	$(BIN)/ledgerhouse load $(PAYMENTS_LANDING) --target $(TARGET)
	$(BIN)/ledgerhouse load $(PORTFOLIO_LANDING) --target $(TARGET)

build: setup  ## dbt seed + build (models, snapshots, tests) on TARGET
	$(BIN)/dbt build --target $(TARGET) --fail-fast

# Docs need no data: lineage, descriptions and tests come from the project.
# Column types come from the warehouse (catalog): after `make build` (or
# `make run`, which ends here) they are complete; on a fresh clone the catalog
# is empty and the site still opens offline (docs/conventions.md).
docs: setup  ## generate the dbt docs site (target/index.html and target/static_index.html)
	$(BIN)/dbt docs generate --target $(TARGET) --static
	@echo "docs: open target/static_index.html (one self-contained file, works offline)"

# The same build through dbt-ol (openlineage-dbt): one START/COMPLETE
# OpenLineage event per node, written to a local file, nothing sent anywhere
# (docs/lineage.md).
OPENLINEAGE_FILE ?= target/openlineage/events.jsonl
lineage: setup  ## dbt build via dbt-ol, OpenLineage events to OPENLINEAGE_FILE (offline)
	@mkdir -p $(dir $(OPENLINEAGE_FILE))
	OPENLINEAGE__TRANSPORT__TYPE=file OPENLINEAGE__TRANSPORT__APPEND=true \
	OPENLINEAGE__TRANSPORT__LOG_FILE_PATH=$(abspath $(OPENLINEAGE_FILE)) \
	OPENLINEAGE_NAMESPACE=ledgerhouse PATH="$(abspath $(BIN)):$$PATH" \
	$(BIN)/dbt-ol build --target $(TARGET) --fail-fast
	@echo "lineage: $$(wc -l < $(OPENLINEAGE_FILE)) events in $(OPENLINEAGE_FILE)"

run: load build docs  ## the main job on the embedded default: sample data -> dbt build -> docs
	$(BIN)/ledgerhouse summary --target $(TARGET)

test: setup airflow-setup chromium  ## the whole test suite (DuckDB, PostgreSQL, Spark, lint, Airflow DAGs)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "$(PYTEST_MARKERS)" -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25 $(PYTEST_ARGS)

test-spark: setup  ## every Spark test, the long incremental scenarios included (local PySpark, about an hour)
	$(BIN)/python -m pytest -m spark $(PYTEST_ARGS)

# Airflow + Cosmos live in their own venv: installing dbt next to Airflow
# downgrades Airflow's protobuf/python-dateutil/pathspec (docs/airflow.md).
# The DAGs run dbt and the ledgerhouse CLI from .venv.
$(AIRFLOW_VENV)/.installed: requirements/airflow-lock.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found"; exit 1; }
	@test -x $(AIRFLOW_VENV)/bin/python || $(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet -r requirements/airflow-lock.txt
	@touch $@

airflow-setup: setup $(AIRFLOW_VENV)/.installed  ## create .venv-airflow (Airflow 3 + Cosmos) and target/manifest.json for the DAGs
	$(BIN)/dbt parse --target $(TARGET) --quiet

lint: setup  ## ruff and sqlfluff
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint models

conventions: setup  ## dbt metadata linter (dbt-score), documentation/test coverage figures, doc-block use
	$(BIN)/dbt parse --target $(TARGET) --quiet
	$(BIN)/dbt-score lint --manifest target/manifest.json
	$(BIN)/python scripts/dbt_coverage.py --manifest target/manifest.json
	$(BIN)/python scripts/doc_blocks.py --manifest target/manifest.json

# Debian's chromium for the docs-site test (tests/python/test_docs.py); a
# no-op when it is installed. Needs root (CI is root) or sudo.
chromium:  ## install Debian's chromium when missing (for the docs test)
	@command -v chromium >/dev/null || { \
		SUDO=$$(test "$$(id -u)" -eq 0 || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium; }

clean:  ## remove build output, sample data and the DuckDB file (keeps the venvs)
	rm -rf target logs data ledgerhouse.duckdb ledgerhouse.duckdb.wal .duckdb_tmp

BENCH_ACTIVITIES ?= 1000000
BENCH_DAYS ?= 250
BENCH_ACCOUNTS ?= 1000
BENCH_ARGS ?=

bench: setup  ## brokerage benchmark on DuckDB: dbt build vs a hand-written baseline, incremental day vs full (not a test)
	$(BIN)/python -m ledgerhouse.bench --activities $(BENCH_ACTIVITIES) --days $(BENCH_DAYS) --accounts $(BENCH_ACCOUNTS) --dir bench $(BENCH_ARGS)

# The same data on each engine, one after the other (never at once: the
# figures are of one engine alone), then one table with an engine per
# column. Spark at 1M takes about 25 minutes, at 10M about 40 (docs/spark.md).
BENCH_TARGETS ?= duckdb postgres spark
bench-engines: setup  ## the brokerage benchmark on DuckDB, PostgreSQL and Spark, then one table of all three (not a test)
	@for target in $(BENCH_TARGETS); do \
		$(BIN)/python -m ledgerhouse.bench --target $$target --keep --activities $(BENCH_ACTIVITIES) --days $(BENCH_DAYS) --accounts $(BENCH_ACCOUNTS) --dir bench $(BENCH_ARGS) || exit 1; \
	done
	$(BIN)/python -m ledgerhouse.bench --table --dir bench
