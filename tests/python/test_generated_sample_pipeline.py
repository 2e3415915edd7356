"""The generator's sample through dbt: staging recovers every identifier the ground truth names.

Generates a small sample, runs the dbt models on it, then checks against `_truth/`:
- every raw row is accounted for (rows in = staged + erased + quarantined + duplicates) on
  real-looking data;
- every identifier of `_truth/identity.parquet` (contract normal form) but those of people who
  asked to be erased appears, in that same normal form, in a staged column of its type - so the
  SQL normalization understands every dirty form the generator writes.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from conftest import run_dbt

from persona.dev.generate import generate

# Where each identifier type is staged, as (staging model, column).
STAGED_IDENTIFIERS = {
    "member_id": [
        ("stg_crm__members", "member_id"),
        ("stg_web__events", "member_id"),
        ("stg_app__events", "member_id"),
        ("stg_ecommerce__orders", "member_id"),
        ("stg_service__tickets", "member_id"),
    ],
    "member_card": [
        ("stg_crm__members", "member_card_no"),
        ("stg_pos__transactions", "member_card_no"),
    ],
    "phone": [
        ("stg_crm__members", "phone"),
        ("stg_app__events", "login_phone"),
        ("stg_miniprogram__events", "phone"),
        ("stg_miniprogram__orders", "phone"),
        ("stg_ecommerce__orders", "receiver_phone"),
        ("stg_pos__transactions", "phone"),
        ("stg_wecom__contacts", "remark_phone"),
        ("stg_service__tickets", "phone"),
        ("stg_marketing__campaign_touches", "phone"),
    ],
    "email": [("stg_crm__members", "email"), ("stg_marketing__campaign_touches", "email")],
    "cookie_id": [("stg_web__events", "cookie_id")],
    "device_id": [
        ("stg_app__events", "device_id"),
        ("stg_marketing__campaign_touches", "device_id"),
    ],
    "openid": [
        ("stg_miniprogram__events", "openid"),
        ("stg_miniprogram__orders", "openid"),
        ("stg_service__tickets", "openid"),
        ("stg_marketing__campaign_touches", "openid"),
    ],
    "unionid": [
        ("stg_miniprogram__events", "unionid"),
        ("stg_miniprogram__orders", "unionid"),
        ("stg_wecom__contacts", "unionid"),
    ],
    "wecom_userid": [("stg_wecom__contacts", "wecom_userid")],
    "buyer_id": [("stg_ecommerce__orders", "buyer_id")],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, Path]:
    tmp = tmp_path_factory.mktemp("sample")
    raw = tmp / "raw"
    generate(
        1500,
        date(2025, 1, 1),
        date(2025, 12, 31),
        7,
        raw,
        progress=False,
        design_end=date(2025, 12, 31),
    )
    result = run_dbt(["build", "--exclude-resource-type", "test", "unit_test"], raw, tmp)
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    yield con, raw
    con.close()


def test_every_raw_row_is_accounted_for(warehouse) -> None:
    con, _ = warehouse
    rows = con.sql(
        "select source_table, rows_in, rows_staged, rows_erased, rows_quarantined, rows_duplicate"
        " from marts.rpt_raw_reconciliation"
    ).fetchall()
    assert len(rows) == 16
    for table, rows_in, staged, erased, quarantined, duplicate in rows:
        assert rows_in > 0, f"the generator writes every table, {table} is empty"
        assert rows_in == staged + erased + quarantined + duplicate, table


def test_every_truth_identifier_is_staged_in_normal_form(warehouse) -> None:
    con, raw = warehouse
    staged = " union ".join(
        f"select '{kind}' as identifier_type, {column} as identifier_value from staging.{model}"
        for kind, places in STAGED_IDENTIFIERS.items()
        for model, column in places
    )
    missing = con.sql(
        f"""
        select truth.identifier_type, count(*) as missing, min(truth.identifier_value) as example
        from read_parquet('{raw}/_truth/identity.parquet') as truth
        anti join ({staged}) as staged
            on truth.identifier_type = staged.identifier_type
            and truth.identifier_value = staged.identifier_value
        -- the identifiers of people who asked to be erased are never staged
        where sha256(truth.identifier_type || ':' || truth.identifier_value)
            not in (select identifier_digest from privacy.erased_identifiers)
        group by truth.identifier_type
        """
    ).fetchall()
    total = con.sql(
        f"select count(*) from read_parquet('{raw}/_truth/identity.parquet')"
    ).fetchall()
    assert total[0][0] > 1000
    assert missing == []
