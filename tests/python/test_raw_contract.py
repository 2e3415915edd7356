"""The raw input contract as a user meets it: missing folders, missing columns, unreadable files.

Each test builds a small raw directory with the fixture writer and runs dbt against a scratch
warehouse, the way `make run` does with PERSONA_RAW_DIR set.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import run_dbt
from make_raw_fixture import TABLES, write_fixture


def test_missing_required_column_stops_the_build_naming_folder_and_columns(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_fixture(raw, only=["products", "crm_members"])
    columns, rows = TABLES["crm_members"]
    keep = [i for i, c in enumerate(columns) if c not in {"phone", "updated_at"}]
    table = pa.table(
        [pa.array([r[i] for r in rows], pa.string()) for i in keep],
        names=[columns[i] for i in keep],
    )
    pq.write_table(table, raw / "crm_members" / "export-0001.parquet")

    result = run_dbt(["build", "--select", "stg_catalog__products"], raw, tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"{raw}/crm_members" in output
    assert "lacks required column(s): phone, updated_at" in output


def test_unreadable_parquet_stops_the_build_naming_the_file(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_fixture(raw, only=["products"])
    (raw / "web_events").mkdir()
    (raw / "web_events" / "broken.parquet").write_text("this is a CSV, not Parquet\n")

    result = run_dbt(["build", "--select", "stg_catalog__products"], raw, tmp_path)

    assert result.returncode != 0
    assert f"{raw}/web_events/broken.parquet" in result.stdout + result.stderr


def test_missing_folders_make_empty_channels_reported_once(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_fixture(raw, only=["products", "ecommerce_orders", "ecommerce_order_items"])
    (raw / "web_events").mkdir()  # an empty folder means the same as a missing one

    # cautious: tests that also read models outside the selection (e.g. the net-sales
    # reconciliation, which reads fct_orders) are left out
    result = run_dbt(
        ["build", "--select", "+rpt_raw_reconciliation", "--indirect-selection", "cautious"],
        raw,
        tmp_path,
    )

    assert result.returncode == 0, result.stdout[-3000:]
    notices = [
        line for line in result.stdout.splitlines() if "these channels are treated as empty" in line
    ]
    assert len(notices) == 1
    assert "web_events" in notices[0] and "crm_members" in notices[0]
    # no referral columns anywhere (raw contract version 2): said once, the referral marts are empty
    referral_notices = [
        line for line in result.stdout.splitlines() if "no referral columns" in line
    ]
    assert len(referral_notices) == 1
    assert "(share_from_openid, referrer_member_id)" in referral_notices[0]
    assert "the referral marts are empty" in referral_notices[0]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = dict(
            con.sql("select source_table, rows_in from marts.rpt_raw_reconciliation").fetchall()
        )
    assert rows["web_events"] == 0 and rows["crm_members"] == 0
    assert rows["ecommerce_orders"] == len(TABLES["ecommerce_orders"][1])
