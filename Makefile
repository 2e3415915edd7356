# persona: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
DBT := $(BIN)/dbt
UV_VERSION := 0.13.9

# Where the warehouse and the raw data are; both can be overridden from the environment.
export PERSONA_DB ?= data/persona.duckdb
RAW_DIR := $(if $(PERSONA_RAW_DIR),$(PERSONA_RAW_DIR),data/raw)
SAMPLE_PERSONS ?= 10000
SCALE ?= 100000
BUILD := .build

.PHONY: help env run test lint pytest fixture-build bench docs clean

help:
	@echo "make run     build the warehouse (generates the sample into data/raw first if needed)"
	@echo "make test    every check: ruff, sqlfluff, pytest, dbt build + tests on the fixture"
	@echo "make bench SCALE=100000   time a full build at that many persons"
	@echo "make docs    dbt docs generate (target/index.html)"
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

run: env
	@mkdir -p data $(dir $(PERSONA_DB))
	@if [ -z "$${PERSONA_RAW_DIR:-}" ] && [ -z "$$(ls -A data/raw 2>/dev/null)" ]; then \
		echo "== data/raw is empty: generating the sample ($(SAMPLE_PERSONS) persons) into data/raw"; \
		$(BIN)/persona generate --persons $(SAMPLE_PERSONS) --out data/raw; \
	else \
		echo "== building from $(RAW_DIR) (nothing is generated)"; \
	fi
	PERSONA_RAW_DIR="$(RAW_DIR)" $(DBT) build
	PERSONA_RAW_DIR="$(RAW_DIR)" $(DBT) docs generate
	$(BIN)/persona export-audiences --db "$(PERSONA_DB)" --out data/exports
	@echo ""
	@echo "== done"
	@echo "warehouse:   $(abspath $(PERSONA_DB))   (DuckDB; schemas staging, intermediate, marts, snapshots)"
	@echo "raw data:    $(abspath $(RAW_DIR))"
	@echo "docs:        $(abspath target/index.html)   (serve with: $(DBT) docs serve)"
	@echo "data quality: marts.rpt_raw_reconciliation and marts.rpt_raw_quarantine_summary"
	@echo "OneID:        marts.dim_identifiers, marts.rpt_identity_quality, marts.rpt_identity_audit, marts.fct_identity_changes"
	@echo "customers:    marts.dim_customers, marts.dim_customer_rfm, marts.dim_customer_lifecycle, marts.dim_customer_profiles (tags)"
	@echo "tags:         marts.fct_customer_tags, marts.rpt_tag_coverage; catalog for marketers: docs/tags.md"
	@echo "audiences:    marts.rpt_audience_summary, marts.rpt_audience_tgi; files: $(abspath data/exports)"

test: env lint pytest fixture-build
	@echo "== all checks passed"

lint: env
	@echo "== ruff"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "== sqlfluff (dbt templater, duckdb dialect)"
	@mkdir -p $(BUILD)
	PERSONA_DB=$(BUILD)/lint.duckdb PERSONA_RAW_DIR=$(BUILD)/empty-raw $(BIN)/sqlfluff lint models python_models analyses snapshots tests/golden tests/marts

pytest: env
	@echo "== pytest"
	$(BIN)/pytest

# dbt build with every dbt test (data, unit and the golden tests) on the small fixture, then on a
# marketplace-only subset of it (a brand that brings only ecommerce orders, items and products).
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

bench: env
	$(BIN)/persona bench --scale $(SCALE)

docs: env
	PERSONA_RAW_DIR="$(RAW_DIR)" $(DBT) docs generate
	@echo "docs: $(abspath target/index.html)"

clean:
	rm -rf target logs $(BUILD) .bench
