"""Great Expectations on the marts BI reads (persona.consumers.validation).

Every check must hold on any brand's healthy warehouse and fail on a broken one. The rules and the
comparisons with the previous build are tested on a small synthetic warehouse (the marts' columns
the suites read, a few hundred customers, built in DuckDB in a second): a healthy one passes, each
kind of breakage fails the check that names it. The checkpoint also passes on the default sample,
twice (the second run compares with the first), and its Data Docs show the sample's real figures
in a browser. `make test` validates the two fixture warehouses too (Makefile, fixture-build)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from browser import chromium_page, screenshot_path

from persona.consumers.validation import (
    MAX_ROW_DROP,
    STATE_FILE,
    SUITES,
    allowed_share_move,
    main,
    validate,
)

PROJECT_DIR = Path(__file__).resolve().parents[2]
#: where the test writes the Data Docs of the default sample (open index.html to look at them)
GX_DATA_DOCS = PROJECT_DIR / ".build" / "gx_data_docs"
AS_OF = "2026-10-31"


def build_warehouse(path: Path, customers: int = 400, *, marketplace_only: bool = False) -> Path:
    """A small warehouse with every mart and seed the suites read, consistent across marts: a
    quarter of the customers bought twice (100 yuan each), a third of the buyers are in audience
    `a1`. `marketplace_only`: no CRM, visits or audiences (what a brand with only marketplace
    orders has)."""
    buyers = customers // 4
    path.unlink(missing_ok=True)
    crm = "null" if marketplace_only else "1"
    with duckdb.connect(str(path)) as con:
        con.execute(f"""
            create schema marts;
            create schema seeds;
            create table seeds.rfm_segments as
                select * from (values ('champions'), ('new'), ('hibernating')) as t(rfm_segment);
            create table seeds.rfm_value_tiers as
                select * from (values ('vip', 1), ('high', 2), ('medium', 3), ('low', 4))
                as t(value_tier, tier_order);
            create table marts.dim_customers as
            select 'c' || i as one_id,
                case when {crm} = 1 then 'F' end as gender,
                case when {crm} = 1 then 1 end as city_tier,
                case when {crm} = 1 then 'crm' end as phone_source,
                case when {crm} = 1 then 30 end as age,
                (case when i < {buyers} then 2 else 0 end)::bigint as n_orders,
                (case when i < {buyers} then 200 else 0 end)::decimal(18, 2) as total_net_amount,
                case when {crm} = 1 then '138****' || lpad(i::varchar, 4, '0') end as phone_masked,
                case when {crm} = 1 then 'a***@example.com' end as email_masked,
                case when {crm} = 1 then sha256('p' || i) end as phone_sha256,
                case when {crm} = 1 then sha256('e' || i) end as email_sha256,
                case when {crm} = 1 then timestamp '2026-10-01 08:00:00' end as last_seen_at,
                date '{AS_OF}' as as_of_date
            from range({customers}) as r(i);
            create table marts.fct_orders as
            select 'ecommerce:' || i as order_id, 'paid' as status,
                'ecommerce' as source_system, 'marketplace' as channel_group,
                'c' || (i % {buyers}) as one_id, 100::decimal(18, 2) as net_amount,
                0::decimal(18, 2) as refund_amount, true as is_purchase,
                date '2026-01-01' + (i % 200)::int as order_on, date '{AS_OF}' as as_of_date
            from range({2 * buyers}) as r(i);
            create table marts.dim_customer_rfm as
            select 'c' || i as one_id,
                ['champions', 'new', 'hibernating'][1 + i % 3] as rfm_segment,
                'low' as value_tier, 3 as r_score, 3 as f_score, 3 as m_score,
                10 as recency_days, date '2026-10-21' as last_purchase_on,
                date '2026-01-01' as first_purchase_on, date '{AS_OF}' as as_of_date
            from range({buyers}) as r(i);
            create table marts.dim_customer_clv as
            select 'c' || i as one_id, 100::decimal(18, 2) as clv_12m, 'low' as clv_tier,
                0.5 as probability_alive, 0.2 as expected_purchases_90d,
                0.8 as expected_purchases_365d
            from range({buyers}) as r(i);
            create table marts.dim_tags as select * from (values ('t1'), ('t2')) as t(tag_code);
            create table marts.fct_customer_tags as
            select customers.one_id, tags.tag_code
            from marts.dim_customers as customers cross join marts.dim_tags as tags;
            create table marts.rpt_tag_coverage as
            select tag_code, 1.0::double as coverage, {customers}::bigint as customers_tagged,
                {customers}::bigint as customers_in_scope, null::bigint as customers_true
            from marts.dim_tags;
            create table marts.dim_audiences as
                select 'a1' as audience_code, 'rule' as audience_type,
                    null::integer as lookalike_size;
            create table marts.fct_audience_members as
            select 'a1' as audience_code, 'c' || i as one_id
            from range({buyers}) as r(i) where {crm} = 1 and i % 3 = 0;
            create table marts.rpt_audience_summary as
            select 'a1' as audience_code, count(*) as n_members,
                count(*) / {customers} as share_of_customers, 0::bigint as n_reachable
            from marts.fct_audience_members;
        """)
    return path


def _failed(result) -> set[tuple[str, str, str | None]]:
    return {(f.suite, f.expectation_type, f.column) for f in result.failures}


def test_healthy_warehouse_passes_and_is_recorded_for_the_next_run(tmp_path) -> None:
    db, docs = build_warehouse(tmp_path / "w.duckdb"), tmp_path / "docs"
    first = validate(db, docs)
    assert first.success, first.failures
    assert first.compared.startswith("First validation")
    state = json.loads((docs / STATE_FILE).read_text(encoding="utf-8"))
    figures = state["warehouses"][str(db.resolve())]["figures"]
    assert figures["customers.rows"] == 400 and figures["orders.rows"] == 200
    assert figures["rfm.segment_share.champions"] == pytest.approx(34 / 100)

    second = validate(db, docs)
    assert second.success, second.failures
    assert second.compared.startswith("Compared with the previous build")
    # the second run adds the comparisons with the first
    assert sum(s.evaluated for s in second.suites) > sum(s.evaluated for s in first.suites)


def test_a_brand_without_crm_visits_or_audiences_passes(tmp_path) -> None:
    db, docs = build_warehouse(tmp_path / "w.duckdb", marketplace_only=True), tmp_path / "docs"
    for _ in range(2):
        result = validate(db, docs)
        assert result.success, result.failures


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        pytest.param(
            "insert into marts.dim_customers select * from marts.dim_customers "
            "where one_id = 'c399'",
            ("customers", "expect_column_values_to_be_unique", "one_id"),
            id="duplicated customer key",
        ),
        pytest.param(
            "update marts.fct_orders set order_id = null where order_id = 'ecommerce:7'",
            ("orders", "expect_column_values_to_not_be_null", "order_id"),
            id="order without a key",
        ),
        pytest.param(
            "update marts.rpt_tag_coverage set coverage = 1.2 where tag_code = 't1'",
            ("tag_coverage", "expect_column_values_to_be_between", "coverage"),
            id="a share above 1",
        ),
        pytest.param(
            "update marts.dim_customers set phone_masked = '13800138000' where one_id = 'c5'",
            ("customers", "expect_column_values_to_match_regex", "phone_masked"),
            id="an unmasked phone",
        ),
        pytest.param(
            "update marts.dim_customers set email_sha256 = 'alice@example.com' where one_id = 'c5'",
            ("customers", "expect_column_values_to_match_regex", "email_sha256"),
            id="an e-mail in the hash column",
        ),
        pytest.param(
            "update marts.fct_orders set order_on = date '2026-11-01' "
            "where order_id = 'ecommerce:3'",
            ("orders", "expect_column_pair_values_a_to_be_greater_than_b", "as_of_date"),
            id="an order after the as-of date",
        ),
        pytest.param(
            "delete from marts.fct_orders where order_id = 'ecommerce:0'",
            ("customers", "expect_column_sum_to_be_between", "n_orders"),
            id="customer purchases do not add up to the orders",
        ),
        pytest.param(
            "update marts.dim_customer_rfm set rfm_segment = 'whales' where one_id = 'c1'",
            ("rfm", "expect_column_values_to_be_in_set", "rfm_segment"),
            id="an RFM segment the seed does not have",
        ),
        pytest.param(
            "delete from marts.dim_customer_clv where one_id = 'c1'",
            ("clv", "expect_table_row_count_to_equal", None),
            id="a buyer without CLV",
        ),
        pytest.param(
            "update marts.rpt_audience_summary set n_members = n_members + 1",
            ("audience_summary", "expect_column_pair_values_to_be_equal", "n_members"),
            id="audience size differs from its member list",
        ),
        pytest.param(
            "insert into marts.fct_audience_members values ('a1', 'c0')",
            ("audience_members", "expect_compound_columns_to_be_unique", None),
            id="a member twice in an audience",
        ),
        pytest.param(
            "insert into marts.fct_customer_tags values ('c1', 't3')",
            ("customer_tags", "expect_column_values_to_be_between", "n_unknown_tags"),
            id="a tag outside the catalog",
        ),
    ],
)
def test_a_broken_rule_fails_on_the_first_run(tmp_path, breakage, expected) -> None:
    db = build_warehouse(tmp_path / "w.duckdb")
    with duckdb.connect(str(db)) as con:
        con.execute(breakage)
    result = validate(db, tmp_path / "docs")
    assert not result.success
    assert expected in _failed(result), result.failures
    assert not (tmp_path / "docs" / STATE_FILE).exists()  # a failed build is not recorded


def test_a_row_count_that_dropped_90_percent_fails_until_accepted(tmp_path, capsys) -> None:
    db, docs = tmp_path / "w.duckdb", tmp_path / "docs"
    assert validate(build_warehouse(db, 400), docs).success
    build_warehouse(db, 40)  # the same brand, 90% of everything gone; every rule still holds

    args = ["--db", str(db), "--docs-dir", str(docs)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "[customers] Customers: between 310 and 810 rows (previous build 400" in err
    assert "observed 40; expected [310, 810]" in err
    assert "--accept-changes" in err
    result = validate(db, docs)  # the failed run did not become the previous build
    assert not result.success
    dropped = {f.suite for f in result.failures if f.expectation_type.startswith("expect_table")}
    assert dropped == {"customers", "orders", "rfm", "audience_members", "clv"}
    assert all(f.suite in dropped for f in result.failures), result.failures
    assert int(400 * (1 - MAX_ROW_DROP)) - 10 == 310

    assert main([*args, "--accept-changes"]) == 0  # an expected change, recorded
    assert "accepted" in capsys.readouterr().out
    assert validate(db, docs).success  # compared with the accepted build from now on


def test_a_share_that_moved_since_the_previous_build_fails(tmp_path) -> None:
    db, docs = build_warehouse(tmp_path / "w.duckdb"), tmp_path / "docs"
    assert validate(db, docs).success
    with duckdb.connect(str(db)) as con:  # a tag lost 6% of its customers; still a valid share
        con.execute(
            "update marts.rpt_tag_coverage set coverage = 0.94, customers_tagged = 376 "
            "where tag_code = 't2'"
        )
        # an audience grew from 8.5% to 12.5% of customers: within half the distance to 0%
        con.execute(
            "insert into marts.fct_audience_members "
            "select 'a1', 'c' || i from range(100, 116) as r(i)"
        )
        con.execute(
            "update marts.rpt_audience_summary set n_members = 50, share_of_customers = 0.125"
        )
    result = validate(db, docs)
    assert _failed(result) == {("tag_coverage", "expect_column_values_to_be_null", "moved_too_far")}
    (failure,) = result.failures
    assert "at most half its distance to 0% or 100%" in failure.expectation
    assert "t2: 100.0% -> 94.0%" in failure.observed
    assert allowed_share_move(1.0) == allowed_share_move(0.01) == 0.05
    assert allowed_share_move(0.35) == pytest.approx(0.175)


def test_validation_is_per_warehouse_and_an_unreadable_state_says_what_to_do(
    tmp_path, capsys
) -> None:
    docs = tmp_path / "docs"
    big = build_warehouse(tmp_path / "big.duckdb", 400)
    small = build_warehouse(tmp_path / "small.duckdb", 40)
    assert validate(big, docs).success
    assert validate(small, docs).compared.startswith("First validation")  # another brand
    (docs / STATE_FILE).write_text("not json", encoding="utf-8")
    assert main(["--db", str(big), "--docs-dir", str(docs)]) == 1
    assert "delete it to start again" in capsys.readouterr().err


# ----------------------------------------------------------------------------------------------
# The default sample


@pytest.fixture(scope="module")
def validated(default_sample):
    """The default sample validated twice into the same docs dir: the second run compares with
    the first, so its Data Docs show both kinds of check."""
    workdir, _ = default_sample
    (GX_DATA_DOCS / STATE_FILE).unlink(missing_ok=True)
    first = validate(workdir / "w.duckdb", GX_DATA_DOCS)
    assert first.success, first.failures
    return validate(workdir / "w.duckdb", GX_DATA_DOCS)


def test_checkpoint_passes_on_the_default_sample(validated) -> None:
    failures = "\n".join(f"[{f.suite}] {f.expectation}: {f.observed}" for f in validated.failures)
    assert validated.success, failures
    assert validated.compared.startswith("Compared with the previous build")
    assert [s.suite for s in validated.suites] == [spec.name for spec in SUITES]
    for stats in validated.suites:
        assert stats.evaluated >= 3 and stats.successful == stats.evaluated, stats
    assert validated.reference.n_customers > 10_000  # OneIDs, more than persons
    assert validated.docs_index.exists()
    assert set(validated.pages) == {spec.name for spec in SUITES}
    print(f"checkpoint on the default sample: {validated.seconds:.1f}s")


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
        buyer_share, repeat_rate, purchases = con.sql(
            "select avg((n_orders > 0)::int), "
            "count_if(n_orders > 1) / count_if(n_orders > 0), sum(n_orders) "
            "from marts.dim_customers"
        ).fetchall()[0]

    with chromium_page(height=1200) as (page, errors):
        page.route("**/*", _offline)
        page.goto(validated.docs_index.resolve().as_uri())
        summary = page.inner_text("#persona-summary")
        for spec in SUITES:
            assert spec.name in summary and spec.table in summary
        assert "Compared with the previous build" in summary

        # the index lists the suites; each result page holds the observed values
        page.click("#persona-summary a:text-is('customers')")
        page.wait_for_load_state()
        text = " ".join(page.inner_text("body").split())
        assert "Expectation Suite: customers" in text
        assert "Key one_id: no value twice" in text
        assert f"linked to a customer: {purchases:,}" in text
        assert "Share of customers who bought at least once: between" in text
        assert f"(previous build {buyer_share * 100:.2f}".rstrip("0") in text
        assert f"{buyer_share:.6f}"[:6] in text  # e.g. ≈0.3536445045
        assert f"{repeat_rate:.6f}"[:6] in text
        assert "Status: Succeeded" in text
        page.screenshot(path=screenshot_path("gx_data_docs"), full_page=True)
        assert not _unexpected(errors), errors
