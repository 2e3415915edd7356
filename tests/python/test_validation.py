"""Great Expectations on the marts BI reads (persona.consumers.validation): the checkpoint passes
on the default sample, fails on the right expectations when a mart is tampered with, and its Data
Docs show the sample's real figures in a browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from browser import chromium_page, screenshot_path

from persona.consumers.validation import SUITES, main, validate

PROJECT_DIR = Path(__file__).resolve().parents[2]
#: where the test writes the Data Docs of the default sample (open index.html to look at them)
GX_DATA_DOCS = PROJECT_DIR / ".build" / "gx_data_docs"


@pytest.fixture(scope="module")
def validated(default_sample):
    workdir, _ = default_sample
    return validate(workdir / "w.duckdb", GX_DATA_DOCS)


def test_checkpoint_passes_on_the_default_sample(validated) -> None:
    failures = "\n".join(f"[{f.suite}] {f.expectation}: {f.observed}" for f in validated.failures)
    assert validated.success, failures
    assert [s.suite for s in validated.suites] == [spec.name for spec in SUITES]
    for stats in validated.suites:
        assert stats.evaluated >= 3 and stats.successful == stats.evaluated, stats
    assert validated.reference.n_customers > 10_000  # OneIDs, more than persons
    assert validated.docs_index.exists()
    assert set(validated.pages) == {spec.name for spec in SUITES}
    print(f"checkpoint on the default sample: {validated.seconds:.1f}s")


def test_tampered_marts_fail_on_the_right_expectations(default_sample, tmp_path, capsys) -> None:
    """Everyone moved into one RFM segment, CLV multiplied by 100: exactly the RFM segment
    shares and the CLV level checks fail; the other suites still pass."""
    workdir, _ = default_sample
    tampered = tmp_path / "tampered.duckdb"
    shutil.copy2(workdir / "w.duckdb", tampered)
    with duckdb.connect(str(tampered)) as con:
        con.execute("update marts.dim_customer_rfm set rfm_segment = 'hibernating'")
        con.execute("update marts.dim_customer_clv set clv_12m = clv_12m * 100")

    result = validate(tampered, tmp_path / "docs")
    assert not result.success
    failed = {(f.suite, f.column, f.expectation_type) for f in result.failures}
    assert {s.suite for s in result.suites if not s.success} == {"rfm", "clv"}
    assert ("rfm", "in_segment_hibernating", "expect_column_mean_to_be_between") in failed
    assert ("rfm", "in_segment_champions", "expect_column_mean_to_be_between") in failed
    assert ("clv", "clv_12m", "expect_column_mean_to_be_between") in failed
    assert ("clv", "clv_12m", "expect_column_sum_to_be_between") in failed
    # untouched columns of the tampered marts still pass
    assert not {f for f in failed if f[1] in {"recency_days", "monetary", "probability_alive"}}
    hibernating = next(f for f in result.failures if f.column == "in_segment_hibernating")
    assert hibernating.observed == "1"  # every buyer

    # the command line exits 1 and lists suite, expectation and observed value
    assert main(["--db", str(tampered), "--docs-dir", str(tmp_path / "cli-docs")]) == 1
    err = capsys.readouterr().err
    assert "[rfm] Share of buyers in RFM segment 'hibernating'" in err
    assert "observed 1; expected [0.32, 0.46]" in err
    assert "[clv] Predicted 12-month CLV per buyer (mean, CNY)" in err


# Data Docs load Bootstrap, jQuery and Font Awesome from CDNs; the browser gets no network, so
# those requests are aborted and the errors they cause are expected. persona's offline stylesheet
# and static summary keep the pages readable without them.
def _offline(route) -> None:
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()


def _unexpected(errors: list[str]) -> list[str]:
    expected = ("Failed to load resource", "$ is not defined", "jQuery is not defined")
    return [e for e in errors if not any(x in e for x in expected)]


def test_data_docs_show_the_suites_and_real_figures(validated, default_sample) -> None:
    workdir, _ = default_sample
    with duckdb.connect(str(workdir / "w.duckdb"), read_only=True) as con:
        buyer_share, repeat_rate = con.sql(
            "select avg((n_orders > 0)::int), "
            "count_if(n_orders > 1) / count_if(n_orders > 0) from marts.dim_customers"
        ).fetchall()[0]

    with chromium_page(height=1200) as (page, errors):
        page.route("**/*", _offline)
        page.goto(validated.docs_index.resolve().as_uri())
        summary = page.inner_text("#persona-summary")
        for spec in SUITES:
            assert spec.name in summary and spec.table in summary

        # the index lists the suites; each result page holds the observed values
        page.click("#persona-summary a:text-is('customers')")
        page.wait_for_load_state()
        text = page.inner_text("body")
        assert "Expectation Suite: customers" in text
        assert "Share of customers who bought at least once: between 28% and 43%" in text
        assert f"{buyer_share:.6f}"[:6] in text  # e.g. ≈0.3536445045
        assert f"{repeat_rate:.6f}"[:6] in text
        assert "Status: Succeeded" in " ".join(text.split())
        page.screenshot(path=screenshot_path("gx_data_docs"), full_page=True)
        assert not _unexpected(errors), errors
