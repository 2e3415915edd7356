"""Data validation of the marts BI reads, with Great Expectations (GX).

    persona validate [--db data/persona.duckdb] [--docs-dir data/validation] [--accept-changes]

One expectation suite per mart a dashboard reads (customers, orders, RFM, tags, audiences, CLV),
run by one GX Checkpoint that writes Data Docs (static HTML, open ``<docs-dir>/index.html``).

Every check holds for any brand's healthy warehouse, whatever its size, channels or customers.
No number in a check was measured on the generator's sample. There are two kinds of check
(检查的两类):

**Rules (规则)** hold on every build: every key is filled and unique; values are in the
vocabularies of the contract (channel groups, tiers) or of the brand's own seeds (RFM segments,
the tag and audience catalogs); shares lie between 0 and 1; figures reconcile across marts (the
orders per customer add up to the identified purchases of ``fct_orders``, every buyer has one RFM
score and one CLV, every audience member is a known customer); nothing is dated after the as-of
date; personal data appears only masked (``138****8000``, ``j***@example.com``) or hashed
(64 hex characters). A mart can be empty: a brand without a channel (say, only marketplace
orders) has no visits, WeCom contacts or member profiles, and its empty marts pass.

**Changes since the previous build (与上次构建相比)** compare this build with the last one
validated into the same docs dir (``<docs-dir>/persona_previous_build.json``, one entry per
warehouse file): a mart may lose at most 20% of its rows (``MAX_ROW_DROP``) and at most double
(``MAX_ROW_GROWTH``), with a slack of ``ROW_SLACK`` rows for very small brands; a share (buyers
among customers, repeat buyers, orders linked to a customer, an RFM segment, a tag's coverage, an
audience's size) moves by at most half its distance to 0% or to 100%, whichever is nearer, and
always by 5 percentage points (``SHARE_MOVE_FACTOR``, ``SHARE_MOVE_FLOOR``): a 35% share may land
between 17.5% and 52.5%, an 8% share between 3% and 13%, a 100% coverage not below 95%; an
average (order
value, tags per customer, predicted CLV) by at most half (``MAX_LEVEL_CHANGE``). The first
validation of a warehouse has no previous build and says so; these checks start with the next
run. A run that passes records the build as the new previous build; a failed run does not, so
the alarm stays until the cause is fixed. When the change is expected (a channel added, history
backfilled), ``persona validate --accept-changes`` skips these comparisons once and records the
build.

Structural rules are also dbt tests (``_*__models.yml``); they are repeated here on purpose:
``persona validate`` checks whatever warehouse file it is given, and its Data Docs are the
report a marketer reads.

GX reads each mart through a pandas datasource (DuckDB opened read-only, written to Parquet):
GX's SQL datasource over duckdb-engine returns empty results. Each mart is loaded with the
columns its suite needs, plus derived columns (``is_buyer``, ``moved_too_far``, ...) whose
meaning is in the check's description.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

#: where `persona validate` writes Data Docs by default (and `make validate`)
DEFAULT_DOCS_DIR = Path("data/validation")
#: the previous build's figures, in the docs dir (one entry per warehouse file)
STATE_FILE = "persona_previous_build.json"

#: a mart may lose at most this share of its rows from one build to the next ...
MAX_ROW_DROP = 0.20
#: ... and grow by at most this share (1.0: it may double)
MAX_ROW_GROWTH = 1.0
#: rows a mart may gain or lose anyway: a brand with 12 customers may well lose 3 of them
ROW_SLACK = 10
#: a share (0-1) may move by at most this part of its distance to 0 or 1, whichever is nearer ...
SHARE_MOVE_FACTOR = 0.5
#: ... and always by this much (0.05 = 5 percentage points)
SHARE_MOVE_FLOOR = 0.05
#: an average (order value, CLV, tags per customer) may change by at most this share of itself
MAX_LEVEL_CHANGE = 0.5

MASKED_PHONE = r"^\d{3}\*{4}\d{4}$"  # 138****8000
MASKED_EMAIL = r"^[^@]\*{3}@[^@]+$"  # j***@example.com
SHA256_HEX = r"^[0-9a-f]{64}$"

# ----------------------------------------------------------------------------------------------
# What the checks are relative to: the warehouse's own counts and vocabularies, and the previous
# build's figures


@dataclass(frozen=True)
class Reference:
    """Counts, vocabularies and figures read from the warehouse before validating, and the
    previous build's figures (None on the first validation of this warehouse)."""

    n_customers: int  # rows of marts.dim_customers (one per OneID)
    n_buyers: int  # customers with at least one purchase
    n_linked_purchases: int  # purchases in marts.fct_orders linked to a customer
    linked_net_amount: float  # net amount of every order linked to a customer (yuan)
    n_catalog_tags: int  # rows of marts.dim_tags
    n_audiences: int  # rows of marts.dim_audiences (rule audiences and lookalike expansions)
    rfm_segments: tuple[str, ...]  # the brand's segments, from seed rfm_segments
    value_tiers: tuple[str, ...]  # the brand's value tiers, from seed rfm_value_tiers
    current: dict[str, float | None]  # this build's figures (see FIGURES)
    previous: dict[str, float | None] | None = None  # the previous build's figures

    @classmethod
    def read(
        cls, con: duckdb.DuckDBPyConnection, previous: dict[str, float | None] | None = None
    ) -> Reference:
        row = con.sql(
            """
            select
                (select count(*) from marts.dim_customers),
                (select count(*) from marts.dim_customers where n_orders > 0),
                (select count(*) from marts.fct_orders where is_purchase and one_id is not null),
                (select coalesce(sum(net_amount), 0) from marts.fct_orders
                    where one_id is not null),
                (select count(*) from marts.dim_tags),
                (select count(*) from marts.dim_audiences)
            """
        ).fetchall()[0]
        segments = con.sql(
            "select distinct rfm_segment from seeds.rfm_segments order by 1"
        ).fetchall()
        tiers = con.sql(
            "select value_tier from seeds.rfm_value_tiers order by tier_order"
        ).fetchall()
        return cls(
            n_customers=int(row[0]),
            n_buyers=int(row[1]),
            n_linked_purchases=int(row[2]),
            linked_net_amount=float(row[3]),
            n_catalog_tags=int(row[4]),
            n_audiences=int(row[5]),
            rfm_segments=tuple(s for (s,) in segments),
            value_tiers=tuple(t for (t,) in tiers),
            current=measure(con),
            previous=previous,
        )


#: the figures compared with the previous build: name -> SQL (a scalar; null when undefined)
FIGURES: dict[str, str] = {
    "customers.rows": "select count(*) from marts.dim_customers",
    "customers.buyer_share": "select avg((n_orders > 0)::int) from marts.dim_customers",
    "customers.repeat_rate": "select avg((n_orders > 1)::int) from marts.dim_customers "
    "where n_orders > 0",
    "orders.rows": "select count(*) from marts.fct_orders",
    "orders.linked_share": "select avg((one_id is not null)::int) from marts.fct_orders",
    "orders.purchase_share": "select avg(is_purchase::int) from marts.fct_orders",
    "orders.average_order_value": "select avg(net_amount)::double from marts.fct_orders "
    "where is_purchase",
    "rfm.rows": "select count(*) from marts.dim_customer_rfm",
    "customer_tags.tags_per_customer": "select count(*) / nullif(count(distinct one_id), 0) "
    "from marts.fct_customer_tags",
    "audience_members.rows": "select count(*) from marts.fct_audience_members",
    "clv.rows": "select count(*) from marts.dim_customer_clv",
    "clv.average_clv_12m": "select avg(clv_12m)::double from marts.dim_customer_clv",
}

#: figures kept per value (one per RFM segment, tag, audience): prefix -> SQL (key, value)
FIGURE_FAMILIES: dict[str, str] = {
    # every segment of the seed, 0 when empty (none at all when nobody has an RFM score)
    "rfm.segment_share": "select segments.rfm_segment, avg((rfm.rfm_segment = "
    "segments.rfm_segment)::int) from (select distinct rfm_segment from seeds.rfm_segments) "
    "as segments cross join marts.dim_customer_rfm as rfm group by 1",
    "tag_coverage.coverage": "select tag_code, coverage from marts.rpt_tag_coverage",
    "audience_summary.share_of_customers": "select audience_code, share_of_customers "
    "from marts.rpt_audience_summary",
}


def measure(con: duckdb.DuckDBPyConnection) -> dict[str, float | None]:
    """This build's figures that the next build is compared with."""
    figures: dict[str, float | None] = {}
    for name, sql in FIGURES.items():
        value = con.sql(sql).fetchall()[0][0]
        figures[name] = None if value is None else float(value)
    for prefix, sql in FIGURE_FAMILIES.items():
        for key, value in con.sql(sql).fetchall():
            figures[f"{prefix}.{key}"] = None if value is None else float(value)
    return figures


def _state_key(db_path: Path) -> str:
    return str(db_path.resolve())


def read_previous(docs_dir: Path, db_path: Path) -> dict[str, Any] | None:
    """The previous build of this warehouse recorded in `docs_dir`, or None (first run)."""
    state = docs_dir / STATE_FILE
    if not state.exists():
        return None
    try:
        entries = json.loads(state.read_text(encoding="utf-8")).get("warehouses", {})
    except (json.JSONDecodeError, AttributeError) as error:
        raise ValueError(
            f"{state} is not the state file persona validate writes ({error}); delete it to "
            "start again from a first run (the changes since the previous build are then not "
            "checked once)"
        ) from error
    return entries.get(_state_key(db_path))


def record_build(docs_dir: Path, db_path: Path, figures: dict[str, float | None]) -> Path:
    """Record this build's figures as the previous build of `db_path` for the next run."""
    state = docs_dir / STATE_FILE
    data: dict[str, Any] = {"version": 1, "warehouses": {}}
    if state.exists():
        with contextlib.suppress(json.JSONDecodeError):  # unreadable: start it again
            data = json.loads(state.read_text(encoding="utf-8"))
    data.setdefault("warehouses", {})[_state_key(db_path)] = {
        "validated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "figures": figures,
    }
    state.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    return state


# ----------------------------------------------------------------------------------------------
# How expectations are written: every one says what it checks in words (`description`, shown in
# Data Docs instead of GX's generic sentence), why an analyst cares and what to do when it fails
# (`notes`), and which kind of check it is (`meta`).

RULE = "rule (规则): holds on every build of any brand"
CHANGE = "change since the previous build (与上次构建相比)"


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value != int(value) else f"{int(value)}"


def _pct(value: float) -> str:
    text = f"{value * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _meta(kind: str, **extra: Any) -> dict[str, Any]:
    return {"kind": kind, **extra}


def _not_null(gxe: Any, column: str, what: str, why: str) -> Any:
    return gxe.ExpectColumnValuesToNotBeNull(
        column=column, description=f"{what}: always filled", notes=why, meta=_meta(RULE)
    )


def _unique(gxe: Any, column: str, what: str, why: str) -> Any:
    return gxe.ExpectColumnValuesToBeUnique(
        column=column, description=f"{what}: no value twice", notes=why, meta=_meta(RULE)
    )


def _keys(gxe: Any, column: str, what: str) -> list[Any]:
    why = (
        f"The key of the mart: a row without one cannot be joined, a key twice counts the same "
        f"{what} twice in every total. Rebuild (make run); if it persists, the dbt tests of the "
        "mart name the rows."
    )
    return [
        _not_null(gxe, column, f"Key {column}", why),
        _unique(gxe, column, f"Key {column}", why),
    ]


def _in_set(gxe: Any, column: str, values: list, what: str, why: str, **kwargs: Any) -> Any:
    shown = ", ".join(str(v) for v in values)
    return gxe.ExpectColumnValuesToBeInSet(
        column=column,
        value_set=list(values),
        description=f"{what}: one of {shown} (or empty)",
        notes=why,
        meta=_meta(RULE),
        **kwargs,
    )


def _between(
    gxe: Any,
    column: str,
    low: float | None,
    high: float | None,
    what: str,
    why: str,
    where: Any = None,
) -> Any:
    if low is not None and high is not None:
        band = f"between {_num(low)} and {_num(high)}"
    elif low is not None:
        band = f"at least {_num(low)}"
    else:
        band = f"at most {_num(high)}"  # type: ignore[arg-type]
    kwargs = {"row_condition": where} if where is not None else {}
    return gxe.ExpectColumnValuesToBeBetween(
        column=column,
        min_value=low,
        max_value=high,
        description=f"{what}: every value {band}",
        notes=why,
        meta=_meta(RULE),
        **kwargs,
    )


def _a_at_least_b(gxe: Any, a: str, b: str, what: str, why: str, equal: bool = True) -> Any:
    """Column a >= column b on every row where both are known."""
    return gxe.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=a,
        column_B=b,
        or_equal=equal,
        ignore_row_if="either_value_is_missing",
        description=what,
        notes=why,
        meta=_meta(RULE),
    )


def _matches(gxe: Any, column: str, regex: str, what: str, why: str) -> Any:
    return gxe.ExpectColumnValuesToMatchRegex(
        column=column, regex=regex, description=what, notes=why, meta=_meta(RULE)
    )


def _rows_equal(gxe: Any, value: int, what: str, why: str) -> Any:
    return gxe.ExpectTableRowCountToEqual(
        value=value, description=f"{what}: exactly {value:,} rows", notes=why, meta=_meta(RULE)
    )


def _sum_equals(gxe: Any, column: str, value: float, what: str, why: str) -> Any:
    tolerance = 0.005 + abs(value) * 1e-9  # cents, and float rounding of large sums
    return gxe.ExpectColumnSumToBeBetween(
        column=column,
        min_value=value - tolerance,
        max_value=value + tolerance,
        description=f"{what}: {_num(value)}",
        notes=why,
        meta=_meta(RULE),
    )


ACCEPT = (
    "If the change is expected (a channel added or removed, history backfilled, a rule changed), "
    "run `persona validate --accept-changes` once to record this build as the new previous build."
)


def _rows_vs_previous(gxe: Any, suite: str, what: str, ref: Reference) -> list[Any]:
    """Row count within [-MAX_ROW_DROP, +MAX_ROW_GROWTH] of the previous build (± ROW_SLACK)."""
    previous = (ref.previous or {}).get(f"{suite}.rows")
    if previous is None:
        return []
    low = max(0, int(previous * (1 - MAX_ROW_DROP)) - ROW_SLACK)
    high = int(previous * (1 + MAX_ROW_GROWTH)) + ROW_SLACK
    return [
        gxe.ExpectTableRowCountToBeBetween(
            min_value=low,
            max_value=high,
            description=f"{what}: between {low:,} and {high:,} rows (previous build "
            f"{int(previous):,}; at most {_pct(MAX_ROW_DROP)} fewer, at most "
            f"{1 + MAX_ROW_GROWTH:g} times as many, ± {ROW_SLACK} rows)",
            notes="A mart that shrinks by more than a fifth between two builds lost a channel's "
            "export or most of a table was set aside (see marts.rpt_raw_reconciliation); one "
            f"that more than doubles has duplicates or a second copy of an export. {ACCEPT}",
            meta=_meta(CHANGE, previous=previous),
        )
    ]


def _share_vs_previous(
    gxe: Any, suite: str, figure: str, column: str, what: str, why: str, ref: Reference, **kw: Any
) -> list[Any]:
    """The mean of a 0/1 column (a share) within the allowed move of the previous build's."""
    name = f"{suite}.{figure}"
    previous = (ref.previous or {}).get(name)
    if previous is None or ref.current.get(name) is None:
        return []  # no previous figure, or nothing to take a share of (the row count says why)
    move = allowed_share_move(previous)
    low, high = max(0.0, previous - move), min(1.0, previous + move)
    return [
        gxe.ExpectColumnMeanToBeBetween(
            column=column,
            min_value=low,
            max_value=high,
            description=f"{what}: between {_pct(low)} and {_pct(high)} (previous build "
            f"{_pct(previous)}, ± {move * 100:.3g} percentage points)",
            notes=f"{why} {ACCEPT}",
            meta=_meta(CHANGE, previous=previous),
            **kw,
        )
    ]


def _level_vs_previous(
    gxe: Any, suite: str, figure: str, column: str, what: str, why: str, ref: Reference, **kw: Any
) -> list[Any]:
    """The mean of a column within ±MAX_LEVEL_CHANGE (relative) of the previous build's."""
    name = f"{suite}.{figure}"
    previous = (ref.previous or {}).get(name)
    if previous is None or ref.current.get(name) is None:
        return []
    low, high = previous * (1 - MAX_LEVEL_CHANGE), previous * (1 + MAX_LEVEL_CHANGE)
    low, high = min(low, high), max(low, high)
    return [
        gxe.ExpectColumnMeanToBeBetween(
            column=column,
            min_value=low,
            max_value=high,
            description=f"{what}: between {_num(low)} and {_num(high)} (previous build "
            f"{_num(previous)}, ± {_pct(MAX_LEVEL_CHANGE)})",
            notes=f"{why} {ACCEPT}",
            meta=_meta(CHANGE, previous=previous),
            **kw,
        )
    ]


def allowed_share_move(previous: float) -> float:
    """How far a share may move from the previous build's value `previous` (0-1)."""
    return max(SHARE_MOVE_FLOOR, SHARE_MOVE_FACTOR * min(previous, 1 - previous))


def _moved_too_far_sql(current: str, key: str) -> str:
    """SQL naming the row (`key: previous -> current`) when the share `current` moved further
    from the view `previous`'s value than allowed_share_move allows; null otherwise."""
    allowed = (
        f"greatest({SHARE_MOVE_FLOOR}, {SHARE_MOVE_FACTOR} * least(previous.value, "
        "1 - previous.value))"
    )
    return (
        f"case when abs({current} - previous.value) > {allowed} + 1e-12 then {key} || ': ' || "
        f"round(previous.value * 100, 2) || '% -> ' || round({current} * 100, 2) || '%' end"
    )


def _moves_vs_previous(gxe: Any, what: str, why: str, ref: Reference) -> list[Any]:
    """No row of the derived column `moved_too_far` (see _moved_too_far_sql) is filled."""
    if ref.previous is None:
        return []
    return [
        gxe.ExpectColumnValuesToBeNull(
            column="moved_too_far",
            description=f"{what}: moved since the previous build by at most half its distance "
            f"to 0% or 100% (whichever is nearer), and always by "
            f"{SHARE_MOVE_FLOOR * 100:g} percentage points",
            notes=f"{why} The rows listed moved further (previous -> now). {ACCEPT}",
            meta=_meta(CHANGE),
        )
    ]


# ----------------------------------------------------------------------------------------------
# The suites: one per mart (the SQL that loads it, then its expectations). The SQL may read the
# view `previous` (figure, value): the previous build's figures.


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    table: str  # the mart, as BI reads it
    sql: str | Callable[[Reference], str]  # what GX validates: the mart's columns, derived ones
    expectations: Callable[[Any, Any, Reference], list[Any]]  # (gxe, Column, reference)

    def query(self, reference: Reference) -> str:
        return self.sql(reference) if callable(self.sql) else self.sql


def _customers(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    buyers = col("is_buyer") == 1
    return [
        *_keys(gxe, "one_id", "customer"),
        _between(
            gxe,
            "n_orders",
            0,
            None,
            "Purchases per customer",
            "A count cannot be negative; a negative count is a broken aggregation.",
        ),
        _sum_equals(
            gxe,
            "n_orders",
            ref.n_linked_purchases,
            "Purchases of all customers add up to the purchases in fct_orders linked to a customer",
            "Customer totals and the order fact must tell the same story: a difference means "
            "orders lost their customer link or are counted twice. Rebuild (make run); if it "
            "persists, compare marts.dim_customers.n_orders with marts.fct_orders per one_id.",
        ),
        _sum_equals(
            gxe,
            "total_net_amount",
            ref.linked_net_amount,
            "Net sales of all customers add up to the net amount in fct_orders linked to a "
            "customer (CNY)",
            "As above, for money: the customer view and the sales reports must agree to the cent.",
        ),
        _in_set(
            gxe,
            "gender",
            ["F", "M"],
            "Gender (性别)",
            "The contract's codes; another value is a mapping the CRM staging model misses.",
        ),
        _in_set(
            gxe,
            "city_tier",
            [1, 2, 3, 4, 5],
            "City tier (城市等级)",
            "Tiers 1 to 5 of the seed city_tiers.",
        ),
        _in_set(
            gxe,
            "phone_source",
            ["crm", "miniprogram", "app", "store", "marketplace", "wecom", "service"],
            "Where the phone came from",
            "The sources the contract names; another value is a source the survivorship rules "
            "do not know.",
        ),
        _between(
            gxe,
            "age",
            0,
            150,
            "Age of customers with a known birth date",
            "An age below 0 or above 150 is a birth date parsed wrongly (two-digit years, "
            "day and month swapped); age-band reports would be wrong.",
        ),
        _matches(
            gxe,
            "phone_masked",
            MASKED_PHONE,
            "Phones appear only masked (138****8000)",
            "Personal data: a full phone number in a mart BI reads breaks PIPL. Stop sharing "
            "the mart and check the masking in dim_customers.",
        ),
        _matches(
            gxe,
            "email_masked",
            MASKED_EMAIL,
            "E-mails appear only masked (j***@example.com)",
            "As for phones: a readable e-mail address must not reach BI.",
        ),
        _matches(
            gxe,
            "phone_sha256",
            SHA256_HEX,
            "Phone hashes are SHA-256 (64 lower-case hex characters)",
            "Ad platforms match on this exact form; anything else matches nobody, or is a raw "
            "phone in the hash column.",
        ),
        _matches(
            gxe,
            "email_sha256",
            SHA256_HEX,
            "E-mail hashes are SHA-256 (64 lower-case hex characters)",
            "As for phones.",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="has_phone_hash",
            column_B="has_phone_masked",
            description="A customer has a phone hash exactly when a masked phone is shown",
            notes="Both come from the same surviving phone; one without the other means the "
            "phone was lost half-way.",
            meta=_meta(RULE),
        ),
        _a_at_least_b(
            gxe,
            "as_of_date",
            "last_seen_on",
            "Nobody was last seen after the as-of date",
            "Activity from the future is a time-zone or date-format error; it would make "
            "customers look active who are not.",
        ),
        *_rows_vs_previous(gxe, "customers", "Customers", ref),
        *_share_vs_previous(
            gxe,
            "customers",
            "buyer_share",
            "is_buyer",
            "Share of customers who bought at least once",
            "Identity stitching or the orders' customer link changed.",
            ref,
        ),
        *_share_vs_previous(
            gxe,
            "customers",
            "repeat_rate",
            "is_repeat_buyer",
            "Share of buyers who bought more than once (repeat rate)",
            "The headline loyalty KPI; a jump means orders were split across duplicate "
            "customers or merged wrongly.",
            ref,
            row_condition=buyers,
        ),
    ]


def _orders(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    purchases = col("is_purchase") == 1
    return [
        *_keys(gxe, "order_id", "order"),
        _not_null(
            gxe,
            "status",
            "Order status",
            "Every order carries the status it was delivered with; revenue reports decide on it.",
        ),
        _in_set(
            gxe,
            "source_system",
            ["ecommerce", "miniprogram", "pos"],
            "Source system",
            "The raw table families of the contract (docs/raw-contract.md).",
        ),
        _in_set(
            gxe,
            "channel_group",
            ["marketplace", "own_mall", "store"],
            "Channel group",
            "The channel mix on dashboards has these three groups only.",
        ),
        _between(
            gxe,
            "net_amount",
            0,
            None,
            "Net amount of purchases (CNY)",
            "A purchase adds to net sales; a negative purchase is a return booked as a sale.",
            where=purchases,
        ),
        _between(
            gxe,
            "refund_amount",
            0,
            None,
            "Refunded amount (CNY)",
            "Refunds are recorded as positive amounts given back.",
        ),
        _a_at_least_b(
            gxe,
            "as_of_date",
            "order_on",
            "No order is dated after the as-of date",
            "An order from the future is a time-zone or date-format error; it would make "
            "customers look active who are not.",
        ),
        *_rows_vs_previous(gxe, "orders", "Orders", ref),
        *_share_vs_previous(
            gxe,
            "orders",
            "linked_share",
            "has_one_id",
            "Share of orders linked to a customer (OneID)",
            "Orders without a customer are invisible to RFM, CLV and audiences; a drop means "
            "the identity link of a channel broke.",
            ref,
        ),
        *_share_vs_previous(
            gxe,
            "orders",
            "purchase_share",
            "is_purchase",
            "Share of orders that count as purchases",
            "Cancelled, unpaid and refunded orders do not count; a jump is a status-mapping "
            "change.",
            ref,
        ),
        *_level_vs_previous(
            gxe,
            "orders",
            "average_order_value",
            "net_amount",
            "Average order value of purchases (CNY)",
            "AOV is on every sales dashboard; amounts in cents (or fen read as yuan) move it "
            "by a factor of 100.",
            ref,
            row_condition=purchases,
        ),
    ]


def _rfm(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    expectations = [
        *_keys(gxe, "one_id", "buyer"),
        _rows_equal(
            gxe,
            ref.n_buyers,
            "RFM scores: one per buyer",
            "Every customer with a purchase has exactly one RFM score, and only they do: "
            "segment shares on dashboards are shares of buyers.",
        ),
        _in_set(
            gxe,
            "rfm_segment",
            list(ref.rfm_segments),
            "RFM segment",
            "The segments of the brand's seed rfm_segments; another value (or an empty one, "
            "below) means the R/F score grid has a hole.",
        ),
        _not_null(gxe, "rfm_segment", "RFM segment", "Every buyer falls in a segment."),
        _in_set(
            gxe,
            "value_tier",
            list(ref.value_tiers),
            "Value tier",
            "The tiers of the seed rfm_value_tiers.",
        ),
        *[
            _between(gxe, score, 1, 5, f"RFM {score}", "Quintile scores run from 1 to 5.")
            for score in ("r_score", "f_score", "m_score")
        ],
        _between(
            gxe,
            "recency_days",
            0,
            None,
            "Days since the last purchase",
            "A negative recency is a purchase after the as-of date.",
        ),
        _a_at_least_b(
            gxe,
            "as_of_date",
            "last_purchase_on",
            "No last purchase after the as-of date",
            "As for orders: a purchase from the future is a date error.",
        ),
        _a_at_least_b(
            gxe,
            "last_purchase_on",
            "first_purchase_on",
            "The last purchase is not before the first",
            "First and last purchase come from the same orders.",
        ),
        *_rows_vs_previous(gxe, "rfm", "RFM scores", ref),
    ]
    for segment in ref.rfm_segments:
        expectations += _share_vs_previous(
            gxe,
            "rfm",
            f"segment_share.{segment}",
            f"in_segment_{segment}",
            f"Share of buyers in RFM segment '{segment}'",
            "RFM segments are quintile scores mapped to segments, so their sizes move slowly; "
            "a segment that balloons or empties means the scoring or the seed rfm_segments "
            "changed.",
            ref,
        )
    return expectations


def _customer_tags(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        _rows_equal(
            gxe,
            ref.n_customers,
            "Customers with tags: every customer",
            "Every customer has a profile: a customer with no tag row is invisible to "
            "audiences and to the profile page.",
        ),
        _a_at_least_b(
            gxe,
            "n_distinct_tags",
            "n_tags",
            "No customer carries the same tag twice",
            "One value per tag and customer; a tag twice makes audience counts double.",
        ),
        _between(
            gxe,
            "n_unknown_tags",
            0,
            0,
            "Tags outside the catalog (dim_tags) per customer",
            "Every tag a customer carries is in the catalog marketers pick from; another one "
            "is a tag renamed in one place only.",
        ),
        *_level_vs_previous(
            gxe,
            "customer_tags",
            "tags_per_customer",
            "n_tags",
            "Tags per customer (mean)",
            "How full a profile is; losing a whole tag family (say, interests) shows here.",
            ref,
        ),
    ]


def _tag_coverage(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        _rows_equal(
            gxe,
            ref.n_catalog_tags,
            "Tags reported: every tag of the catalog (dim_tags)",
            "The coverage report lists every tag marketers can pick.",
        ),
        *_keys(gxe, "tag_code", "tag"),
        _between(
            gxe,
            "coverage",
            0,
            1,
            "Coverage (share of customers with a value)",
            "A share lies between 0% and 100%; outside, the report divides by the wrong count.",
        ),
        _between(
            gxe,
            "share_true",
            0,
            1,
            "Share of customers for whom a yes/no tag is true",
            "As for coverage.",
        ),
        _between(
            gxe,
            "customers_in_scope",
            ref.n_customers,
            ref.n_customers,
            "Customers each tag is computed for: every customer",
            "Coverage is a share of all customers of dim_customers.",
        ),
        _a_at_least_b(
            gxe,
            "customers_in_scope",
            "customers_tagged",
            "No tag has more customers with a value than customers",
            "More tagged than in scope is a duplicated join.",
        ),
        *_moves_vs_previous(
            gxe,
            "Coverage of every tag",
            "A tag whose coverage jumps or collapses between two builds reads a column that "
            "changed or lost its source; audiences built on it change size with it.",
            ref,
        ),
    ]


def _audience_members(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        _not_null(gxe, "one_id", "Member (one_id)", "A membership without a person."),
        gxe.ExpectCompoundColumnsToBeUnique(
            column_list=["audience_code", "one_id"],
            description="Nobody is twice in the same audience",
            notes="Exports would message the person twice.",
            meta=_meta(RULE),
        ),
        _not_null(
            gxe,
            "audience_type",
            "Audience of every membership is in the catalog (dim_audiences)",
            "A member of an audience the catalog does not list cannot be exported or reported.",
        ),
        _not_null(
            gxe,
            "known_customer",
            "Every member is a customer of dim_customers",
            "A member unknown to dim_customers is a person from an older build.",
        ),
        *_rows_vs_previous(gxe, "audience_members", "Audience memberships", ref),
    ]


def _audience_summary(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        _rows_equal(
            gxe,
            ref.n_audiences,
            "Audiences summarised: every audience of the catalog",
            "The audience overview lists every audience, empty ones included.",
        ),
        *_keys(gxe, "audience_code", "audience"),
        _between(
            gxe,
            "share_of_customers",
            0,
            1,
            "Audience size as a share of customers",
            "A share lies between 0% and 100%.",
        ),
        gxe.ExpectColumnPairValuesToBeEqual(
            column_A="n_members",
            column_B="members_listed",
            description="Audience sizes equal the members listed in fct_audience_members",
            notes="Campaign budgets are planned on the summary, exports send the member list: "
            "both must count the same people.",
            meta=_meta(RULE),
        ),
        _between(
            gxe,
            "share_gap",
            0,
            1e-9,
            "Audience share equals members / customers of dim_customers",
            "The share is taken of all customers.",
        ),
        _a_at_least_b(
            gxe,
            "n_members",
            "n_reachable",
            "No audience has more reachable members than members",
            "Reachable members are the members exported to a channel they consented to.",
        ),
        _between(
            gxe,
            "lookalike_shortfall",
            0,
            None,
            "Lookalike expansions hold at most the size they were asked for",
            "Lookalike audiences are bought by size (lookalike_size); a small brand may get "
            "fewer when the pool runs dry, never more.",
        ),
        *_moves_vs_previous(
            gxe,
            "Size of every audience (share of customers)",
            "Audience sizes are planned into campaign budgets; a big move means the rule or "
            "the tags it reads changed.",
            ref,
        ),
    ]


def _clv(gxe: Any, col: Any, ref: Reference) -> list[Any]:
    return [
        *_keys(gxe, "one_id", "buyer"),
        _rows_equal(
            gxe,
            ref.n_buyers,
            "CLV predictions: one per buyer",
            "Every buyer gets a CLV; the CLV dashboard's totals assume so.",
        ),
        _in_set(
            gxe, "clv_tier", ["top", "high", "medium", "low"], "CLV tier", "The contract's tiers."
        ),
        _between(
            gxe,
            "probability_alive",
            0,
            1,
            "Probability a buyer is still active",
            "A probability lies between 0 and 1.",
        ),
        _between(
            gxe,
            "clv_12m",
            0,
            None,
            "Predicted 12-month CLV (CNY)",
            "A predicted spend is never negative.",
        ),
        _a_at_least_b(
            gxe,
            "expected_purchases_365d",
            "expected_purchases_90d",
            "Expected purchases in 365 days are at least those in 90 days",
            "A longer horizon cannot expect fewer purchases; otherwise the fit is broken.",
        ),
        *_rows_vs_previous(gxe, "clv", "CLV predictions", ref),
        *_level_vs_previous(
            gxe,
            "clv",
            "average_clv_12m",
            "clv_12m",
            "Predicted 12-month CLV per buyer (mean, CNY)",
            "The headline of the CLV model; a fit that failed or amounts in the wrong unit "
            "move it far.",
            ref,
        ),
    ]


def _rfm_sql(ref: Reference) -> str:
    segments = "".join(
        f",\n (rfm_segment = '{s.replace(chr(39), chr(39) * 2)}')::int as \"in_segment_{s}\""
        for s in ref.rfm_segments
    )
    return f"""
        select one_id, rfm_segment, value_tier, r_score, f_score, m_score, recency_days,
            last_purchase_on, first_purchase_on, as_of_date{segments}
        from marts.dim_customer_rfm
        """


SUITES: list[SuiteSpec] = [
    SuiteSpec(
        "customers",
        "marts.dim_customers",
        """
        select one_id, gender, city_tier, phone_source, age, n_orders,
            total_net_amount::double as total_net_amount,
            phone_masked, email_masked, phone_sha256, email_sha256,
            (phone_sha256 is not null)::int as has_phone_hash,
            (phone_masked is not null)::int as has_phone_masked,
            last_seen_at::date as last_seen_on, as_of_date,
            (n_orders > 0)::int as is_buyer, (n_orders > 1)::int as is_repeat_buyer
        from marts.dim_customers
        """,
        _customers,
    ),
    SuiteSpec(
        "orders",
        "marts.fct_orders",
        """
        select order_id, status, source_system, channel_group, net_amount::double as net_amount,
            refund_amount::double as refund_amount, order_on, as_of_date,
            is_purchase::int as is_purchase, (one_id is not null)::int as has_one_id
        from marts.fct_orders
        """,
        _orders,
    ),
    SuiteSpec("rfm", "marts.dim_customer_rfm", _rfm_sql, _rfm),
    SuiteSpec(
        "customer_tags",
        "marts.fct_customer_tags",
        # one row per customer (a tag table holds ~100 rows per customer: aggregated in DuckDB)
        """
        select tags.one_id, count(*) as n_tags, count(distinct tags.tag_code) as n_distinct_tags,
            count_if(catalog.tag_code is null) as n_unknown_tags
        from marts.fct_customer_tags as tags
        left join marts.dim_tags as catalog using (tag_code)
        group by tags.one_id
        """,
        _customer_tags,
    ),
    SuiteSpec(
        "tag_coverage",
        "marts.rpt_tag_coverage",
        f"""
        select coverage.tag_code, coverage.coverage, coverage.customers_tagged,
            coverage.customers_in_scope,
            coverage.customers_true / nullif(coverage.customers_in_scope, 0) as share_true,
            {_moved_too_far_sql("coverage.coverage", "coverage.tag_code")} as moved_too_far
        from marts.rpt_tag_coverage as coverage
        left join previous on previous.figure = 'tag_coverage.coverage.' || coverage.tag_code
        """,
        _tag_coverage,
    ),
    SuiteSpec(
        "audience_members",
        "marts.fct_audience_members",
        """
        select members.audience_code, members.one_id, audiences.audience_type,
            customers.one_id as known_customer
        from marts.fct_audience_members as members
        left join marts.dim_audiences as audiences using (audience_code)
        left join marts.dim_customers as customers using (one_id)
        """,
        _audience_members,
    ),
    SuiteSpec(
        "audience_summary",
        "marts.rpt_audience_summary",
        f"""
        with listed as (
            select audience_code, count(*) as members_listed
            from marts.fct_audience_members group by audience_code
        ),
        customers as (select count(*) as n from marts.dim_customers)
        select summary.audience_code, summary.n_members, summary.share_of_customers,
            summary.n_reachable, coalesce(listed.members_listed, 0) as members_listed,
            abs(summary.share_of_customers
                - coalesce(summary.n_members / nullif(customers.n, 0), 0)) as share_gap,
            audiences.lookalike_size - summary.n_members as lookalike_shortfall,
            {_moved_too_far_sql("summary.share_of_customers", "summary.audience_code")}
                as moved_too_far
        from marts.rpt_audience_summary as summary
        cross join customers
        left join listed using (audience_code)
        left join marts.dim_audiences as audiences using (audience_code)
        left join previous
            on previous.figure = 'audience_summary.share_of_customers.' || summary.audience_code
        """,
        _audience_summary,
    ),
    SuiteSpec(
        "clv",
        "marts.dim_customer_clv",
        """
        select one_id, clv_12m::double as clv_12m, clv_tier, probability_alive,
            expected_purchases_90d, expected_purchases_365d
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
    compared: str = ""  # whether the build was compared with a previous one, in words
    recorded: bool = False  # this build is now the previous build of the next run
    state_file: Path | None = None


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
    if "column_A" in kwargs:
        relation = ">=" if kwargs.get("or_equal") else ">"
        if "or_equal" not in kwargs:
            relation = "="
        return f"{kwargs['column_A']} {relation} {kwargs['column_B']} on every row"
    if "column_list" in kwargs:
        return f"({', '.join(kwargs['column_list'])}) unique"
    if "regex" in kwargs:
        return f"every value matches {kwargs['regex']}"
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
    db_path: Path | str,
    docs_dir: Path | str = DEFAULT_DOCS_DIR,
    suites: list[SuiteSpec] = SUITES,
    accept_changes: bool = False,
) -> ValidationResult:
    """Run the checkpoint over every suite on the warehouse `db_path` (opened read-only), write
    Data Docs to `docs_dir` (its previous GX pages are replaced) and return the outcome.

    The changes since the previous build of `db_path` recorded in `docs_dir` are checked unless
    `accept_changes`; the build is recorded as the previous build when the run passes (or
    `accept_changes` and only those comparisons were skipped)."""
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
    recorded = read_previous(docs_dir, db_path)
    previous = None if (recorded is None or accept_changes) else recorded.get("figures")
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
            reference = Reference.read(con, previous)
            figures = [(k, v) for k, v in (previous or {}).items() if v is not None]
            con.sql("create temp table previous (figure varchar, value double)")
            if figures:
                con.executemany("insert into previous values (?, ?)", figures)
            for spec in suites:  # what each suite validates, as DuckDB computed it
                con.sql(spec.query(reference)).write_parquet(str(tables / f"{spec.name}.parquet"))

        context = _context(Path(project_dir), docs_dir)
        source = context.data_sources.add_pandas_filesystem("persona_marts", base_directory=tables)
        if previous is not None:
            when = recorded.get("validated_at", "at an unknown time")
            compared = f"Compared with the previous build, validated {when}."
        elif accept_changes and recorded is not None:
            compared = "Changes since the previous build accepted (--accept-changes)."
        else:
            compared = "First validation of this warehouse: no previous build to compare with."
        definitions = []
        for spec in suites:
            batch = source.add_parquet_asset(spec.table).add_batch_definition_path(
                f"{spec.table} (as of the build)", path=f"{spec.name}.parquet"
            )
            suite = context.suites.add(
                gx.ExpectationSuite(
                    name=spec.name,
                    expectations=spec.expectations(gxe, Column, reference),
                    meta={"notes": f"Consumer expectations on {spec.table}. {compared}"},
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
    success = all(s.success for s in stats)
    state = docs_dir / STATE_FILE
    if success:
        record_build(docs_dir, db_path, reference.current)
    _add_static_summary(docs_dir, stats, pages, compared)
    return ValidationResult(
        success=success,
        suites=stats,
        failures=failures,
        seconds=time.perf_counter() - started,
        docs_index=docs_dir / "index.html",
        reference=reference,
        pages=pages,
        compared=compared,
        recorded=success,
        state_file=state,
    )


def _add_static_summary(
    docs_dir: Path, stats: list[SuiteStats], pages: dict[str, Path], compared: str = ""
) -> None:
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
        f"<th>expectations met</th></tr>{rows}</table><p>{compared}</p></section>"
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
    parser.add_argument(
        "--accept-changes",
        action="store_true",
        help="skip the comparisons with the previous build once and record this build as the "
        "new previous build (after an expected change: a channel added, history backfilled)",
    )
    args = parser.parse_args(argv)
    try:
        result = validate(args.db, args.docs_dir, accept_changes=args.accept_changes)
    except (FileNotFoundError, ValueError) as error:
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
    print(result.compared)
    print(f"Data Docs: {result.docs_index.resolve()}")
    if result.success:
        print(f"recorded as the previous build for the next run: {result.state_file}")
        return 0
    print(f"\n{len(result.failures)} expectations failed:", file=sys.stderr)
    for f in result.failures:
        print(
            f"  [{f.suite}] {f.expectation}\n      observed {f.observed}; expected {f.band}",
            file=sys.stderr,
        )
    print(
        "\nWhat to do: a rule (规则) that fails is a defect of this build; the check's text says "
        "where to look. A change since the previous build (与上次构建相比) that you expect "
        "(a channel added, history backfilled): run again with --accept-changes. This build is "
        "not recorded as the previous build until the run passes.",
        file=sys.stderr,
    )
    return 1
