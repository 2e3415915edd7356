"""The documentation site: `dbt docs generate --static` on the built default sample, opened from
disk in headless Chromium, and the description coverage check (`persona docs-check`).

The browser test opens `static_index.html` from a folder holding nothing else (it must work
offline, without manifest.json or catalog.json beside it) and reads what a person would read: the
overview's text, a mart's description, a column description and its row count from the warehouse
(the Details section; the project's catalog macro adds row counts), and an exposure's
description. Screenshots land in .build/screenshots/docs_*.png.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from browser import chromium_page, screenshot_path
from conftest import ANSI, run_dbt

from persona.consumers import docs_check

# ---- the coverage check on a hand-written manifest (fast) ----


def _model(
    name: str, path: str, description: str, columns: dict[str, str], schema: str = "intermediate"
) -> dict:
    folder = path.rsplit("/", 1)[0]
    return {
        "unique_id": f"model.persona.{name}",
        "resource_type": "model",
        "name": name,
        "original_file_path": path,
        "patch_path": f"persona://{folder}/_models.yml",
        "description": description,
        "config": {"schema": schema, "materialized": "table"},
        "columns": {
            column: {"name": column, "description": text} for column, text in columns.items()
        },
    }


def _tiny_manifest() -> dict:
    models = [
        # an intermediate model without a description (its columns need none)
        _model("int_orders", "models/core/sales/int_orders.sql", "  ", {"x": ""}),
        # a Python model with a description
        _model("int_scores", "python_models/scores/x/int_scores.py", "Scores.", {}),
        # a mart (schema marts, whatever its folder) with one undescribed column
        _model(
            "dim_people",
            "models/core/customers/dim_people.sql",
            "One row per person.",
            {"one_id": "The OneID.", "age": ""},
            schema="marts",
        ),
    ]
    seed = {"unique_id": "seed.persona.s", "resource_type": "seed", "description": ""}
    return {"nodes": {**{m["unique_id"]: m for m in models}, seed["unique_id"]: seed}}


def _catalog(columns: dict[str, list[str]]) -> dict:
    return {
        "nodes": {
            f"model.persona.{name}": {"columns": {c: {"name": c} for c in names}}
            for name, names in columns.items()
        }
    }


def test_docs_check_reports_a_model_and_a_mart_column_without_description() -> None:
    coverage = docs_check.check_manifest(_tiny_manifest())
    assert coverage.problems == [
        "column age of mart dim_people has no description: add `description:` under "
        "`- name: age` in models/core/customers/_models.yml",
        "model int_orders (models/core/sales/int_orders.sql) has no description: add "
        "`description:` to it in models/core/sales/_models.yml",
    ]
    assert (coverage.models, coverage.marts, coverage.mart_columns) == (3, 1, 2)
    assert not coverage.catalog_checked


def test_docs_check_reports_warehouse_columns_missing_from_the_yaml() -> None:
    manifest = _tiny_manifest()
    manifest["nodes"]["model.persona.dim_people"]["columns"]["age"]["description"] = "Age."
    manifest["nodes"]["model.persona.int_orders"]["description"] = "Orders."
    catalog = _catalog({"dim_people": ["ONE_ID", "age", "city"], "int_orders": ["x", "y"]})
    assert docs_check.check_manifest(manifest, catalog).problems == [
        "column city of mart dim_people is in the warehouse but undocumented: add "
        "`- name: city` with a `description:` to dim_people's columns in "
        "models/core/customers/_models.yml"
    ]
    # a documented column the warehouse lacks is stale; a mart never built cannot be checked
    catalog = _catalog({"dim_people": ["one_id"]})
    assert docs_check.check_manifest(manifest, catalog).problems == [
        "column age of mart dim_people is documented but not in the warehouse: remove or rename "
        "it in models/core/customers/_models.yml"
    ]
    unbuilt = docs_check.check_manifest(manifest, {"nodes": {}}).problems
    assert len(unbuilt) == 1 and "mart dim_people is not in catalog.json" in unbuilt[0]


def test_docs_check_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from persona.cli import main

    (tmp_path / "manifest.json").write_text(json.dumps(_tiny_manifest()), encoding="utf-8")
    assert main(["docs-check", "--target", str(tmp_path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("has no description" in line for line in lines)

    fixed = _tiny_manifest()
    fixed["nodes"]["model.persona.int_orders"]["description"] = "Orders."
    fixed["nodes"]["model.persona.dim_people"]["columns"]["age"]["description"] = "Age."
    (tmp_path / "manifest.json").write_text(json.dumps(fixed), encoding="utf-8")
    assert main(["docs-check", "--target", str(tmp_path)]) == 0
    assert "all 3 models described" in capsys.readouterr().out

    assert main(["docs-check", "--target", str(tmp_path / "missing")]) == 2


# ---- the site built from the default sample ----


@pytest.fixture(scope="module")
def docs_site(default_sample: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory):
    """`dbt docs generate --static` against a copy of the built sample warehouse, with its own
    target directory: (target directory, warehouse copy)."""
    workdir, raw = default_sample
    site = tmp_path_factory.mktemp("docs_site")
    shutil.copy2(workdir / "w.duckdb", site / "w.duckdb")
    result = run_dbt(["docs", "generate", "--static"], raw, site)
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]
    return site / "target", site / "w.duckdb"


def test_every_model_and_mart_column_is_described(docs_site: tuple[Path, Path]) -> None:
    target, _ = docs_site
    coverage = docs_check.check(target)
    assert coverage.catalog_checked
    assert coverage.problems == []
    assert coverage.marts >= 50 and coverage.mart_columns >= 700


# dbt-docs' own requests that fail when the page is opened from disk without a network: an <img>
# whose src is an Angular template before it is bound, the favicon's bundler placeholder, and
# its analytics script (a protocol-relative URL, so file://...). Anything else fails the test.
DBT_DOCS_OWN_ASSETS = re.compile(
    r"getIcon\(|require\('\./assets/favicons/|//d1fc8wv8zag5ca\.cloudfront\.net/"
)


def _visible(page, text: str) -> bool:
    return page.get_by_text(text, exact=False).first.is_visible()


def test_static_docs_site_renders_offline(docs_site: tuple[Path, Path], tmp_path: Path) -> None:
    target, warehouse = docs_site
    # the one file, alone in a folder: no manifest.json or catalog.json to fetch
    alone = tmp_path / "site"
    alone.mkdir()
    shutil.copy2(target / "static_index.html", alone / "static_index.html")
    url = (alone / "static_index.html").as_uri()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        customers = con.execute("select count(*) from marts.dim_customers").fetchone()[0]
    assert customers > 10_000

    with chromium_page() as (page, errors):
        failed: list[str] = []
        network: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.route(
            re.compile(r"^https?://"),
            lambda route: (network.append(route.request.url), route.abort()),
        )

        # (a) the overview
        page.goto(url)
        page.get_by_text("How the data flows").first.wait_for(timeout=60_000)
        for text in [
            "persona turns the raw exports of every channel",
            "staging and quarantine",
            "int_raw_rows_quarantined",
            "How to read a tag",
            "fct_customer_tags",
            "dim_customer_profiles",
            "docs/raw-contract.md",
            "PERSONA_RAW_DIR",
            "http://localhost:8501",
            "persona export-audiences",
        ]:
            assert _visible(page, text), f"overview: {text!r} is not shown"
        page.screenshot(path=str(screenshot_path("docs_overview")))

        # (b) a mart: description, a column description, and its row count from the warehouse
        page.goto(f"{url}#!/model/model.persona.dim_customers")
        page.get_by_text("The golden record").first.wait_for(timeout=30_000)
        assert _visible(page, "one row per person (OneID)")
        assert _visible(page, "Year of birth; null when the birth date is unknown or unusable.")
        details = page.locator(".section-content").first.inner_text()
        assert re.search(r"row count\s+" + re.escape(f"{customers:,}"), details, re.I), details
        page.screenshot(path=str(screenshot_path("docs_mart")))

        # (c) an exposure
        page.goto(f"{url}#!/exposure/exposure.persona.persona_dashboard")
        page.get_by_text("The customer dashboard for marketers").first.wait_for(timeout=30_000)
        assert _visible(page, "data-team@persona.example")
        assert _visible(page, "rpt_audience_tgi")
        page.screenshot(path=str(screenshot_path("docs_exposure")))

    # (d) no page errors; no console error but the failed loads of dbt-docs' own assets above
    assert [e for e in errors if e.startswith("pageerror")] == []
    unexpected = [
        e
        for e in errors
        if not (
            e.startswith("console: Failed to load resource")
            or (e.startswith("console: Unsafe attempt to load URL") and "getIcon(" in e)
        )
    ]
    assert unexpected == []
    assert [u for u in failed if not DBT_DOCS_OWN_ASSETS.search(u)] == []
    assert network == []
