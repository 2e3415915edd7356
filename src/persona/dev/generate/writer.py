"""Parquet schemas of the raw contract and a deterministic writer.

Types: identifiers, phones, emails and vocabulary columns are ``string``; ``*_at`` columns are
``timestamp[us, tz=UTC]``; ``*_at_local`` columns are naive ``timestamp[us]`` holding the
Asia/Shanghai wall-clock time; ``birth_date`` and ``launched_on`` are ``date32``; money is
``double`` rounded to 2 decimals; ``quantity``, ``line_no`` and ``satisfaction_score`` are
``int64``; ``sms_opt_in``, ``email_opt_in`` and ``is_return`` are ``bool``. The optional tables
``consent_events`` and ``erasure_requests`` (contract version 2) follow the same rules: every
column is a ``string`` but ``recorded_at`` / ``requested_at`` (``timestamp[us, tz=UTC]``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

S = pa.string()
UTC = pa.timestamp("us", tz="UTC")
LOCAL = pa.timestamp("us")
F = pa.float64()
I = pa.int64()  # noqa: E741
B = pa.bool_()
D = pa.date32()

SCHEMAS: dict[str, pa.Schema] = {
    "crm_members": pa.schema(
        [
            ("member_id", S),
            ("member_card_no", S),
            ("phone", S),
            ("email", S),
            ("full_name", S),
            ("gender", S),
            ("birth_date", D),
            ("city", S),
            ("register_at", UTC),
            ("register_channel", S),
            ("member_tier", S),
            ("sms_opt_in", B),
            ("email_opt_in", B),
            ("updated_at", UTC),
        ]
    ),
    "products": pa.schema(
        [
            ("product_id", S),
            ("product_name", S),
            ("category_l1", S),
            ("category_l2", S),
            ("brand", S),
            ("list_price", F),
            ("launched_on", D),
        ]
    ),
    "web_events": pa.schema(
        [
            ("event_id", S),
            ("cookie_id", S),
            ("member_id", S),
            ("event_type", S),
            ("page_url", S),
            ("product_id", S),
            ("search_term", S),
            ("event_at", UTC),
            ("user_agent", S),
            ("utm_source", S),
            ("utm_medium", S),
            ("utm_campaign", S),
            ("ingested_at", UTC),
            ("referrer_member_id", S),
        ]
    ),
    "app_events": pa.schema(
        [
            ("event_id", S),
            ("device_id", S),
            ("platform", S),
            ("member_id", S),
            ("login_phone", S),
            ("event_name", S),
            ("product_id", S),
            ("event_at_local", LOCAL),
            ("app_version", S),
            ("ingested_at", UTC),
        ]
    ),
    "miniprogram_events": pa.schema(
        [
            ("event_id", S),
            ("appid", S),
            ("openid", S),
            ("unionid", S),
            ("phone", S),
            ("event_name", S),
            ("page_path", S),
            ("product_id", S),
            ("event_at", UTC),
            ("ingested_at", UTC),
            ("scene", I),
            ("share_from_openid", S),
        ]
    ),
    "miniprogram_orders": pa.schema(
        [
            ("order_id", S),
            ("appid", S),
            ("openid", S),
            ("unionid", S),
            ("phone", S),
            ("order_at", UTC),
            ("paid_at", UTC),
            ("status", S),
            ("order_amount", F),
            ("discount_amount", F),
            ("coupon_code", S),
        ]
    ),
    "miniprogram_order_items": pa.schema(
        [("order_id", S), ("line_no", I), ("product_id", S), ("quantity", I), ("unit_price", F)]
    ),
    "ecommerce_orders": pa.schema(
        [
            ("order_id", S),
            ("platform", S),
            ("buyer_id", S),
            ("member_id", S),
            ("receiver_phone", S),
            ("order_at", UTC),
            ("paid_at", UTC),
            ("status", S),
            ("order_amount", F),
            ("discount_amount", F),
            ("coupon_code", S),
        ]
    ),
    "ecommerce_order_items": pa.schema(
        [("order_id", S), ("line_no", I), ("product_id", S), ("quantity", I), ("unit_price", F)]
    ),
    "pos_transactions": pa.schema(
        [
            ("txn_id", S),
            ("store_id", S),
            ("member_card_no", S),
            ("phone", S),
            ("txn_at_local", LOCAL),
            ("txn_amount", F),
            ("discount_amount", F),
            ("payment_method", S),
            ("is_return", B),
        ]
    ),
    "pos_transaction_items": pa.schema(
        [("txn_id", S), ("line_no", I), ("product_id", S), ("quantity", I), ("unit_price", F)]
    ),
    "wecom_contacts": pa.schema(
        [
            ("external_userid", S),
            ("unionid", S),
            ("staff_id", S),
            ("remark_phone", S),
            ("added_at", UTC),
            ("deleted_at", UTC),
        ]
    ),
    "cs_tickets": pa.schema(
        [
            ("ticket_id", S),
            ("channel", S),
            ("member_id", S),
            ("phone", S),
            ("openid", S),
            ("appid", S),
            ("created_at", UTC),
            ("category", S),
            ("satisfaction_score", I),
        ]
    ),
    "campaign_touches": pa.schema(
        [
            ("touch_id", S),
            ("campaign_id", S),
            ("channel", S),
            ("variant", S),
            ("phone", S),
            ("device_id", S),
            ("openid", S),
            ("appid", S),
            ("email", S),
            ("sent_at", UTC),
            ("opened_at", UTC),
            ("clicked_at", UTC),
        ]
    ),
    # optional tables of contract version 2 (privacy.py)
    "consent_events": pa.schema(
        [
            ("consent_event_id", S),
            ("identifier_type", S),
            ("identifier_value", S),
            ("purpose", S),
            ("channel", S),
            ("status", S),
            ("legal_basis", S),
            ("recorded_at", UTC),
            ("source_system", S),
        ]
    ),
    "erasure_requests": pa.schema(
        [
            ("request_id", S),
            ("identifier_type", S),
            ("identifier_value", S),
            ("request_type", S),
            ("requested_at", UTC),
        ]
    ),
}

#: Optional columns this generator adds beyond the contract's required ones.
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "web_events": ("ingested_at", "referrer_member_id"),
    "app_events": ("ingested_at",),
    "miniprogram_events": ("ingested_at", "scene", "share_from_openid"),
}

TRUTH_SCHEMAS: dict[str, pa.Schema] = {
    "identity": pa.schema(
        [("identifier_type", S), ("identifier_value", S), ("person_id", S), ("linkable_id", S)]
    ),
    "black_holes": pa.schema(
        [("identifier_type", S), ("identifier_value", S), ("kind", S), ("n_persons", I)]
    ),
}

WRITE_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "version": "2.6",
    "data_page_version": "1.0",
}


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Select and cast the columns of ``table`` to ``schema`` (order and types)."""
    cols = []
    for fld in schema:
        col = table.column(fld.name)
        if col.type != fld.type:
            col = col.cast(fld.type)
        cols.append(col)
    return pa.Table.from_arrays(cols, schema=schema)


def write_table(table: pa.Table, path: Path) -> None:
    """Write deterministically: fixed options, no pandas metadata, no timestamps of now."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, **WRITE_OPTIONS)


def reset_dir(path: Path) -> None:
    """Remove a table folder this run writes, so stale parts never mix with new ones."""
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()
    path.mkdir(parents=True)
