# persona: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DBT := $(BIN)/dbt
# The Spark target's environment (make env-spark): the same locked packages plus dbt-spark and PySpark
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed-$(shell cat requirements-spark.lock pyproject.toml | cksum | cut -d' ' -f1)
UV_VERSION := 0.13.9

# Where the warehouse and the raw data are; both can be overridden from the environment.
export PERSONA_DB ?= data/persona.duckdb
RAW_DIR := $(if $(PERSONA_RAW_DIR),$(PERSONA_RAW_DIR),data/raw)
SAMPLE_PERSONS ?= 10000
SCALE ?= 100000
BUILD := .build
# the read-only copy of the marts the profile API serves (persona publish, make serve)
export PERSONA_PUBLISHED_DB ?= data/published/marts.duckdb
API_PORT ?= 8600
BENCH_API_REQUESTS ?= 2000

.PHONY: help env env-spark test-spark run test lint metadata-lint pytest fixture-build bench bench-daily docs export dashboard validate browser duckdb1 clean publish serve bench-api

# Browser tests drive Debian's chromium (no browser download); the warehouse's DuckDB 1.x
# readability is checked with this DuckDB 1.x in its own virtual environment.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
DUCKDB1 := $(BUILD)/duckdb1
DUCKDB1_VERSION := 1.5.6

help:
	@echo "make run     build the warehouse (generates the sample into data/raw first if needed);"
	@echo "             every day: one build at a time, says which raw files changed, skips if none did"
	@echo "make run FULL_REFRESH=1   rebuild every model from all raw files (after a bad day)"
	@echo "make test    every check: ruff, sqlfluff, pytest, dbt build + tests on the fixture"
	@echo "make test-spark  the fixture built on a local Spark (dbt-spark, PySpark, Java 17), compared with DuckDB"
	@echo "make bench SCALE=100000   time a full build at that many persons (BENCH_RAW=dir: build that raw folder;"
	@echo "                          BENCH_TARGET=spark: on a local Spark)"
	@echo "make bench-daily SCALE=100000   a full build, then one new day (DAYS=K: K days), both timed"
	@echo "make docs    the static docs site (target/static_index.html) and the description check"
	@echo "make export  every public mart as Parquet into data/marts/"
	@echo "make dashboard  serve the dashboard on http://localhost:8501 (reads PERSONA_DB)"
	@echo "make validate  Great Expectations checks of the marts BI reads; Data Docs in data/validation/"
	@echo "make publish   copy the marts the profile API reads to $$PERSONA_PUBLISHED_DB (make run does it)"
	@echo "make serve     the read-only profile API on http://localhost:$(API_PORT) (docs: /docs)"
	@echo "make bench-api  its lookup latency (p50/p95/p99) and requests/s on loopback"
	@echo "make clean   remove target/, logs/, .build/ (keeps data/ and .venv/)"

$(STAMP): requirements.lock pyproject.toml
	@echo "== creating the Python environment in $(VENV) (Python 3.11, locked dependencies)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

env: $(STAMP)

$(SPARK_STAMP): requirements-spark.lock pyproject.toml | $(STAMP)
	@echo "== creating the Spark environment in $(SPARK_VENV) (requirements-spark.lock: dbt-spark, PySpark)"
	rm -rf $(SPARK_VENV)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(SPARK_VENV)
	$(BIN)/uv pip sync --quiet --python $(SPARK_VENV)/bin/python requirements-spark.lock
	$(BIN)/uv pip install --quiet --python $(SPARK_VENV)/bin/python --no-deps -e .
	touch $@

env-spark: $(SPARK_STAMP)

run: env
	@mkdir -p data $(dir $(PERSONA_DB))
	@if [ -z "$${PERSONA_RAW_DIR:-}" ] && [ -z "$$(ls -A data/raw 2>/dev/null)" ]; then \
		echo "== data/raw is empty: generating the sample ($(SAMPLE_PERSONS) persons) into data/raw"; \
		$(BIN)/persona generate --persons $(SAMPLE_PERSONS) --out data/raw; \
	else \
		echo "== building from $(RAW_DIR) (nothing is generated)"; \
	fi
	$(BIN)/persona run --db "$(PERSONA_DB)" --raw "$(RAW_DIR)" --exports data/exports \
		--published "$(PERSONA_PUBLISHED_DB)" $(if $(FULL_REFRESH),--full-refresh)
	@echo ""
	@echo "== done"
	@echo "warehouse:   $(abspath $(PERSONA_DB))   (DuckDB; schemas staging, intermediate, marts)"
	@echo "raw data:    $(abspath $(RAW_DIR))"
	@echo "docs:        $(abspath target/static_index.html)   (one file, opens offline)"
	@echo "data quality: marts.rpt_raw_reconciliation and marts.rpt_raw_quarantine_summary"
	@echo "OneID:        marts.dim_identifiers, marts.rpt_identity_quality, marts.rpt_identity_audit, marts.fct_identity_changes"
	@echo "customers:    marts.dim_customers, marts.dim_customer_rfm, marts.dim_customer_lifecycle, marts.dim_customer_profiles (tags)"
	@echo "tags:         marts.fct_customer_tags, marts.rpt_tag_coverage; catalog for marketers: docs/tags.md"
	@echo "audiences:    marts.rpt_audience_summary, marts.rpt_audience_tgi; files: $(abspath data/exports)"
	@echo "predictions:  marts.dim_customer_clv, marts.dim_customer_clusters, marts.dim_customer_propensity (+ rpt_* diagnostics)"
	@echo "recommendations: marts.fct_customer_recommendations (10 per person, with reasons), marts.rpt_recommendation_evaluation"
	@echo "profile API:  make serve (reads $(abspath $(PERSONA_PUBLISHED_DB)), docs on http://localhost:$(API_PORT)/docs"
	@echo "referrals:    marts.fct_referrals, marts.dim_customer_referrals, marts.rpt_top_sharers, marts.rpt_referral_cascades"

test: env lint pytest fixture-build
	@echo "== all checks passed"

lint: env
	@echo "== ruff"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "== sqlfluff (dbt templater, duckdb dialect)"
	@mkdir -p $(BUILD)
	PERSONA_DB=$(BUILD)/lint.duckdb PERSONA_RAW_DIR=$(BUILD)/empty-raw $(BIN)/sqlfluff lint models python_models analyses tests
	@$(MAKE) --no-print-directory metadata-lint
	@echo "== pre-commit configuration"
	$(BIN)/pre-commit validate-config .pre-commit-config.yaml

# dbt-score on the parsed project (thresholds in pyproject.toml [tool.dbt-score])
metadata-lint: env
	@echo "== dbt-score (metadata: descriptions, owners, tests)"
	@mkdir -p $(BUILD)/empty-raw
	PERSONA_DB=$(BUILD)/lint.duckdb PERSONA_RAW_DIR=$(BUILD)/empty-raw $(DBT) parse --quiet --target-path $(BUILD)/lint-target
	$(BIN)/dbt-score lint --manifest $(BUILD)/lint-target/manifest.json --show failing-items

# the tests in PYTEST_WORKERS processes, a test file to a process (each process builds its own
# shared fixtures); PYTEST_WORKERS=0 runs them in this one
PYTEST_WORKERS ?= 2
pytest: env browser duckdb1
	@echo "== pytest ($(PYTEST_WORKERS) worker processes)"
	$(BIN)/pytest $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

# dbt build with every dbt test (data, unit and the golden tests) on the small fixture, then on a
# marketplace-only subset of it (a brand that brings only ecommerce orders, items and products);
# then the GX validation of both warehouses (their first run: rules only, no previous build).
fixture-build: env
	@echo "== dbt build on the fixture (every table, written as text by another tool)"
	rm -rf $(BUILD)/fixture && mkdir -p $(BUILD)/fixture
	$(BIN)/python tests/fixtures/make_raw_fixture.py $(BUILD)/fixture/raw
	PERSONA_RAW_DIR=$(BUILD)/fixture/raw PERSONA_DB=$(BUILD)/fixture/persona.duckdb \
		$(DBT) build --vars '{golden_fixture: true}' --target-path $(BUILD)/fixture/target
	@echo "== dbt build on the marketplace-only fixture"
	$(BIN)/python tests/fixtures/make_raw_fixture.py $(BUILD)/fixture/raw_marketplace \
		--only ecommerce_orders ecommerce_order_items products
	PERSONA_RAW_DIR=$(BUILD)/fixture/raw_marketplace PERSONA_DB=$(BUILD)/fixture/marketplace.duckdb \
		$(DBT) build --target-path $(BUILD)/fixture/target_marketplace
	@echo "== persona validate (GX) on both fixture warehouses: the rules hold on any brand's build"
	$(BIN)/persona validate --db $(BUILD)/fixture/persona.duckdb \
		--docs-dir $(BUILD)/fixture/validation
	$(BIN)/persona validate --db $(BUILD)/fixture/marketplace.duckdb \
		--docs-dir $(BUILD)/fixture/validation_marketplace

# The fixture built on a local Spark (profiles.yml target spark: dbt-spark's session method, PySpark,
# Java 17) with its dbt tests and golden tests, then its marts compared row for row with the DuckDB
# build of the same fixture (make fixture-build, run first when its warehouse is missing).
# SPARK_SELECT (default: the whole project) narrows the build while porting or debugging, e.g.
# make test-spark SPARK_SELECT=+dim_identifiers (the comparison then reports the other marts as
# missing on Spark). fct_customer_tag_history.valid_from is each build's own start time.
SPARK_SELECT ?=
test-spark: env-spark
	@command -v java >/dev/null 2>&1 || { echo "make test-spark needs a Java runtime, 17 or later (Debian: apt-get install openjdk-17-jre-headless)"; exit 1; }
	@if [ ! -f $(BUILD)/fixture/persona.duckdb ]; then $(MAKE) --no-print-directory fixture-build; fi
	@echo "== pytest tests/spark (persona.spark on a local SparkSession)"
	PYSPARK_PYTHON=$(abspath $(SPARK_VENV))/bin/python $(SPARK_VENV)/bin/pytest -q -p no:cacheprovider tests/spark
	@echo "== dbt build on the fixture on a local Spark ($(or $(SPARK_SELECT),the whole project))"
	rm -rf $(BUILD)/spark && mkdir -p $(BUILD)/spark
	PERSONA_RAW_DIR=$(BUILD)/fixture/raw PERSONA_SPARK_DIR=$(BUILD)/spark PERSONA_SPARK_CATALOG=in-memory PYSPARK_PYTHON=$(abspath $(SPARK_VENV))/bin/python \
		$(SPARK_VENV)/bin/persona dbt-spark build --target spark --vars '{golden_fixture: true}' \
		--target-path $(BUILD)/spark/target --log-path $(BUILD)/spark/logs \
		$(if $(SPARK_SELECT),--select $(SPARK_SELECT) --indirect-selection cautious)
	@echo "== the Spark build's marts against the DuckDB build's, row for row (the cluster fit's cache key is the engine's own)"
	$(BIN)/persona compare-marts $(BUILD)/fixture/persona.duckdb $(BUILD)/spark/warehouse \
		--ignore-column fct_customer_tag_history.valid_from \
		--ignore-column rpt_cluster_diagnostics.fit_digest

# chromium and a Chinese font (the pages' bilingual labels in screenshots), from Debian's packages
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "== installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -q && \
		  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-cjk; }; \
	fi

validate: env
	$(BIN)/persona validate --db "$(PERSONA_DB)" --docs-dir data/validation

# the profile API reads a published copy of the marts (persona publish), never the warehouse a
# build writes; a new publication replaces the file atomically and the API reopens it
publish: env
	$(BIN)/persona publish --db "$(PERSONA_DB)" --out "$(PERSONA_PUBLISHED_DB)"

serve: env
	@if [ ! -f "$(PERSONA_PUBLISHED_DB)" ]; then $(MAKE) --no-print-directory publish; fi
	$(BIN)/persona serve --published "$(PERSONA_PUBLISHED_DB)" --host 127.0.0.1 --port $(API_PORT)

# lookups by phone from the raw folder's generator truth (the marts hold only digests)
bench-api: env
	@if [ ! -f "$(PERSONA_PUBLISHED_DB)" ]; then $(MAKE) --no-print-directory publish; fi
	$(BIN)/persona bench-api --published "$(PERSONA_PUBLISHED_DB)" --raw "$(RAW_DIR)" \
		--requests $(BENCH_API_REQUESTS)

dashboard: env
	$(BIN)/streamlit run dashboard/app.py --server.address localhost --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

$(DUCKDB1)/.installed-$(DUCKDB1_VERSION): | $(STAMP)
	rm -rf $(DUCKDB1)
	$(BIN)/uv venv --quiet --python $(PYTHON) $(DUCKDB1)
	$(BIN)/uv pip install --quiet --python $(DUCKDB1)/bin/python duckdb==$(DUCKDB1_VERSION)
	touch $@

duckdb1: $(DUCKDB1)/.installed-$(DUCKDB1_VERSION)

export: env
	$(BIN)/persona export-marts --db "$(PERSONA_DB)" --out data/marts --manifest target/manifest.json

# BENCH_TARGET=spark: the same bench on a local Spark (the Spark environment, make env-spark)
BENCH_TARGET ?= duckdb
bench: env $(if $(filter spark,$(BENCH_TARGET)),env-spark)
	$(if $(filter spark,$(BENCH_TARGET)),$(SPARK_VENV)/bin,$(BIN))/persona bench --scale $(SCALE) \
		--target $(BENCH_TARGET) $(if $(BENCH_RAW),--raw $(BENCH_RAW))

# a full build through day D, then day D+1 as new files, both with persona run (make run)
bench-daily: env
	$(BIN)/persona bench-daily --scale $(SCALE) $(if $(DAYS),--days $(DAYS))

docs: env
	PERSONA_RAW_DIR="$(RAW_DIR)" $(DBT) docs generate --static
	$(BIN)/persona docs-check --target target
	@echo "docs: $(abspath target/static_index.html)   (one file, opens offline; or: $(DBT) docs serve)"

clean:
	rm -rf target logs $(BUILD) .bench
