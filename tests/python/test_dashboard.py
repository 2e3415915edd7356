"""The dashboard (dashboard/app.py over persona.consumers.dashboard_data).

Data functions: every figure against independent SQL on the default sample's marts, and no query
outside the `marts` schema. The page: Streamlit's AppTest (no exception, the KPI values, the named
sections, the message for a missing warehouse) and one headless-Chromium run of
`streamlit run` that checks the customers KPI in the rendered page and saves a screenshot
(.build/screenshots/dashboard.png).
"""

from __future__ import annotations

import inspect
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from browser import chromium_page, screenshot_path
from conftest import PROJECT_DIR

from persona.consumers import customer360 as c360
from persona.consumers import dashboard_data as data

APP = PROJECT_DIR / "dashboard" / "app.py"
STREAMLIT = str(Path(sys.executable).with_name("streamlit"))
SECTIONS = [
    "Headline KPIs 核心指标",
    "RFM grid RFM矩阵",
    "Lifecycle flow 生命周期流转",
    "Funnel by channel 渠道转化漏斗",
    "Cohort retention 同期群留存",
    "Tag coverage 标签覆盖率",
    "Audiences and TGI 人群规模与TGI",
    "CLV distribution 客户终身价值分布",
    "Customer clusters 客户分群",
    "Identity (OneID) 身份识别",
    "Recommendations 个性化推荐",
    "Referrals 社交裂变",
]


@pytest.fixture(scope="module")
def warehouse_file(default_sample: tuple[Path, Path]) -> Path:
    return default_sample[0] / "w.duckdb"


@pytest.fixture(scope="module")
def con(warehouse_file: Path):
    connection = data.connect(warehouse_file)
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def shown_kpis(kpis: dict) -> dict[str, str]:
    """The KPI label -> value the page should show, formatted as the app formats them."""
    values = {
        "customers": data.format_count(kpis["customers"]),
        "buyers": data.format_count(kpis["buyers"]),
        "active_customers": data.format_count(kpis["active_customers"]),
        "revenue_net": data.format_yuan(kpis["revenue_net"]),
        "aov": data.format_yuan(kpis["aov"], 2),
        "repurchase_rate": data.format_share(kpis["repurchase_rate"]),
        "avg_clv": data.format_yuan(kpis["avg_clv"], 2),
    }
    return {data.KPI_DEFINITIONS[key][0]: value for key, value in values.items()}


# --- no warehouse needed --------------------------------------------------------------------


def test_only_the_marts_schema_is_read() -> None:
    source = inspect.getsource(data) + inspect.getsource(c360)
    schemas = set(re.findall(r"\b([a-z_]+)\.(?:dim|fct|rpt|int|stg|base|snap)_\w+", source))
    assert schemas == {"marts"}
    assert "read_only=True" in source


def test_the_dashboard_exposure_lists_exactly_the_marts_it_reads() -> None:
    """models/exposures.yml is the lineage from the marts to the dashboard: it must name every
    mart the dashboard's queries read (the customer-360 page's too), and nothing else."""
    import yaml

    from persona.consumers import timeline

    # the page's timeline is the profile API's query (persona.consumers.timeline)
    source = inspect.getsource(data) + inspect.getsource(c360) + inspect.getsource(timeline)
    read = set(re.findall(r"\bmarts\.((?:dim|fct|rpt)_\w+)", source))
    exposures = yaml.safe_load((PROJECT_DIR / "models" / "exposures.yml").read_text())["exposures"]
    (dashboard,) = [e for e in exposures if e["name"] == "persona_dashboard"]
    listed = {re.fullmatch(r"ref\('(\w+)'\)", ref).group(1) for ref in dashboard["depends_on"]}
    assert listed == read


def test_warehouse_path_defaults_to_the_project_data_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PERSONA_DB", raising=False)
    assert data.warehouse_path() == PROJECT_DIR / "data" / "persona.duckdb"
    monkeypatch.setenv("PERSONA_DB", "other/w.duckdb")
    assert data.warehouse_path() == PROJECT_DIR / "other" / "w.duckdb"
    monkeypatch.setenv("PERSONA_DB", str(tmp_path / "w.duckdb"))
    assert data.warehouse_path() == tmp_path / "w.duckdb"


def test_formats() -> None:
    assert data.format_count(19989) == "19,989"
    assert data.format_yuan(7960332.4) == "¥7,960,332"
    assert data.format_yuan(482.4629, 2) == "¥482.46"
    assert data.format_share(0.44589) == "44.6%"
    assert data.format_count(None) == data.format_yuan(None) == "–"


def test_app_says_run_make_run_when_the_warehouse_is_missing(monkeypatch, tmp_path) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PERSONA_DB", str(tmp_path / "missing.duckdb"))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not app.exception
    assert len(app.error) == 1
    assert "run make run first" in app.error[0].value
    assert str(tmp_path / "missing.duckdb") in app.error[0].value
    assert len(app.metric) == 0


# --- data functions on the default sample -----------------------------------------------------


def test_kpis_match_independent_sql(con) -> None:
    kpis = data.kpis(con)
    assert kpis["customers"] == one(con, "select count(*) from marts.dim_customers")
    assert kpis["customers"] == one(
        con, "select count(distinct one_id) from marts.dim_identifiers where one_id is not null"
    )
    assert kpis["buyers"] == one(
        con, "select count(distinct one_id) from marts.fct_orders where is_purchase"
    )
    assert kpis["buyers"] == one(con, "select count(*) from marts.dim_customer_rfm")
    assert kpis["active_customers"] == one(
        con, "select count(*) from marts.dim_customer_rfm where recency_days <= 90"
    )
    purchases, returns, orders = con.execute(
        """
        select
            sum(net_amount) filter (where is_purchase),
            coalesce(sum(net_amount) filter (where is_return), 0),
            count(*) filter (where is_purchase)
        from marts.fct_orders
        """
    ).fetchone()
    assert kpis["revenue_net"] == pytest.approx(float(purchases + returns), abs=0.005)
    assert kpis["purchase_orders"] == orders
    assert kpis["aov"] == pytest.approx(float(purchases) / orders)
    repeat, buyers = con.execute(
        """
        select count(*) filter (where n >= 2), count(*)
        from (
            select one_id, count(*) as n from marts.fct_orders
            where is_purchase and one_id is not null group by one_id
        )
        """
    ).fetchone()
    assert kpis["repurchase_rate"] == pytest.approx(repeat / buyers)
    assert kpis["avg_clv"] == pytest.approx(
        float(one(con, "select sum(clv_12m) / count(clv_12m) from marts.dim_customer_clv"))
    )
    assert kpis["as_of_date"] == one(con, "select max(as_of_date) from marts.fct_orders")
    assert 0 < kpis["active_customers"] < kpis["buyers"] < kpis["customers"]
    assert 0 < kpis["repurchase_rate"] < 1
    assert set(data.KPI_DEFINITIONS) <= set(kpis)


def test_rfm_grid_has_every_cell_and_every_buyer(con) -> None:
    grid = data.rfm_grid(con)
    assert len(grid) == 25
    assert set(zip(grid.r_score, grid.f_score, strict=True)) == {
        (r, f) for r in range(1, 6) for f in range(1, 6)
    }
    assert grid.customers.sum() == one(con, "select count(*) from marts.dim_customer_rfm")
    expected = dict(
        ((r, f), n)
        for r, f, n in con.execute(
            "select r_score, f_score, count(*) from marts.dim_customer_rfm group by all"
        ).fetchall()
    )
    for row in grid.itertuples():
        assert row.customers == expected.get((row.r_score, row.f_score), 0)
    assert grid.loc[grid.customers > 0, "segment_zh"].notna().all()
    segments = data.rfm_segments(con)
    assert segments.customers.sum() == grid.customers.sum()


def test_lifecycle_transitions_are_the_latest_month(con) -> None:
    transitions = data.lifecycle_transitions(con)
    latest = one(con, "select max(month_end_on) from marts.rpt_lifecycle_transitions")
    assert transitions.month_end_on.nunique() == 1
    assert transitions.month_end_on.iloc[0].date() == latest
    assert transitions.customers.sum() == one(
        con,
        "select sum(customers) from marts.rpt_lifecycle_transitions "
        f"where month_end_on = '{latest}'",
    )
    shares = transitions.groupby("from_stage").share_of_from_stage.sum()
    assert shares.to_numpy() == pytest.approx(1.0)


def test_funnel_is_the_whole_period_per_channel(con) -> None:
    funnel = data.funnel(con)
    assert len(funnel) == one(
        con, "select count(*) from marts.rpt_funnel_by_channel where period = 'all'"
    )
    for _, steps in funnel.groupby("channel"):
        assert steps.step_number.tolist() == list(range(1, len(steps) + 1))
        assert steps.overall_conversion_rate.iloc[0] == pytest.approx(1.0)
        assert steps.n_sessions.is_monotonic_decreasing


def test_cohort_retention_shows_complete_later_months(con) -> None:
    cohorts = data.cohort_retention(con)
    assert len(cohorts) == one(
        con,
        "select count(*) from marts.rpt_cohort_retention "
        "where is_complete_period and months_since_first > 0",
    )
    assert (cohorts.months_since_first >= 1).all()
    assert cohorts.retention_rate.between(0, 1).all()


def test_tag_coverage_lists_the_catalog(con) -> None:
    tags = data.tag_coverage(con)
    assert len(tags) == one(con, "select count(*) from marts.dim_tags")
    assert tags.coverage.between(0, 1).all()


def test_audience_sizes_and_tgi(con) -> None:
    audiences = data.audience_sizes(con)
    assert set(audiences.audience_code) == {
        code for (code,) in con.execute("select audience_code from marts.dim_audiences").fetchall()
    }
    members = dict(
        con.execute(
            "select audience_code, count(distinct one_id) from marts.fct_audience_members "
            "group by all"
        ).fetchall()
    )
    for row in audiences.itertuples():
        assert row.n_members == members.get(row.audience_code, 0)
        assert row.n_reachable <= row.n_members
    tgi = data.audience_tgi(con, top=10, min_members=5)
    assert (tgi.groupby("audience_code").size() <= 10).all()
    assert (tgi.n_members_with_value >= 5).all()
    best = con.execute(
        """
        select audience_code, max(tgi) from marts.rpt_audience_tgi
        where n_members_with_value >= 5 group by all
        """
    ).fetchall()
    for code, value in best:
        assert tgi.loc[tgi.audience_code == code, "tgi"].iloc[0] == pytest.approx(value)


def test_clv_distribution_counts_every_scored_buyer(con) -> None:
    clv = data.clv_distribution(con, bins=40)
    scored = one(con, "select count(clv_12m) from marts.dim_customer_clv")
    assert clv.customers.sum() == scored
    assert clv.band_start.nunique() <= 40
    assert (clv.band_end > clv.band_start).all()
    tiers = data.clv_tiers(con)
    assert tiers.clv_tier.tolist() == ["top", "high", "medium", "low"]
    assert tiers.customers.sum() == scored
    assert tiers.mean_clv_12m.is_monotonic_decreasing


def test_cluster_profiles_cover_the_clustered_buyers(con) -> None:
    clusters = data.cluster_profiles(con)
    assert clusters.n_customers.sum() == one(
        con, "select count(*) from marts.dim_customer_clusters"
    )
    assert clusters.customer_share.sum() == pytest.approx(1.0)
    assert clusters.cluster_code.is_unique


def test_identity_statistics_match_the_identity_marts(con) -> None:
    quality = data.identity_quality(con)
    excluded = data.excluded_identifiers(con)
    assert excluded.identifiers.sum() == quality["identifiers_excluded"]
    assert excluded.identifiers.sum() == one(
        con, "select count(*) from marts.dim_identifiers where exclusion_reason is not null"
    )
    types = data.identifier_types(con)
    assert types.identifiers.sum() == quality["identifiers"]
    assert types.excluded.sum() == quality["identifiers_excluded"]
    holes = data.identity_black_holes(con)
    assert holes.identifiers.sum() == one(
        con, "select count(*) from marts.rpt_identity_black_holes"
    )
    changes = data.identity_changes(con)
    assert changes.changes.sum() == one(con, "select count(*) from marts.fct_identity_changes")


def test_recommendation_evaluation_puts_the_recommender_ahead(con) -> None:
    evaluation = data.recommendation_evaluation(con)
    overall = evaluation[evaluation.lifecycle_stage == "all"].set_index("method")
    assert set(overall.index) == {"recommender", "popularity"}
    # the generator's people prefer categories: the recommender must beat the best sellers
    assert (
        overall.loc["recommender", "hit_rate_at_10"] > overall.loc["popularity", "hit_rate_at_10"]
    )
    assert len(evaluation) == one(con, "select count(*) from marts.rpt_recommendation_evaluation")
    reasons = data.recommendation_reasons(con)
    assert reasons.recommendations.sum() == one(
        con, "select count(*) from marts.fct_customer_recommendations"
    )
    assert reasons.ranked_first.sum() == one(
        con, "select count(distinct one_id) from marts.fct_customer_recommendations"
    )


def test_referral_figures_match_the_referral_marts(con) -> None:
    summary = data.referral_summary(con)
    assert summary["people_brought"] == one(
        con, "select count(*) from marts.dim_customer_referrals where is_referred"
    )
    assert summary["people_brought"] > 0  # the default sample has referral columns
    assert summary["people_brought"] == one(
        con, "select sum(n_people) from marts.rpt_referral_cascades"
    )
    assert summary["buyers_30d"] <= summary["people_brought"]
    sharers = data.top_sharers(con)
    assert sharers.sharer_rank.tolist() == list(range(1, len(sharers) + 1))
    assert sharers.n_people_brought.iloc[0] == one(
        con, "select max(n_people_brought) from marts.dim_customer_referrals"
    )


# --- the page -----------------------------------------------------------------------------------


def test_app_renders_every_section_with_the_kpis(con, warehouse_file, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PERSONA_DB", str(warehouse_file))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not app.exception, app.exception
    assert not app.error
    headers = [header.value for header in app.header]
    assert headers == SECTIONS
    metrics = {metric.label: metric.value for metric in app.metric}
    for label, value in shown_kpis(data.kpis(con)).items():
        assert metrics[label] == value, label
    quality = data.identity_quality(con)
    assert metrics["OneIDs 人数"] == data.format_count(quality["one_ids"])
    # the definitions are on the page, not only in tooltips
    definitions = app.table[0].value
    for label, definition in data.KPI_DEFINITIONS.values():
        assert definitions.loc[label].iloc[0] == definition
    # choosing another audience for the TGI chart reruns cleanly
    audience = data.audience_sizes(con).audience_code.iloc[-1]
    app.selectbox[0].select(audience).run()
    assert not app.exception


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dashboard_in_headless_chromium(con, warehouse_file, tmp_path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, PERSONA_DB=str(warehouse_file))
    log = (tmp_path / "streamlit.log").open("w")
    server = subprocess.Popen(
        [
            STREAMLIT,
            "run",
            str(APP),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None, (tmp_path / "streamlit.log").read_text()
            assert time.monotonic() < deadline, "streamlit did not answer within 60 s"
            time.sleep(0.5)

        expected = data.format_count(data.kpis(con)["customers"])
        with chromium_page() as (page, errors):
            page.goto(url)
            # the headline figures, then every section down to the last one
            page.wait_for_function(
                "document.querySelectorAll('[data-testid=\"stMetricValue\"]').length >= 7",
                timeout=90_000,
            )
            page.get_by_text(SECTIONS[-1]).wait_for(timeout=90_000)
            first = page.locator('[data-testid="stMetric"]').first
            assert "Customers" in first.locator('[data-testid="stMetricLabel"]').inner_text()
            assert first.locator('[data-testid="stMetricValue"]').inner_text() == expected
            text = page.inner_text("body")
            for section in SECTIONS:
                assert section in text
            # every chart drawn (8 Vega-Lite charts)
            page.wait_for_function(
                "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 8",
                timeout=90_000,
            )
            # Streamlit scrolls inside the page: grow the viewport to the content (until its
            # height settles) so that the full-page screenshot holds every section
            height = 0
            for _ in range(6):
                page.wait_for_timeout(1000)
                content = page.evaluate(
                    "() => Math.max(...[...document.querySelectorAll('*')]"
                    ".map(e => e.scrollHeight))"
                )
                if content <= height:
                    break
                height = min(int(content), 16_000)
                page.set_viewport_size({"width": 1400, "height": height})
            page.screenshot(path=str(screenshot_path("dashboard")), full_page=True)
            assert not errors, errors
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    assert screenshot_path("dashboard").stat().st_size > 50_000
