"""persona dashboard: the marts at a glance, for marketers and BI.

    streamlit run dashboard/app.py        # or: make dashboard

Reads the warehouse named by PERSONA_DB (default data/persona.duckdb) read-only, `marts` schema
only; every figure comes from a function of persona.consumers.dashboard_data, this script only
renders. The connection is opened for one load and closed again, so the dashboard never holds the
file while `make run` rebuilds it; results are cached until the file changes.

Two pages (st.navigation, in the sidebar): this overview, and the customer-360 page
(dashboard/customer360.py, at /customer360) that looks one person up by any identifier.
"""

from __future__ import annotations

from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import streamlit as st

from persona.consumers import dashboard_data as data

st.set_page_config(page_title="persona dashboard 用户画像看板", page_icon="📊", layout="wide")

LIFECYCLE_ORDER = ["not_yet_known", "prospect", "new", "active", "silent", "churned", "reactivated"]
CLV_TIER_ORDER = ["top", "high", "medium", "low"]


@st.cache_data(show_spinner="Reading the marts 读取数据…")
def load(path: str, modified: float) -> dict:
    """Every figure of the page, from one read-only connection that is closed again. `modified`
    (the file's mtime) is part of the cache key: a rebuilt warehouse is read again."""
    con = data.connect(path)
    try:
        return {
            "kpis": data.kpis(con),
            "rfm_grid": data.rfm_grid(con),
            "rfm_segments": data.rfm_segments(con),
            "lifecycle": data.lifecycle_transitions(con),
            "funnel": data.funnel(con),
            "cohorts": data.cohort_retention(con),
            "tags": data.tag_coverage(con),
            "audiences": data.audience_sizes(con),
            "tgi": data.audience_tgi(con),
            "clv": data.clv_distribution(con),
            "clv_tiers": data.clv_tiers(con),
            "clusters": data.cluster_profiles(con),
            "identity": data.identity_quality(con),
            "identity_changes": data.identity_changes(con),
            "excluded": data.excluded_identifiers(con),
            "black_holes": data.identity_black_holes(con),
            "identifier_types": data.identifier_types(con),
            "recommendations": data.recommendation_evaluation(con),
            "recommendation_reasons": data.recommendation_reasons(con),
            "referrals": data.referral_summary(con),
            "top_sharers": data.top_sharers(con),
        }
    finally:
        con.close()


def chart(spec: alt.Chart) -> None:
    st.altair_chart(spec, width="stretch")


def kpi_section(kpis: dict) -> None:
    st.header("Headline KPIs 核心指标")
    shown = {
        "customers": data.format_count(kpis["customers"]),
        "buyers": data.format_count(kpis["buyers"]),
        "active_customers": data.format_count(kpis["active_customers"]),
        "revenue_net": data.format_yuan(kpis["revenue_net"]),
        "aov": data.format_yuan(kpis["aov"], 2),
        "repurchase_rate": data.format_share(kpis["repurchase_rate"]),
        "avg_clv": data.format_yuan(kpis["avg_clv"], 2),
    }
    items = list(shown.items())
    for row in (items[:4], items[4:]):
        for column, (key, value) in zip(st.columns(4), row, strict=False):
            label, definition = data.KPI_DEFINITIONS[key]
            column.metric(label, value, help=definition, border=True)
    definitions = pd.DataFrame(
        [(label, definition) for label, definition in data.KPI_DEFINITIONS.values()],
        columns=["KPI 指标", "Definition 口径"],
    )
    with st.expander("Definitions 指标口径", expanded=True):
        st.table(definitions.set_index("KPI 指标"))


def rfm_section(grid: pd.DataFrame, segments: pd.DataFrame) -> None:
    st.header("RFM grid RFM矩阵")
    st.caption(
        "Buyers by recency score (R, 5 = bought most recently) and frequency score (F, 5 = buys "
        "most often); each cell is labelled with its segment. Source: marts.dim_customer_rfm."
    )
    left, right = st.columns([3, 2])
    base = alt.Chart(grid).encode(
        x=alt.X("f_score:O", title="Frequency score F 频次"),
        y=alt.Y("r_score:O", title="Recency score R 最近购买", sort="descending"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("customers:Q", title="Buyers 客户数", scale=alt.Scale(scheme="blues")),
        tooltip=["r_score", "f_score", "customers", "segment_zh", "segment_en"],
    )
    labels = base.mark_text(baseline="middle").encode(
        text=alt.Text("customers:Q", format=","),
        color=alt.condition("datum.customers > 600", alt.value("white"), alt.value("black")),
    )
    with left:
        chart((heat + labels).properties(height=320))
    with right:
        st.dataframe(
            segments.drop(columns="rfm_segment"),
            hide_index=True,
            column_config={"share": st.column_config.NumberColumn("share", format="percent")},
        )


def lifecycle_section(transitions: pd.DataFrame) -> None:
    st.header("Lifecycle flow 生命周期流转")
    if transitions.empty:
        st.info("No lifecycle history yet 暂无生命周期数据.")
        return
    month = pd.Timestamp(transitions["month_end_on"].iloc[0]).date()
    previous = pd.Timestamp(transitions["previous_month_end_on"].iloc[0]).date()
    st.caption(
        f"Customers by lifecycle stage at {previous} (rows) and at {month} (columns); the label "
        "is the share of the row's stage that moved there. Source: "
        "marts.rpt_lifecycle_transitions."
    )
    order = [
        label
        for stage in LIFECYCLE_ORDER
        for label in transitions.loc[transitions["from_stage"] == stage, "from_label"].unique()
    ]
    to_order = [
        label
        for stage in LIFECYCLE_ORDER
        for label in transitions.loc[transitions["to_stage"] == stage, "to_label"].unique()
    ]
    base = alt.Chart(transitions).encode(
        x=alt.X(
            "to_label:N",
            title=f"Stage at {month} 本月阶段",
            sort=to_order,
            axis=alt.Axis(labelAngle=0, labelOverlap=False),
        ),
        y=alt.Y(
            "from_label:N",
            title=f"Stage at {previous} 上月阶段",
            sort=order,
            axis=alt.Axis(labelOverlap=False, labelLimit=200),
        ),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "share_of_from_stage:Q", title="Share of row 占比", scale=alt.Scale(scheme="greens")
        ),
        tooltip=[
            "from_label",
            "to_label",
            "customers",
            alt.Tooltip("share_of_from_stage", format=".1%"),
        ],
    )
    labels = base.mark_text().encode(
        text=alt.Text("share_of_from_stage:Q", format=".0%"),
        color=alt.condition(
            "datum.share_of_from_stage > 0.5", alt.value("white"), alt.value("black")
        ),
    )
    chart((heat + labels).properties(height=340))


def funnel_section(funnel: pd.DataFrame) -> None:
    st.header("Funnel by channel 渠道转化漏斗")
    st.caption(
        "Share of visits (sessions) that reached each step, per channel, over the whole period. "
        "Source: marts.rpt_funnel_by_channel (period = all)."
    )
    left, right = st.columns([3, 2])
    with left:
        chart(
            alt.Chart(funnel)
            .mark_bar()
            .encode(
                x=alt.X(
                    "step_label:N",
                    title="Step 步骤",
                    sort=None,
                    axis=alt.Axis(labelAngle=-40, labelLimit=200, labelOverlap=False),
                ),
                xOffset="channel:N",
                y=alt.Y(
                    "overall_conversion_rate:Q",
                    title="Share of visits 访问占比",
                    axis=alt.Axis(format="%"),
                    scale=alt.Scale(type="sqrt"),
                ),
                color=alt.Color("channel:N", title="Channel 渠道"),
                tooltip=[
                    "channel",
                    "step_label",
                    alt.Tooltip("n_sessions", format=","),
                    alt.Tooltip("step_conversion_rate", format=".1%"),
                    alt.Tooltip("overall_conversion_rate", format=".2%"),
                ],
            )
            .properties(height=320)
        )
    with right:
        table = funnel.pivot(index="step_label", columns="channel", values="n_sessions")
        st.dataframe(table, column_config={"step_label": "Sessions 访问数"})


def cohort_section(cohorts: pd.DataFrame) -> None:
    st.header("Cohort retention 同期群留存")
    st.caption(
        "Per month of first purchase (cohort): the share of the cohort that bought again in each "
        "later month (1 = the month after). Only fully observed months are shown. Source: "
        "marts.rpt_cohort_retention."
    )
    if cohorts.empty:
        st.info("No complete cohort month yet 暂无完整同期群.")
        return
    base = alt.Chart(cohorts).encode(
        x=alt.X("months_since_first:O", title="Months since first purchase 首购后月数"),
        y=alt.Y("cohort:O", title="Cohort 首购月份"),
    )
    chart(
        base.mark_rect()
        .encode(
            color=alt.Color(
                "retention_rate:Q",
                title="Retention 留存率",
                scale=alt.Scale(scheme="orangered"),
                legend=alt.Legend(format="%"),
            ),
            tooltip=[
                "cohort",
                "months_since_first",
                alt.Tooltip("cohort_size", format=","),
                alt.Tooltip("n_buyers", format=","),
                alt.Tooltip("retention_rate", format=".1%"),
                alt.Tooltip("repurchase_rate_90d", format=".1%", title="90-day repurchase"),
            ],
        )
        .properties(height=max(240, 18 * cohorts["cohort"].nunique()))
    )


def tag_section(tags: pd.DataFrame) -> None:
    st.header("Tag coverage 标签覆盖率")
    st.caption(
        "Share of the customers in a tag's scope who have a value (a missing value means unknown "
        "or not applicable, never 'no'); per category the mean over its tags. Source: "
        "marts.rpt_tag_coverage."
    )
    left, right = st.columns([2, 3])
    by_category = tags.groupby("tag_category", as_index=False).agg(
        tags=("tag_code", "count"), mean_coverage=("coverage", "mean")
    )
    with left:
        chart(
            alt.Chart(by_category)
            .mark_bar()
            .encode(
                y=alt.Y("tag_category:N", title="Category 类别", sort="-x"),
                x=alt.X(
                    "mean_coverage:Q", title="Mean coverage 平均覆盖率", axis=alt.Axis(format="%")
                ),
                tooltip=["tag_category", "tags", alt.Tooltip("mean_coverage", format=".1%")],
            )
            .properties(height=300)
        )
    with right:
        st.dataframe(
            tags.drop(columns="tag_code"),
            hide_index=True,
            height=300,
            column_config={
                "coverage": st.column_config.ProgressColumn("coverage", format="percent")
            },
        )


def audience_section(audiences: pd.DataFrame, tgi: pd.DataFrame) -> None:
    st.header("Audiences and TGI 人群规模与TGI")
    st.caption(
        "Members of each audience, and those reachable on at least one of its channels with "
        "consent. TGI = share of the audience with a tag value / share of all customers with it "
        "x 100 (above 100: over-represented). Sources: marts.rpt_audience_summary, "
        "marts.rpt_audience_tgi."
    )
    sizes = audiences.melt(
        id_vars=["audience"],
        value_vars=["n_members", "n_reachable"],
        var_name="measure",
        value_name="customers",
    )
    chart(
        alt.Chart(sizes)
        .mark_bar()
        .encode(
            y=alt.Y(
                "audience:N",
                title=None,
                sort=audiences["audience"].tolist(),
                axis=alt.Axis(labelLimit=360),
            ),
            yOffset="measure:N",
            x=alt.X("customers:Q", title="Customers 客户数"),
            color=alt.Color("measure:N", title="Members 成员 / reachable 可触达"),
            tooltip=["audience", "measure", alt.Tooltip("customers", format=",")],
        )
        .properties(height=34 * len(audiences) + 40)
    )
    if tgi.empty:
        st.info("No TGI yet 暂无TGI.")
        return
    codes = audiences["audience_code"].tolist()
    names = dict(zip(audiences["audience_code"], audiences["audience"], strict=True))
    chosen = st.selectbox(
        "Audience for TGI 选择人群", codes, format_func=lambda code: names.get(code, code)
    )
    top = tgi[tgi["audience_code"] == chosen].assign(
        tag_and_value=lambda frame: frame["tag"] + " = " + frame["tag_value"].astype(str)
    )
    chart(
        alt.Chart(top)
        .mark_bar()
        .encode(
            y=alt.Y("tag_and_value:N", title=None, sort="-x", axis=alt.Axis(labelLimit=420)),
            x=alt.X("tgi:Q", title="TGI"),
            tooltip=[
                "tag",
                "tag_value",
                alt.Tooltip("tgi", format=".0f"),
                alt.Tooltip("audience_share", format=".1%"),
                alt.Tooltip("population_share", format=".1%"),
                "n_members_with_value",
            ],
        )
        .properties(height=28 * max(len(top), 1) + 40)
    )


def clv_section(clv: pd.DataFrame, tiers: pd.DataFrame) -> None:
    st.header("CLV distribution 客户终身价值分布")
    st.caption(
        "Buyers by expected discounted value of the next 12 months (clv_12m, yuan), coloured by "
        "tier (top 5% / high 20% / medium 50% / low); the last band holds everything above the "
        "99th percentile. Source: marts.dim_customer_clv."
    )
    if clv.empty:
        st.info("No CLV scores: the model could not be fitted (see marts.rpt_clv_fits).")
        return
    left, right = st.columns([3, 2])
    with left:
        chart(
            alt.Chart(clv)
            .mark_bar()
            .encode(
                x=alt.X("band_start:Q", bin="binned", title="12-month CLV 未来12个月价值 (¥)"),
                x2="band_end:Q",
                y=alt.Y("sum(customers):Q", title="Buyers 客户数"),
                color=alt.Color("clv_tier:N", title="Tier 等级", sort=CLV_TIER_ORDER),
                tooltip=["band_start", "band_end", "clv_tier", "customers"],
            )
            .properties(height=300)
        )
    with right:
        st.dataframe(
            tiers,
            hide_index=True,
            column_config={
                "mean_clv_12m": st.column_config.NumberColumn(format="¥%.0f"),
                "total_clv_12m": st.column_config.NumberColumn(format="¥%.0f"),
                "mean_probability_alive": st.column_config.NumberColumn(format="percent"),
            },
        )


def cluster_section(clusters: pd.DataFrame) -> None:
    st.header("Customer clusters 客户分群")
    st.caption(
        "Buyer segments found by KMeans on recency, purchases, spend, discount and coupon use, "
        "activity, channel and category mix; named from what sets each apart. Source: "
        "marts.rpt_cluster_profiles."
    )
    if clusters.empty:
        st.info("No clusters yet 暂无分群.")
        return
    st.dataframe(
        clusters,
        hide_index=True,
        column_config={
            "customer_share": st.column_config.ProgressColumn(format="percent"),
            "mean_coupon_share": st.column_config.NumberColumn(format="percent"),
            "mean_recency_days": st.column_config.NumberColumn(format="%.0f"),
            "mean_purchase_days_365d": st.column_config.NumberColumn(format="%.2f"),
            "mean_net_spend_365d": st.column_config.NumberColumn(format="¥%.0f"),
            "mean_average_order_value": st.column_config.NumberColumn(format="¥%.0f"),
        },
    )


def identity_section(
    quality: dict,
    changes: pd.DataFrame,
    excluded: pd.DataFrame,
    black_holes: pd.DataFrame,
    types: pd.DataFrame,
) -> None:
    st.header("Identity (OneID) 身份识别")
    st.caption(
        "How identifiers were stitched into people, what was set aside and why, and what the "
        "last build changed. Counts only: no identifier is shown. Sources: "
        "marts.rpt_identity_quality, marts.dim_identifiers, marts.rpt_identity_black_holes, "
        "marts.fct_identity_changes."
    )
    merges = int(changes.loc[changes["change_type"] == "merge", "changes"].sum())
    figures = [
        ("OneIDs 人数", data.format_count(quality.get("one_ids"))),
        ("Identifiers 标识数", data.format_count(quality.get("identifiers"))),
        ("Excluded identifiers 排除标识", data.format_count(quality.get("identifiers_excluded"))),
        (
            "Multi-identifier OneIDs 多标识人数",
            data.format_count(quality.get("one_ids_multi_identifier")),
        ),
        (
            "Largest OneID 最大OneID标识数",
            data.format_count(quality.get("largest_one_id_identifiers")),
        ),
        ("Merges (last builds) 合并次数", data.format_count(merges)),
    ]
    for row in (figures[:3], figures[3:]):
        for column, (label, value) in zip(st.columns(3), row, strict=True):
            column.metric(label, value, border=True)
    if quality.get("truth_identifiers"):
        st.caption(
            "Against the generator's ground truth: pairwise precision "
            f"{quality.get('pairwise_precision', 0):.3f}, recall of what the data connects "
            f"{quality.get('pairwise_recall', 0):.3f}, recall of all same-person pairs "
            f"{quality.get('pairwise_recall_of_persons', 0):.3f}."
        )
    left, right = st.columns(2)
    with left:
        st.subheader("Excluded identifiers 排除的标识")
        st.dataframe(
            excluded,
            hide_index=True,
            column_config={"share_of_type": st.column_config.NumberColumn(format="percent")},
        )
        st.subheader("Shared identifiers 共用标识")
        st.dataframe(black_holes, hide_index=True)
    with right:
        st.subheader("Identifiers per type 各类标识")
        st.dataframe(types, hide_index=True)
        st.subheader("Changes 变更")
        if changes.empty:
            st.info("No OneID changes recorded (a first build records none) 暂无变更.")
        else:
            st.dataframe(changes, hide_index=True)


def recommendation_section(evaluation: pd.DataFrame, reasons: pd.DataFrame) -> None:
    st.header("Recommendations 个性化推荐")
    st.caption(
        "Each person's top 10 products (marts.fct_customer_recommendations), tested on the past: "
        "the recommendations made as of a cutoff against what people bought in the days after, "
        "next to recommending the 10 best sellers to everyone. Hit rate = share of buyers with at "
        "least one bought product in their 10; recall = share of the bought products found; "
        "NDCG = recall weighted by rank. Source: marts.rpt_recommendation_evaluation."
    )
    if evaluation.empty:
        st.info("No purchases after the evaluation cutoff yet 暂无评估数据.")
        return
    overall = evaluation[evaluation["lifecycle_stage"] == "all"]
    first = overall.iloc[0]
    st.caption(
        f"Cutoff {first['cutoff_on']} 截点, purchases of the next {first['window_days']} days "
        f"后续{first['window_days']}天的购买, {int(first['persons']):,} buyers 购买人数."
    )
    long = overall.melt(
        id_vars=["method"],
        value_vars=["hit_rate_at_10", "recall_at_10", "ndcg_at_10"],
        var_name="measure",
        value_name="value",
    )
    chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("measure:N", title=None),
            xOffset="method:N",
            y=alt.Y("value:Q", title="At 10 前10", axis=alt.Axis(format="%")),
            color=alt.Color("method:N", title="Recommender 推荐 / popularity 热销"),
            tooltip=["method", "measure", alt.Tooltip("value", format=".1%")],
        )
        .properties(height=280)
    )
    st.dataframe(evaluation, hide_index=True)
    if not reasons.empty:
        st.subheader("Why recommended 推荐理由")
        st.dataframe(reasons, hide_index=True)


def referral_section(summary: dict, sharers: pd.DataFrame) -> None:
    st.header("Referrals 社交裂变")
    st.caption(
        "People who first came through someone's mini-program share or invitation link, and "
        "what they bought in their first 30 days. Key-opinion consumers (KOC) are the sharers "
        "whose shares convert. Sources: marts.fct_referrals, marts.rpt_referral_cascades, "
        "marts.rpt_top_sharers (OneIDs only)."
    )
    if not summary["people_brought"]:
        st.info(
            "No referrals: the raw data has no share_from_openid or referrer_member_id "
            "(raw contract version 2) 原始数据无分享来源字段."
        )
        return
    columns = st.columns(4)
    columns[0].metric("People brought 被带来的人", data.format_count(summary["people_brought"]))
    columns[1].metric(
        "Of them buyers in 30 days 30天内购买", data.format_count(summary["buyers_30d"])
    )
    columns[2].metric(
        "Their sales in 30 days 30天销售额", data.format_yuan(summary["net_sales_30d"])
    )
    columns[3].metric(
        "Cascades, deepest generation 裂变链 / 最深代数",
        f"{data.format_count(summary['cascades'])} / {summary['deepest_generation']}",
    )
    st.subheader("Top sharers 分享达人")
    st.dataframe(sharers, hide_index=True)


def warehouse() -> Path:
    """The warehouse file, or a clear message (and stop) when there is none."""
    path = data.warehouse_path()
    if not Path(path).is_file():
        st.error(data.missing_warehouse_message(path))
        st.stop()
    return path


def overview() -> None:
    st.title("persona — customer profiles dashboard 用户画像看板")
    path = warehouse()
    try:
        figures = load(str(path), Path(path).stat().st_mtime)
    except duckdb.CatalogException as error:
        st.error(f"The warehouse {path} lacks a mart: run make run first.\n\n{error}")
        st.stop()
    kpis = figures["kpis"]
    st.caption(
        f"Warehouse {path} · as of {kpis['as_of_date']} 数据截至 · marts schema, read-only. "
        "Amounts in yuan 金额单位：元."
    )
    kpi_section(kpis)
    rfm_section(figures["rfm_grid"], figures["rfm_segments"])
    lifecycle_section(figures["lifecycle"])
    funnel_section(figures["funnel"])
    cohort_section(figures["cohorts"])
    tag_section(figures["tags"])
    audience_section(figures["audiences"], figures["tgi"])
    clv_section(figures["clv"], figures["clv_tiers"])
    cluster_section(figures["clusters"])
    identity_section(
        figures["identity"],
        figures["identity_changes"],
        figures["excluded"],
        figures["black_holes"],
        figures["identifier_types"],
    )
    recommendation_section(figures["recommendations"], figures["recommendation_reasons"])
    referral_section(figures["referrals"], figures["top_sharers"])


st.navigation(
    [
        st.Page(overview, title="Overview 总览", icon="📊", default=True),
        st.Page("customer360.py", title="Customer 360 客户360", icon="🔎", url_path="customer360"),
    ]
).run()
