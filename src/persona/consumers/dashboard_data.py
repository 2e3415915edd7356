"""The queries behind the dashboard (dashboard/app.py): one function per figure, each one query
over the `marts` schema of a warehouse opened read-only. Staging, where personal data lives, is
never read. The app only renders what these return; tests/python/test_dashboard.py checks them
against independent SQL.

    con = connect(warehouse_path())
    kpis(con)["customers"]

Every function takes a DuckDB connection and returns a dict (headline figures) or a pandas
DataFrame (one chart or table).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[3]
DEFAULT_DB = "data/persona.duckdb"

# The headline figures: key -> (bilingual label, definition shown in the page).
KPI_DEFINITIONS: dict[str, tuple[str, str]] = {
    "customers": (
        "Customers 客户数",
        "People after OneID stitching: rows of marts.dim_customers (members, buyers and "
        "identified visitors alike).",
    ),
    "buyers": (
        "Buyers 购买客户数",
        "Customers with at least one purchase (a paid order not refunded; till returns are not "
        "purchases) on or before the as-of date.",
    ),
    "active_customers": (
        "Active customers 活跃客户数",
        "Buyers who purchased within the last 90 days: lifecycle stage new 新客, active 活跃 or "
        "reactivated 回流 in marts.dim_customer_lifecycle.",
    ),
    "revenue_net": (
        "Revenue (net) 净销售额",
        "Sum of net_amount over every order in marts.fct_orders, in yuan: paid orders not "
        "refunded, minus till returns; created, cancelled and refunded orders count 0. Includes "
        "orders whose buyer has no OneID.",
    ),
    "aov": (
        "AOV 客单价",
        "Average order value: net amount of purchase orders / number of purchase orders "
        "(marts.fct_orders where is_purchase), in yuan.",
    ),
    "repurchase_rate": (
        "Repurchase rate 复购率",
        "Share of buyers with two or more purchases ever (marts.dim_customers.n_orders >= 2; the "
        "is_repeat_buyer tag).",
    ),
    "avg_clv": (
        "Average CLV 平均CLV",
        "Mean expected 12-month value (clv_12m, discounted, in yuan) over the buyers scored in "
        "marts.dim_customer_clv; empty when the CLV model could not be fitted.",
    ),
}


def warehouse_path() -> Path:
    """The warehouse file: PERSONA_DB, default data/persona.duckdb; a relative path is relative to
    the project directory (as for dbt, which `make` runs there)."""
    path = Path(os.environ.get("PERSONA_DB") or DEFAULT_DB)
    return path if path.is_absolute() else PROJECT_DIR / path


def missing_warehouse_message(path: Path | str) -> str:
    """What every page says when there is no warehouse to read."""
    return (
        f"No warehouse at {path}: run make run first (请先运行 make run), or point "
        "PERSONA_DB at a built warehouse."
    )


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection: the dashboard never writes, and does not block readers."""
    return duckdb.connect(str(path), read_only=True)


def _df(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def format_count(value: int | float | None) -> str:
    """How the page writes a count: 19,989."""
    return "–" if value is None else f"{int(value):,}"


def format_yuan(value: float | None, decimals: int = 0) -> str:
    """How the page writes an amount: ¥7,960,332."""
    return "–" if value is None else f"¥{value:,.{decimals}f}"


def format_share(value: float | None) -> str:
    """How the page writes a rate: 44.6%."""
    return "–" if value is None else f"{value:.1%}"


def kpis(con: duckdb.DuckDBPyConnection) -> dict:
    """The headline figures (definitions in KPI_DEFINITIONS) and the as-of date."""
    row = con.execute(
        """
        select
            (select count(*) from marts.dim_customers) as customers,
            (select count(*) from marts.dim_customers where n_orders > 0) as buyers,
            (
                select count(*) from marts.dim_customer_lifecycle
                where lifecycle_stage in ('new', 'active', 'reactivated')
            ) as active_customers,
            (select coalesce(sum(net_amount), 0) from marts.fct_orders) as revenue_net,
            (select count(*) from marts.fct_orders where is_purchase) as purchase_orders,
            (
                select sum(net_amount) / nullif(count(*), 0)
                from marts.fct_orders where is_purchase
            ) as aov,
            (
                select count(*) filter (where n_orders >= 2) / nullif(count(*), 0)
                from marts.dim_customers where n_orders > 0
            ) as repurchase_rate,
            (select avg(clv_12m) from marts.dim_customer_clv) as avg_clv,
            (select max(as_of_date) from marts.dim_customers) as as_of_date
        """
    ).fetchone()
    keys = [
        "customers",
        "buyers",
        "active_customers",
        "revenue_net",
        "purchase_orders",
        "aov",
        "repurchase_rate",
        "avg_clv",
        "as_of_date",
    ]
    result = dict(zip(keys, row, strict=True))
    for key in ["revenue_net", "aov", "repurchase_rate", "avg_clv"]:
        if result[key] is not None:
            result[key] = float(result[key])
    return result


def rfm_grid(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Buyers per recency score x frequency score (all 25 cells, 0 where empty), with the cell's
    most common segment in Chinese and English."""
    return _df(
        con,
        """
        with scores as (select unnest(range(1, 6)) as score),
        cells as (
            select
                r_score,
                f_score,
                count(*) as customers,
                mode(rfm_segment_zh) as segment_zh,
                mode(rfm_segment_name_en) as segment_en
            from marts.dim_customer_rfm
            group by r_score, f_score
        )
        select
            r.score as r_score,
            f.score as f_score,
            coalesce(cells.customers, 0) as customers,
            cells.segment_zh,
            cells.segment_en
        from scores as r
        cross join scores as f
        left join cells on cells.r_score = r.score and cells.f_score = f.score
        order by r_score, f_score
        """,
    )


def rfm_segments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Buyers per RFM segment."""
    return _df(
        con,
        """
        select
            rfm_segment,
            rfm_segment_zh || ' ' || rfm_segment_name_en as segment,
            count(*) as customers,
            count(*) / sum(count(*)) over () as share
        from marts.dim_customer_rfm
        group by all
        order by customers desc
        """,
    )


def lifecycle_transitions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Customers moving from each lifecycle stage to each other in the latest month (the month
    ending on the as-of month end), with the share of the stage they came from."""
    return _df(
        con,
        """
        select
            month_end_on,
            previous_month_end_on,
            from_stage,
            from_stage_zh || ' ' || from_stage as from_label,
            to_stage,
            to_stage_zh || ' ' || to_stage as to_label,
            customers,
            share_of_from_stage,
            is_same_stage
        from marts.rpt_lifecycle_transitions
        where month_end_on = (select max(month_end_on) from marts.rpt_lifecycle_transitions)
        order by from_stage, to_stage
        """,
    )


def funnel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The session funnel per channel over the whole period (visit -> product view -> add to
    cart -> checkout -> purchase)."""
    return _df(
        con,
        """
        select
            channel,
            step_number,
            step,
            step_number || '. ' || step_zh || ' ' || step as step_label,
            n_sessions,
            step_conversion_rate,
            overall_conversion_rate
        from marts.rpt_funnel_by_channel
        where period = 'all'
        order by channel, step_number
        """,
    )


def cohort_retention(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per first-purchase month and month since (1 = the month after the first purchase): the
    share of the cohort buying in that month (only fully observed months), and the cohort's 30-
    and 90-day repurchase rates."""
    return _df(
        con,
        """
        select
            strftime(cohort_month, '%Y-%m') as cohort,
            months_since_first,
            cohort_size,
            n_buyers,
            retention_rate,
            repurchase_rate_30d,
            repurchase_rate_90d
        from marts.rpt_cohort_retention
        where is_complete_period and months_since_first > 0
        order by cohort_month, months_since_first
        """,
    )


def tag_coverage(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per tag of the catalog: the share of customers in scope who have a value."""
    return _df(
        con,
        """
        select
            tag_code,
            name_zh || ' ' || name_en as tag,
            tag_category,
            value_type,
            customers_in_scope,
            customers_tagged,
            coverage,
            distinct_values
        from marts.rpt_tag_coverage
        order by display_order
        """,
    )


def audience_sizes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per audience: members, share of customers, reachable members and exports per channel."""
    return _df(
        con,
        """
        select
            audience_code,
            name_zh || ' ' || name_en as audience,
            channels,
            n_members,
            share_of_customers,
            n_reachable,
            n_sms_exported,
            n_email_exported,
            n_wecom_exported
        from marts.rpt_audience_summary
        order by n_members desc
        """,
    )


def audience_tgi(
    con: duckdb.DuckDBPyConnection, top: int = 10, min_members: int = 5
) -> pd.DataFrame:
    """Per audience, the `top` tag values most over-represented in it (TGI = audience share /
    population share x 100), among values held by at least `min_members` members."""
    return con.execute(
        """
        select
            tgi.audience_code,
            tgi.tag_code,
            coalesce(tags.name_zh || ' ' || tags.name_en, tgi.tag_code) as tag,
            tgi.tag_value,
            tgi.n_members_with_value,
            tgi.audience_share,
            tgi.population_share,
            tgi.tgi
        from marts.rpt_audience_tgi as tgi
        left join marts.rpt_tag_coverage as tags on tgi.tag_code = tags.tag_code
        where tgi.n_members_with_value >= ? and tgi.tgi is not null
        qualify row_number() over (
            partition by tgi.audience_code order by tgi.tgi desc, tgi.tag_code, tgi.tag_value
        ) <= ?
        order by tgi.audience_code, tgi.tgi desc, tgi.tag_code, tgi.tag_value
        """,
        [min_members, top],
    ).df()


def clv_distribution(con: duckdb.DuckDBPyConnection, bins: int = 40) -> pd.DataFrame:
    """Buyers per band of 12-month CLV and CLV tier: `bins` equal bands up to the 99th
    percentile, the last band holding everything above it. Binned in SQL, so the chart stays
    small at any size."""
    return con.execute(
        """
        with scored as (
            select cast(clv_12m as double) as clv, clv_tier
            from marts.dim_customer_clv
            where clv_12m is not null
        ),
        width as (
            select greatest(quantile_cont(clv, 0.99) / ?, 1) as w from scored
        ),
        banded as (
            select
                least(floor(scored.clv / width.w), ? - 1) * width.w as band_start,
                width.w,
                scored.clv_tier
            from scored cross join width
        )
        select
            band_start,
            band_start + w as band_end,
            clv_tier,
            count(*) as customers
        from banded
        group by all
        order by band_start, clv_tier
        """,
        [bins, bins],
    ).df()


def clv_tiers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per CLV tier: buyers, mean and total 12-month CLV, mean probability alive."""
    return _df(
        con,
        """
        select
            clv_tier,
            count(*) as customers,
            avg(clv_12m) as mean_clv_12m,
            sum(clv_12m) as total_clv_12m,
            avg(probability_alive) as mean_probability_alive
        from marts.dim_customer_clv
        where clv_tier is not null
        group by clv_tier
        order by
            case clv_tier when 'top' then 1 when 'high' then 2 when 'medium' then 3 else 4 end
        """,
    )


def cluster_profiles(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per customer cluster: size, means, top category and channel, what sets it apart."""
    return _df(
        con,
        """
        select
            cluster_code,
            cluster_name_zh || ' ' || cluster_name_en as cluster,
            n_customers,
            customer_share,
            mean_recency_days,
            mean_purchase_days_365d,
            cast(mean_net_spend_365d as double) as mean_net_spend_365d,
            cast(mean_average_order_value as double) as mean_average_order_value,
            mean_coupon_share,
            top_category,
            top_channel,
            distinguishing_features
        from marts.rpt_cluster_profiles
        order by cluster_code
        """,
    )


def identity_quality(con: duckdb.DuckDBPyConnection) -> dict:
    """OneID's quality figures (marts.rpt_identity_quality) as metric -> value."""
    return dict(
        con.execute("select metric, metric_value from marts.rpt_identity_quality").fetchall()
    )


def identity_changes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """What the last builds changed in OneID: rows of marts.fct_identity_changes per change type
    (merges, splits, identifiers joined, moved or excluded). Empty after a first build."""
    return _df(
        con,
        """
        select change_type, count(*) as changes, max(changed_at) as last_changed_at
        from marts.fct_identity_changes
        group by change_type
        order by changes desc
        """,
    )


def excluded_identifiers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Identifiers OneID set aside, per reason and identifier type (marts.dim_identifiers), with
    the share of that type excluded. Counts only: the identifiers themselves are not shown."""
    return _df(
        con,
        """
        with per_type as (
            select
                identifier_type,
                exclusion_reason,
                count(*) as identifiers,
                sum(count(*)) over (partition by identifier_type) as identifiers_of_type
            from marts.dim_identifiers
            group by identifier_type, exclusion_reason
        )
        select
            exclusion_reason,
            identifier_type,
            identifiers,
            identifiers / identifiers_of_type as share_of_type
        from per_type
        where exclusion_reason is not null
        order by identifiers desc, exclusion_reason, identifier_type
        """,
    )


def identity_black_holes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Identifiers shared by several people (a cashier's placeholder phone, a family tablet, an
    internet-cafe cookie) per kind and fate: excluded by a guard, or kept because harmless."""
    return _df(
        con,
        """
        select
            black_hole_kind,
            fate,
            count(*) as identifiers,
            max(n_persons_sharing) as max_persons_sharing
        from marts.rpt_identity_black_holes
        group by all
        order by black_hole_kind, fate
        """,
    )


def identifier_types(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Identifiers per type (marts.dim_identifiers): how many, and how many belong to a OneID."""
    return _df(
        con,
        """
        select
            identifier_type,
            count(*) as identifiers,
            count(one_id) as with_one_id,
            count(*) filter (where exclusion_reason is not null) as excluded
        from marts.dim_identifiers
        group by identifier_type
        order by identifiers desc
        """,
    )


def recommendation_evaluation(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The recommender against the popularity baseline (marts.rpt_recommendation_evaluation):
    hit rate, recall and NDCG at 10 per method, overall ('all') and per lifecycle stage on the
    cutoff."""
    return _df(
        con,
        """
        select
            method,
            lifecycle_stage,
            persons,
            hit_rate_at_10,
            recall_at_10,
            ndcg_at_10,
            cast(cutoff_on as varchar) as cutoff_on,
            window_days
        from marts.rpt_recommendation_evaluation
        order by lifecycle_stage = 'all' desc, lifecycle_stage, method desc
        """,
    )


def recommendation_reasons(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Why products are recommended (marts.fct_customer_recommendations): recommendations and
    people per reason, for the first-ranked product and for all ten."""
    return _df(
        con,
        """
        select
            reason_code,
            count(*) as recommendations,
            count(distinct one_id) as persons,
            sum(case when recommendation_rank = 1 then 1 else 0 end) as ranked_first
        from marts.fct_customer_recommendations
        group by reason_code
        order by recommendations desc, reason_code
        """,
    )


def referral_summary(con: duckdb.DuckDBPyConnection) -> dict:
    """Who brings whom, in four figures (marts.fct_referrals, marts.rpt_referral_cascades): people
    brought by someone's share or invitation, of them buyers within 30 days, their net sales within
    30 days, the cascades and the deepest generation."""
    row = con.execute(
        """
        select
            (select count(*) from marts.fct_referrals) as people_brought,
            (select count(*) from marts.fct_referrals where has_purchase_30d) as buyers_30d,
            (select coalesce(sum(net_sales_30d), 0) from marts.fct_referrals) as net_sales_30d,
            (select count(*) from marts.rpt_referral_cascades) as cascades,
            (select coalesce(max(max_generation), 0) from marts.rpt_referral_cascades)
                as deepest_generation
        """
    ).fetchone()
    keys = ["people_brought", "buyers_30d", "net_sales_30d", "cascades", "deepest_generation"]
    return dict(zip(keys, row, strict=True))


def top_sharers(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The people whose shares brought the most people (marts.rpt_top_sharers), by OneID only."""
    return _df(
        con,
        """
        select
            sharer_rank,
            one_id,
            n_people_brought,
            n_brought_buyers_30d,
            brought_buyer_rate_30d,
            brought_net_sales_30d,
            cascade_size,
            cascade_depth,
            is_koc
        from marts.rpt_top_sharers
        order by sharer_rank
        """,
    )
