"""Data validation of the marts BI reads, with Great Expectations (GX).

    persona validate [--db data/persona.duckdb] [--docs-dir data/validation]

One expectation suite per mart a dashboard reads (customers, orders, RFM, tags, audiences, CLV),
run by one GX Checkpoint that writes Data Docs (static HTML, open ``<docs-dir>/index.html``).

What lives here and what does not: structural invariants (not null, unique keys, relationships,
accepted values) are dbt tests in the marts' ``_*__models.yml`` and are not repeated. GX carries
what a dbt test does not express well: *distributions* a consumer relies on (share of buyers among
customers, share of customers per RFM segment, mean CLV, coverage of key tags, audience sizes)
and consumer-facing ranges, each inside a band. The bands were measured on the default sample
(10,000 persons) and on a 2,000-person sample, then widened by a margin; every band can fail.
Counts are expressed relative to the warehouse's own customer or buyer count, so the suites hold
on a sample of any size.

GX reads each mart through a pandas datasource (DuckDB opened read-only, ``con.sql(...).df()``):
GX's SQL datasource over duckdb-engine returns empty results. Each mart is loaded with the
columns its suite needs, plus derived 0/1 columns (``is_buyer``, ``in_segment_champions``, ...)
whose mean is a share: "mean of is_buyer" reads as "share of customers who bought".
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

#: where `persona validate` writes Data Docs by default (and `make validate`)
DEFAULT_DOCS_DIR = Path("data/validation")

# ----------------------------------------------------------------------------------------------
# The figures the bands are relative to, measured on the warehouse being validated


@dataclass(frozen=True)
class Reference:
    """Counts the relative bands scale with, read from the warehouse before validating."""

    n_customers: int  # rows of marts.dim_customers (one per OneID)
    n_buyers: int  # customers with at least one order
    n_catalog_tags: int  # rows of marts.dim_tags
    n_audiences: int  # rows of marts.dim_audiences (rule audiences and lookalike expansions)
    lookalike_members: int  # the sizes the lookalike expansions were asked for, summed
    revenue_365d: float  # net amount of identified purchases in the 365 days to the as-of date

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Reference:
        row = con.sql(
            """
            select
                (select count(*) from marts.dim_customers),
                (select count(*) from marts.dim_customers where n_orders > 0),
                (select count(*) from marts.dim_tags),
                (select count(*) from marts.dim_audiences),
                (select coalesce(sum(lookalike_size), 0) from marts.dim_audiences
                    where audience_type = 'lookalike'),
                (select coalesce(sum(net_amount), 0) from marts.fct_orders
                    where is_purchase and one_id is not null
                    and order_on > as_of_date - interval 365 day)
            """
        ).fetchall()[0]
        return cls(*(int(v) for v in row[:5]), float(row[5]))


# ----------------------------------------------------------------------------------------------
# How expectations are written: every one says what it checks in words (`description`, shown in
# Data Docs instead of GX's generic sentence), why an analyst cares (`notes`), and what was
# measured on the samples when the band was set (`meta`).


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def _pct(value: float) -> str:
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _meta(why: str, measured: str) -> dict[str, str]:
    return {"why": why, "measured_when_the_band_was_set": measured}


def _rows(gxe: Any, low: int, high: int | None, what: str, why: str, measured: str) -> Any:
    band = f"at least {low:,}" if high is None else f"between {low:,} and {high:,}"
    return gxe.ExpectTableRowCountToBeBetween(
        min_value=low,
        max_value=high,
        description=f"{what}: {band} rows",
        notes=why,
        meta=_meta(why, measured),
    )


def _rows_equal(gxe: Any, value: int, what: str, why: str, measured: str) -> Any:
    return gxe.ExpectTableRowCountToEqual(
        value=value,
        description=f"{what}: exactly {value:,} rows",
        notes=why,
        meta=_meta(why, measured),
    )


def _share(
    gxe: Any,
    column: str,
    low: float,
    high: float,
    what: str,
    why: str,
    measured: str,
    where: Any = None,
) -> Any:
    """The mean of a 0/1 column, i.e. a share of rows, within [low, high]."""
    kwargs = {"row_condition": where} if where is not None else {}
    return gxe.ExpectColumnMeanToBeBetween(
        column=column,
        min_value=low,
        max_value=high,
        description=f"{what}: between {_pct(low)} and {_pct(high)}",
        notes=why,
        meta=_meta(why, measured),
        **kwargs,
    )


def _stat(
    gxe: Any,
    kind: str,
    column: str,
    low: float,
    high: float,
    what: str,
    why: str,
    measured: str,
    where: Any = None,
) -> Any:
    """A column statistic (mean, median, min, sum) within [low, high]."""
    expectation = {
        "mean": gxe.ExpectColumnMeanToBeBetween,
        "median": gxe.ExpectColumnMedianToBeBetween,
        "min": gxe.ExpectColumnMinToBeBetween,
        "sum": gxe.ExpectColumnSumToBeBetween,
    }[kind]
    kwargs = {"row_condition": where} if where is not None else {}
    return expectation(
        column=column,
        min_value=low,
        max_value=high,
        description=f"{what}: between {_num(low)} and {_num(high)}",
        notes=why,
        meta=_meta(why, measured),
        **kwargs,
    )


# ----------------------------------------------------------------------------------------------
# The suites: one per mart (the SQL that loads it, then its expectations)


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    table: str  # the mart, as BI reads it
    sql: str  # what GX validates: the mart's columns the suite needs, plus derived 0/1 columns
    expectations: Callable[[Any, Any, Reference], list[Any]]  # (gxe, Column, reference)


RFM_SEGMENTS = {
    # segment: (low, high, measured share of buyers on the 10k / 2k samples)
    "hibernating": (0.32, 0.46, "39.2% / 39.0%"),
    "about_to_sleep": (0.10, 0.20, "14.6% / 15.2%"),
    "loyal": (0.09, 0.19, "14.0% / 13.3%"),
    "champions": (0.07, 0.16, "11.5% / 10.6%"),
    "promising": (0.07, 0.16, "11.5% / 11.8%"),
    "new": (0.05, 0.13, "8.4% / 9.0%"),
    "at_risk": (0.002, 0.03, "0.75% / 0.99%"),
    "cant_lose": (0.0, 0.01, "0.07% / 0.07%"),
}

KEY_TAG_COVERAGE = {
    # tag: (low, high, measured coverage on the 10k / 2k samples, why)
    "lifecycle_stage": (
        0.999,
        1.0,
        "100% / 100%",
        "Every customer has a lifecycle stage (prospect to churned): lifecycle dashboards and "
        "audiences read it for everyone.",
    ),
    "purchase_intent": (
        0.90,
        0.99,
        "94.7% / 95.6%",
        "The propensity model scores nearly everyone seen in the last year; far fewer means the "
        "model dropped people, all means it scored people with no activity at all.",
    ),
    "rfm_segment": (
        0.28,
        0.43,
        "35.4% / 35.4%",
        "RFM is for buyers only, so its coverage is the share of buyers among customers.",
    ),
    "clv_tier": (
        0.28,
        0.43,
        "35.4% / 35.4%",
        "CLV is predicted for buyers only: coverage equals the share of buyers.",
    ),
    "preferred_category": (
        0.28,
        0.43,
        "35.4% / 35.4%",
        "Category preference comes from purchases: coverage equals the share of buyers.",
    ),
    "gender": (
        0.15,
        0.30,
        "22.4% / 21.7%",
        "Gender is known for members (CRM) only; a jump means a new source fills it, a drop "
        "means the CRM join broke.",
    ),
    "city": (
        0.17,
        0.31,
        "23.8% / 23.1%",
        "City comes from the member profile: geography reports cover only this share.",
    ),
    "days_since_last_visit": (
        0.52,
        0.75,
        "62.9% / 64.8%",
        "Customers with a tracked visit (web, app, mini-program); a drop means the event "
        "tracking feed went missing.",
    ),
}

RULE_AUDIENCES = {
    # audience: (low, high share of customers, measured on the 10k / 2k samples)
    "registered_7d_no_order": (0.0015, 0.009, "0.45% / 0.47%"),
    "high_potential": (0.0, 0.003, "0.04% / 0.02%"),
    "vip_high_value": (0.006, 0.02, "1.19% / 1.20%"),
    "high_churn_risk": (0.003, 0.02, "0.78% / 1.25%"),
    "cart_abandoners": (0.012, 0.035, "2.25% / 2.05%"),
    "browsers_stopped_buying": (0.007, 0.022, "1.28% / 1.47%"),
    "new_first_time_buyers": (0.0015, 0.009, "0.41% / 0.45%"),
    "price_sensitive": (0.025, 0.055, "3.93% / 3.89%"),
    "repurchase_due": (0.018, 0.045, "3.07% / 3.34%"),
    "lapsed_high_value": (0.012, 0.032, "2.11% / 2.15%"),
}


def _customers(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    buyers = col("is_buyer") == 1
    return [
        _rows(
            gxe,
            100,
            None,
            "Customers",
            "Fewer than 100 customers is an empty or truncated build, not a brand's warehouse.",
            "19,989 (10k sample) / 4,006 (2k sample)",
        ),
        _share(
            gxe,
            "is_buyer",
            0.28,
            0.43,
            "Share of customers who bought at least once",
            "Most OneIDs are visitors and followers who never bought. If this share moves "
            "a lot, either orders lost their link to customers or identity stitching changed.",
            "35.4% / 35.4%",
        ),
        _share(
            gxe,
            "is_repeat_buyer",
            0.35,
            0.55,
            "Share of buyers who bought more than once (repeat rate)",
            "The repeat rate is the headline loyalty KPI; a sudden change usually means orders "
            "were split across duplicate customers or merged wrongly.",
            "44.6% / 42.3%",
            where=buyers,
        ),
        _stat(
            gxe,
            "mean",
            "n_orders",
            1.7,
            2.8,
            "Orders per buyer (mean)",
            "Purchase frequency of buyers; outside the band, order de-duplication or the "
            "customer link is off.",
            "2.21 / 2.19",
            where=buyers,
        ),
        _stat(
            gxe,
            "mean",
            "total_net_amount",
            800,
            1350,
            "Net spend per buyer (mean, CNY, all time)",
            "Lifetime spend per buyer; a jump by a factor means amounts in cents or refunds "
            "not subtracted.",
            "1,062 / 1,077",
            where=buyers,
        ),
        _share(
            gxe,
            "is_member",
            0.17,
            0.31,
            "Share of customers who are loyalty members",
            "Members carry the CRM profile (gender, city, tier); a drop means the CRM export "
            "or its identity link broke.",
            "23.8% / 23.1%",
        ),
        _share(
            gxe,
            "is_sms_opt_in",
            0.10,
            0.23,
            "Share of customers opted in to SMS marketing",
            "Consent decides who may be exported for SMS; a jump is a consent-parsing bug that "
            "would message people who did not agree.",
            "16.2% / 15.8%",
        ),
        _share(
            gxe,
            "is_email_opt_in",
            0.05,
            0.13,
            "Share of customers opted in to e-mail marketing",
            "As for SMS: e-mail exports are limited to this share.",
            "8.6% / 9.1%",
        ),
        _share(
            gxe,
            "has_wecom",
            0.03,
            0.10,
            "Share of customers with a WeCom (企业微信) contact",
            "WeCom audiences can only reach these customers.",
            "6.2% / 6.0%",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="age",
            min_value=14,
            max_value=100,
            description="Age of every customer with a known birth year: between 14 and 100",
            notes="Under 14 needs a guardian's consent under PIPL and must not be targeted; "
            "over 100 is a typo in a birth year. Both distort age-band reports.",
            meta=_meta("Plausible ages for marketing.", "19 to 66 / 19 to 65"),
        ),
    ]


def _orders(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    purchases = col("is_purchase") == 1
    low, high = int(2.0 * ref.n_buyers), int(3.2 * ref.n_buyers)
    return [
        _rows(
            gxe,
            low,
            high,
            f"Orders: 2.0 to 3.2 per buyer ({ref.n_buyers:,} buyers)",
            "Orders (all channels, incl. anonymous and cancelled) relative to buyers: far more "
            "means duplicated orders, far fewer means a channel's orders are missing.",
            "2.56 / 2.52 orders per buyer",
        ),
        gxe.ExpectColumnProportionOfNonNullValuesToBeBetween(
            column="one_id",
            min_value=0.90,
            max_value=0.985,
            description="Share of orders linked to a customer (OneID): between 90% and 98.5%",
            notes="Orders without a customer are invisible to RFM, CLV and audiences. A few are "
            "expected (anonymous till sales, one-off marketplace buyers); 100% is suspicious too.",
            meta=_meta("Customer revenue completeness.", "94.3% / 95.0%"),
        ),
        _share(
            gxe,
            "is_purchase",
            0.87,
            0.96,
            "Share of orders that count as purchases",
            "Cancelled, unpaid and return orders do not count; revenue reports only sum purchases.",
            "91.8% / 91.7%",
        ),
        _share(
            gxe,
            "is_refunded",
            0.015,
            0.07,
            "Share of orders refunded",
            "The refund rate finance reconciles against; a jump is a status-mapping bug.",
            "3.6% / 3.7%",
        ),
        _share(
            gxe,
            "has_coupon",
            0.18,
            0.35,
            "Share of orders with a coupon",
            "Promotion dashboards and the price-sensitivity tags read this flag.",
            "26.2% / 25.9%",
        ),
        _share(
            gxe,
            "is_marketplace",
            0.45,
            0.70,
            "Share of orders from marketplaces (Tmall, JD, Douyin, PDD)",
            "The channel mix; a big move means a marketplace export is missing or doubled.",
            "57.5% / 58.5%",
        ),
        _share(
            gxe,
            "is_own_mall",
            0.16,
            0.33,
            "Share of orders from the brand's own mall (mini-program)",
            "As above, for the own mall.",
            "24.4% / 25.0%",
        ),
        _share(
            gxe,
            "is_store",
            0.10,
            0.26,
            "Share of orders from offline stores (POS)",
            "As above, for the stores.",
            "18.1% / 16.5%",
        ),
        _stat(
            gxe,
            "mean",
            "net_amount",
            380,
            600,
            "Average order value of purchases (CNY)",
            "AOV is on every sales dashboard; amounts in cents or with refunds added would move "
            "it by far more than the band.",
            "482 / 492",
            where=purchases,
        ),
        _stat(
            gxe,
            "median",
            "net_amount",
            330,
            550,
            "Median order value of purchases (CNY)",
            "The typical basket, robust to a few huge orders.",
            "428 / 447",
            where=purchases,
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="net_amount",
            min_value=0,
            max_value=20_000,
            row_condition=purchases,
            description="Net amount of every purchase: between 0 and 20,000 CNY",
            notes="A purchase above 20,000 CNY is a unit error (cents) or a test order; it "
            "would dominate AOV and CLV.",
            meta=_meta("Plausible basket sizes.", "49 to 3,085 / 49 to 2,112"),
        ),
        gxe.ExpectColumnValuesToBeInSet(
            column="status",
            value_set=[
                "created",
                "paid",
                "shipped",
                "completed",
                "cancelled",
                "refunded",
                "returned",
            ],
            mostly=0.98,
            description="At least 98% of orders carry a standard status (created, paid, "
            "shipped, completed, cancelled, refunded, returned)",
            notes="A marketplace's own status (e.g. wait_seller_send_goods) is kept as-is and "
            "counts as paid; that is fine while rare. Many unknown statuses mean a new export "
            "format whose orders may be counted wrongly.",
            meta=_meta("Status vocabulary.", "0.11% / 0.1% non-standard"),
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="as_of_date",
            column_B="order_on",
            or_equal=True,
            description="No order is dated after the as-of date",
            notes="An order from the future is a time-zone or date-format error; it would make "
            "customers look active who are not.",
            meta=_meta("Timeliness.", "none / none"),
        ),
    ]


def _rfm(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    expectations = [
        _rows_equal(
            gxe,
            ref.n_buyers,
            "RFM scores: one per buyer",
            "Every customer with an order has exactly one RFM score, and only they do: "
            "segment shares on dashboards are shares of buyers.",
            "7,069 = buyers / 1,419 = buyers",
        )
    ]
    for segment, (low, high, measured) in RFM_SEGMENTS.items():
        expectations.append(
            _share(
                gxe,
                f"in_segment_{segment}",
                low,
                high,
                f"Share of buyers in RFM segment '{segment}'",
                "RFM segments are quintile scores mapped to segments, so their sizes are stable "
                "from build to build; a segment that balloons or empties means the scoring or "
                "the segment map (seed rfm_segments) broke.",
                measured,
            )
        )
    expectations += [
        _share(
            gxe,
            "is_vip",
            0.02,
            0.05,
            "Share of buyers in value tier 'vip'",
            "VIP is the top few percent by spend; if it grows, VIP benefits cost far more.",
            "3.48% / 3.45%",
        ),
        _stat(
            gxe,
            "mean",
            "recency_days",
            200,
            340,
            "Days since the last purchase (mean over buyers)",
            "Recency drives the R score and lifecycle; a shift means the as-of date or order "
            "dates are off.",
            "272 / 268",
        ),
        _stat(
            gxe,
            "median",
            "monetary",
            280,
            460,
            "Spend per buyer in the RFM window (median, CNY)",
            "The M in RFM; outside the band, amounts are in the wrong unit.",
            "368 / 359",
        ),
    ]
    return expectations


def _customer_tags(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        _rows_equal(
            gxe,
            ref.n_customers,
            "Customers with tags: every customer",
            "Every customer has a profile: a customer with no tag row is invisible to "
            "audiences and to the profile page.",
            "19,989 of 19,989 / 4,006 of 4,006",
        ),
        _stat(
            gxe,
            "mean",
            "n_tags",
            85,
            110,
            "Tags per customer (mean)",
            "How full a profile is; a drop of a whole tag family (say, interests) shows here.",
            "96.8 / 96.9",
        ),
        _stat(
            gxe,
            "min",
            "n_tags",
            50,
            120,
            "Tags of the least-tagged customer",
            "Even an anonymous visitor carries the always-on tags (activity, channel, consent "
            "flags, lifecycle); fewer means a tag family is missing for some customers.",
            "66 / 66",
        ),
    ]


def _tag_coverage(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    expectations = [
        _rows_equal(
            gxe,
            ref.n_catalog_tags,
            "Tags reported: every tag of the catalog (dim_tags)",
            "The coverage report lists every tag marketers can pick.",
            "156 / 156",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="customers_tagged",
            min_value=1,
            description="Every tag has a value for at least one customer",
            notes="A tag nobody has is broken (a renamed column, a rule that never matches) "
            "and an audience built on it would be empty.",
            meta=_meta("No dead tags.", "least covered: 351 / 61 customers"),
        ),
    ]
    for tag, (low, high, measured, why) in KEY_TAG_COVERAGE.items():
        expectations.append(
            _share(
                gxe,
                "coverage",
                low,
                high,
                f"Coverage of key tag '{tag}' (share of customers with a value)",
                why,
                measured,
                where=col("tag_code") == tag,
            )
        )
    expectations.append(
        _share(
            gxe,
            "share_true",
            0.17,
            0.30,
            "Share of customers who are contactable (tag is_contactable)",
            "Contactable = reachable on a channel they consented to; this bounds every export.",
            "23.5% / 23.0%",
            where=col("tag_code") == "is_contactable",
        )
    )
    return expectations


def _audience_members(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    rule_low = int(0.11 * ref.n_customers) + ref.lookalike_members
    rule_high = int(0.21 * ref.n_customers) + ref.lookalike_members
    return [
        _rows(
            gxe,
            rule_low,
            rule_high,
            f"Audience memberships: 11% to 21% of customers ({ref.n_customers:,}) in rule "
            f"audiences, plus {ref.lookalike_members:,} lookalike members",
            "Rule audiences scale with the customer base; lookalike expansions have a fixed "
            "size. Far more memberships means a rule lost its filter.",
            "15.5% / 16.3% of customers (+1,000 lookalike)",
        ),
        gxe.ExpectColumnUniqueValueCountToBeBetween(
            column="audience_code",
            min_value=ref.n_audiences,
            max_value=ref.n_audiences,
            description=f"Every audience of the catalog ({ref.n_audiences}) has members",
            notes="An empty audience usually means its rule reads a renamed or broken tag; "
            "campaigns scheduled on it would send nothing.",
            meta=_meta("No empty audience.", "11 of 11 / 11 of 11"),
        ),
        gxe.ExpectColumnUniqueValueCountToBeBetween(
            column="one_id",
            min_value=int(0.08 * ref.n_customers),
            max_value=int(0.18 * ref.n_customers),
            row_condition=col("audience_type") == "rule",
            description="Customers in at least one rule audience: 8% to 18% of customers "
            f"({int(0.08 * ref.n_customers):,} to {int(0.18 * ref.n_customers):,})",
            notes="How much of the base the marketing calendar touches; outside the band, "
            "the audience rules or the tags they read changed.",
            meta=_meta("Audience reach.", "11.9% / 12.2%"),
        ),
    ]


def _audience_summary(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    rule = col("audience_type") == "rule"
    expectations = [
        _rows_equal(
            gxe,
            ref.n_audiences,
            "Audiences summarised: every audience of the catalog",
            "The audience overview lists every audience.",
            "11 / 11",
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="share_of_customers",
            max_value=0.10,
            row_condition=rule,
            description="No rule audience holds more than 10% of customers",
            notes="A marketing audience that large is a rule that lost a filter; it would "
            "message a tenth of the base. Covers audiences added later, too.",
            meta=_meta("Targeted audiences stay targeted.", "largest 3.9% / 3.9%"),
        ),
    ]
    for audience, (low, high, measured) in RULE_AUDIENCES.items():
        expectations.append(
            _share(
                gxe,
                "share_of_customers",
                low,
                high,
                f"Size of audience '{audience}' (share of customers)",
                "Audience sizes are planned into campaign budgets; a size outside the band "
                "means the rule or the tags it reads changed.",
                measured,
                where=col("audience_code") == audience,
            )
        )
    expectations += [
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_members",
            column_B="lookalike_size",
            row_condition=col("audience_type") == "lookalike",
            description="Every lookalike expansion has the size it was asked for",
            notes="Lookalike audiences are bought by size (lookalike_size); fewer members "
            "means the scoring pool ran dry.",
            meta=_meta("Lookalike delivery.", "1,000 of 1,000 / 1,000 of 1,000"),
        ),
        _share(
            gxe,
            "reachable_share",
            0.30,
            0.70,
            "Share of an audience's members reachable on its channels (mean over audiences)",
            "Consent is enforced on export: typically half of an audience may be contacted. "
            "Much lower means the consent join broke (empty exports); much higher means "
            "consent is probably not applied.",
            "45.9% / 50.7%",
        ),
    ]
    return expectations


def _clv(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        _rows_equal(
            gxe,
            ref.n_buyers,
            "CLV predictions: one per buyer",
            "Every buyer gets a CLV; the CLV dashboard's totals assume so.",
            "7,069 = buyers / 1,419 = buyers",
        ),
        _stat(
            gxe,
            "mean",
            "clv_12m",
            300,
            560,
            "Predicted 12-month CLV per buyer (mean, CNY)",
            "The headline of the CLV model; a fit that failed or amounts in the wrong unit "
            "move it far out of the band.",
            "413 / 416",
        ),
        _stat(
            gxe,
            "median",
            "clv_12m",
            190,
            340,
            "Predicted 12-month CLV per buyer (median, CNY)",
            "The typical buyer's value, robust to the long tail.",
            "260 / 262",
        ),
        _stat(
            gxe,
            "sum",
            "clv_12m",
            round(0.45 * ref.revenue_365d),
            round(0.90 * ref.revenue_365d),
            "Predicted 12-month value of today's buyers (CNY; 45% to 90% of last year's "
            f"identified revenue, {ref.revenue_365d:,.0f})",
            "Existing buyers should bring a large part of next year's revenue but less than "
            "all of it (new customers bring the rest); outside the band the forecast is not "
            "credible for budgeting.",
            "66.7% / 67.1% of last year's revenue",
        ),
        _stat(
            gxe,
            "mean",
            "probability_alive",
            0.78,
            0.96,
            "Probability a buyer is still active (mean)",
            "BG/NBD's P(alive); feeds churn risk and the 'high churn risk' audience.",
            "0.874 / 0.899",
        ),
        _stat(
            gxe,
            "mean",
            "expected_purchases_365d",
            0.65,
            1.15,
            "Expected purchases per buyer in the next 365 days (mean)",
            "Should be near the observed yearly purchase rate of buyers.",
            "0.886 / 0.875",
        ),
        _share(
            gxe,
            "is_top_tier",
            0.04,
            0.06,
            "Share of buyers in CLV tier 'top'",
            "The top tier is the top 5% by predicted value; outside the band the tier "
            "thresholds broke and VIP service would be offered to the wrong number of people.",
            "5.01% / 5.0%",
        ),
    ]


def _segment_columns() -> str:
    return ",\n".join(f"(rfm_segment = '{s}')::int as in_segment_{s}" for s in RFM_SEGMENTS)


SUITES: list[SuiteSpec] = [
    SuiteSpec(
        "customers",
        "marts.dim_customers",
        """
        select one_id, n_orders, total_net_amount::double as total_net_amount, age,
            (n_orders > 0)::int as is_buyer, (n_orders > 1)::int as is_repeat_buyer,
            is_member::int as is_member, is_sms_opt_in::int as is_sms_opt_in,
            is_email_opt_in::int as is_email_opt_in, has_wecom::int as has_wecom
        from marts.dim_customers
        """,
        _customers,
    ),
    SuiteSpec(
        "orders",
        "marts.fct_orders",
        """
        select order_id, one_id, status, channel_group, net_amount::double as net_amount,
            order_on, as_of_date, is_purchase::int as is_purchase,
            is_refunded::int as is_refunded, has_coupon::int as has_coupon,
            (channel_group = 'marketplace')::int as is_marketplace,
            (channel_group = 'own_mall')::int as is_own_mall,
            (channel_group = 'store')::int as is_store
        from marts.fct_orders
        """,
        _orders,
    ),
    SuiteSpec(
        "rfm",
        "marts.dim_customer_rfm",
        f"""
        select one_id, rfm_segment, value_tier, recency_days, monetary::double as monetary,
            (value_tier = 'vip')::int as is_vip,
            {_segment_columns()}
        from marts.dim_customer_rfm
        """,
        _rfm,
    ),
    SuiteSpec(
        "customer_tags",
        "marts.fct_customer_tags",
        # one row per customer (a tag table holds ~100 rows per customer: aggregated in DuckDB)
        """
        select one_id, count(*) as n_tags
        from marts.fct_customer_tags
        group by one_id
        """,
        _customer_tags,
    ),
    SuiteSpec(
        "tag_coverage",
        "marts.rpt_tag_coverage",
        """
        select tag_code, coverage, customers_tagged,
            customers_true / nullif(customers_in_scope, 0) as share_true
        from marts.rpt_tag_coverage
        """,
        _tag_coverage,
    ),
    SuiteSpec(
        "audience_members",
        "marts.fct_audience_members",
        """
        select members.audience_code, members.one_id, audiences.audience_type
        from marts.fct_audience_members as members
        left join marts.dim_audiences as audiences using (audience_code)
        """,
        _audience_members,
    ),
    SuiteSpec(
        "audience_summary",
        "marts.rpt_audience_summary",
        """
        select summary.audience_code, summary.n_members, summary.share_of_customers,
            summary.n_reachable, summary.n_reachable / nullif(summary.n_members, 0)
                as reachable_share,
            audiences.audience_type, audiences.lookalike_size
        from marts.rpt_audience_summary as summary
        left join marts.dim_audiences as audiences using (audience_code)
        """,
        _audience_summary,
    ),
    SuiteSpec(
        "clv",
        "marts.dim_customer_clv",
        """
        select one_id, clv_12m::double as clv_12m, clv_tier, probability_alive,
            expected_purchases_365d, (clv_tier = 'top')::int as is_top_tier
        from marts.dim_customer_clv
        """,
        _clv,
    ),
]

# ----------------------------------------------------------------------------------------------
# Running the checkpoint


@dataclass(frozen=True)
class SuiteStats:
    suite: str
    table: str
    success: bool
    evaluated: int
    successful: int


@dataclass(frozen=True)
class Failure:
    suite: str
    expectation: str  # the description, in words
    expectation_type: str
    column: str | None
    observed: str
    band: str


@dataclass
class ValidationResult:
    success: bool
    suites: list[SuiteStats]
    failures: list[Failure]
    seconds: float
    docs_index: Path
    reference: Reference
    pages: dict[str, Path] = field(default_factory=dict)  # suite -> its validation result page


# Data Docs load Bootstrap, jQuery and Font Awesome from CDNs. Offline (and in CI) they are
# unreachable, so the site also carries this small stylesheet, inlined into every page: tables
# stay readable and the pass/fail icons show as ✓ / ✗.
OFFLINE_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
.fa-check-circle::before { content: "\\2713"; color: #15803d; font-weight: bold; }
.fa-times::before { content: "\\2717"; color: #b91c1c; font-weight: bold; }
.fa-check-circle, .fa-times { font-style: normal; }
.text-danger { color: #b91c1c; }
.text-success { color: #15803d; }
"""

GX_SUBDIRS = ["index.html", "expectations", "validations", "static"]


def _observed(result: dict) -> str:
    if "observed_value" in result:
        value = result["observed_value"]
        if isinstance(value, float):
            return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
        return str(value)
    if "unexpected_percent" in result:
        sample = result.get("partial_unexpected_list") or []
        examples = f" (e.g. {sample[:3]})" if sample else ""
        return (
            f"{result.get('unexpected_count', 0)} rows "
            f"({result['unexpected_percent']:.2f}%) outside{examples}"
        )
    return "n/a"


def _band(kwargs: dict) -> str:
    if "value" in kwargs:
        return f"= {kwargs['value']}"
    if "value_set" in kwargs:
        return f"in {kwargs['value_set']} (mostly {kwargs.get('mostly', 1)})"
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None or high is not None:
        return f"[{low if low is not None else '-inf'}, {high if high is not None else 'inf'}]"
    return ""


def _context(project_dir: Path, docs_dir: Path) -> Any:
    """An ephemeral GX context (nothing written but the Data Docs) whose plugins folder, in a
    temporary directory, holds the offline stylesheet."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    styles = project_dir / "plugins" / "custom_data_docs" / "styles"
    styles.mkdir(parents=True)
    (styles / "data_docs_custom_styles.css").write_text(OFFLINE_CSS, encoding="utf-8")
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        plugins_directory=str(project_dir / "plugins"),
        progress_bars=ProgressBarsConfig(globally=False),
        analytics_enabled=False,
        data_docs_sites={
            "persona": {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(docs_dir.resolve()),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate(
    db_path: Path | str, docs_dir: Path | str = DEFAULT_DOCS_DIR, suites: list[SuiteSpec] = SUITES
) -> ValidationResult:
    """Run the checkpoint over every suite on the warehouse `db_path` (opened read-only), write
    Data Docs to `docs_dir` (its previous GX pages are replaced) and return the outcome."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.expectations.row_conditions import Column

    started = time.perf_counter()
    db_path, docs_dir = Path(db_path), Path(docs_dir)
    if not db_path.exists():
        raise FileNotFoundError(f"no warehouse at {db_path}: build it first (make run)")
    docs_dir.mkdir(parents=True, exist_ok=True)
    for name in GX_SUBDIRS:  # only GX's own pages: a previous run's validations would linger
        target = docs_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()

    with tempfile.TemporaryDirectory(prefix="persona-gx-") as project_dir:
        tables = Path(project_dir) / "tables"
        tables.mkdir()
        with duckdb.connect(str(db_path), read_only=True) as con:
            reference = Reference.read(con)
            for spec in suites:  # what each suite validates, as DuckDB computed it
                con.sql(spec.sql).write_parquet(str(tables / f"{spec.name}.parquet"))

        context = _context(Path(project_dir), docs_dir)
        source = context.data_sources.add_pandas_filesystem("persona_marts", base_directory=tables)
        definitions = []
        for spec in suites:
            batch = source.add_parquet_asset(spec.table).add_batch_definition_path(
                f"{spec.table} (as of the build)", path=f"{spec.name}.parquet"
            )
            suite = context.suites.add(
                gx.ExpectationSuite(
                    name=spec.name,
                    expectations=spec.expectations(gxe, Column, reference),
                    meta={"notes": f"Consumer expectations on {spec.table}."},
                )
            )
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(name=spec.name, data=batch, suite=suite)
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name="persona_marts",
                validation_definitions=definitions,
                actions=[UpdateDataDocsAction(name="data_docs", site_names=["persona"])],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
            )
        )
        run = checkpoint.run()
        by_suite = {r.suite_name: r for r in run.run_results.values()}

    stats, failures, pages = [], [], {}
    for spec in suites:
        results = by_suite[spec.name].results
        stats.append(
            SuiteStats(
                suite=spec.name,
                table=spec.table,
                success=bool(by_suite[spec.name].success),
                evaluated=len(results),
                successful=sum(1 for r in results if r.success),
            )
        )
        for r in results:
            if r.success:
                continue
            config = r.expectation_config
            failures.append(
                Failure(
                    suite=spec.name,
                    expectation=config.description or config.type,
                    expectation_type=config.type,
                    column=config.kwargs.get("column") or config.kwargs.get("column_A"),
                    observed=_observed(r.result or {}),
                    band=_band(config.kwargs),
                )
            )
        found = sorted((docs_dir / "validations" / spec.name).rglob("*.html"))
        if found:
            pages[spec.name] = found[-1]
    _add_static_summary(docs_dir, stats, pages)
    return ValidationResult(
        success=all(s.success for s in stats),
        suites=stats,
        failures=failures,
        seconds=time.perf_counter() - started,
        docs_index=docs_dir / "index.html",
        reference=reference,
        pages=pages,
    )


def _add_static_summary(docs_dir: Path, stats: list[SuiteStats], pages: dict[str, Path]) -> None:
    """GX's index page lists the results with JavaScript from CDNs, so offline it is empty: put
    a plain list of the suites, their status and links to their result pages at its top."""
    index = docs_dir / "index.html"
    if not index.exists():
        return
    links = {suite: page.relative_to(docs_dir).as_posix() for suite, page in pages.items()}
    rows = "".join(
        f"<tr><td>{'&#10003;' if s.success else '&#10007;'}</td>"
        f"<td><a href='{links.get(s.suite, '')}'>"
        f"{s.suite}</a></td><td>{s.table}</td><td>{s.successful} of {s.evaluated}</td></tr>"
        for s in stats
    )
    summary = (
        "<section id='persona-summary' style='margin:1rem'><h3>persona: validation of the marts"
        "</h3><table><tr><th>ok</th><th>suite (result page)</th><th>mart</th>"
        f"<th>expectations met</th></tr>{rows}</table></section>"
    )
    html = index.read_text(encoding="utf-8")
    at = html.find(">", html.find("<body")) + 1
    index.write_text(html[:at] + summary + html[at:], encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# The command line


def main(argv: list[str]) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="persona validate",
        description="Validate the marts BI reads with Great Expectations; write Data Docs.",
    )
    parser.add_argument(
        "--db", type=Path, default=Path(os.environ.get("PERSONA_DB", "data/persona.duckdb"))
    )
    parser.add_argument("--docs-dir", type=Path, default=DEFAULT_DOCS_DIR)
    args = parser.parse_args(argv)
    try:
        result = validate(args.db, args.docs_dir)
    except FileNotFoundError as error:
        print(f"persona validate: {error}", file=sys.stderr)
        return 1
    ref = result.reference
    print(
        f"validated {args.db} ({ref.n_customers:,} customers, {ref.n_buyers:,} buyers) "
        f"in {result.seconds:.1f}s"
    )
    for s in result.suites:
        mark = "ok  " if s.success else "FAIL"
        print(f"  {mark} {s.suite:<18} {s.table:<30} {s.successful}/{s.evaluated} expectations")
    print(f"Data Docs: {result.docs_index.resolve()}")
    if result.success:
        return 0
    print(f"\n{len(result.failures)} expectations failed:", file=sys.stderr)
    for f in result.failures:
        print(
            f"  [{f.suite}] {f.expectation}\n      observed {f.observed}; expected {f.band}",
            file=sys.stderr,
        )
    return 1
