"""A brand that sells only on marketplaces (issue step 3, "Done when"): it brings nothing but
`ecommerce_orders`, their items and `products` through the raw contract.

The whole project builds with every dbt test, and the brand gets RFM, lifecycle stages and the
tags its data supports (order, value, interest, psychology and lifecycle tags), while the tags that
need other channels (browsing, service, campaigns, WeCom) are empty rather than failing or
pretending to be zero. Built as of 2025-11-30 with a month of orders after it in the raw data, the
CLV diagnostics equal the package's fit on the same customer summary, in weeks, and the backtest
reads nothing after the as-of date.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import ANSI, run_dbt

from persona.dev.generate import generate
from persona.models import clv

MARKETPLACE_TABLES = {"ecommerce_orders", "ecommerce_order_items", "products"}
AS_OF = date(2025, 11, 30)


@pytest.fixture(scope="module")
def marketplace_brand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("marketplace_brand")
    raw = tmp / "raw"
    generate(
        2000,
        date(2025, 1, 1),
        date(2025, 12, 31),
        11,
        raw,
        progress=False,
        design_end=date(2025, 12, 31),
    )
    for folder in raw.iterdir():
        if folder.is_dir() and folder.name not in MARKETPLACE_TABLES:
            shutil.rmtree(folder)
    result = run_dbt(["build", "--vars", f"{{as_of: '{AS_OF}'}}"], raw, tmp)
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]
    return tmp / "w.duckdb"


def test_marketplace_brand_gets_rfm_and_lifecycle(marketplace_brand: Path) -> None:
    with duckdb.connect(str(marketplace_brand), read_only=True) as con:
        buyers = con.sql(
            "select count(distinct one_id) from marts.fct_orders where is_purchase"
        ).fetchall()[0][0]
        rfm = con.sql("select count(*), count(distinct rfm_segment) from marts.dim_customer_rfm")
        n_rfm, n_segments = rfm.fetchall()[0]
        stages = dict(
            con.sql(
                "select lifecycle_stage, count(*) from marts.dim_customer_lifecycle group by 1"
            ).fetchall()
        )
    assert buyers > 100
    assert n_rfm == buyers and n_segments >= 4
    assert {"active", "churned"} <= set(stages), stages


def test_marketplace_brand_gets_the_tags_its_data_supports(marketplace_brand: Path) -> None:
    with duckdb.connect(str(marketplace_brand), read_only=True) as con:
        tagged = dict(
            con.sql("select tag_code, customers_tagged from marts.rpt_tag_coverage").fetchall()
        )
    for code in [
        "total_purchases",
        "rfm_segment",
        "value_tier",
        "lifecycle_stage",
        "preferred_channel",
        "preferred_category",
        "price_sensitivity",
    ]:
        assert tagged[code] > 0, code
    for code in [
        "active_days_30d",
        "browse_sessions_3d",
        "service_contacts_30d",
        "cart_abandoned_7d",
    ]:
        assert tagged[code] == 0, code


def test_marketplace_brand_gets_clv_diagnostics_up_to_as_of(marketplace_brand: Path) -> None:
    with duckdb.connect(str(marketplace_brand), read_only=True) as con:
        raw_last = con.sql("select max(order_at) from staging.stg_ecommerce__orders").fetchall()
        facts_last = con.sql("select max(order_on) from marts.fct_orders").fetchall()[0][0]
        summary = con.sql("select * from intermediate.int_clv_customer_summaries").df()
        fits = con.sql("select * from marts.rpt_clv_fits").df().set_index(["period", "model"])
        total = con.sql("select * from marts.rpt_clv_backtest where scope = 'total'").df()
        n_scored = con.sql("select count(clv_12m) from marts.dim_customer_clv").fetchall()[0][0]
    assert raw_last[0][0].date() > AS_OF >= facts_last  # later orders exist and are not read
    assert set(fits["status"]) == {"fitted"} and set(fits["time_unit"]) == {"week"}
    assert pd.Timestamp(fits.loc[("as_of", "bg_nbd"), "fitted_through_on"]) == pd.Timestamp(AS_OF)
    for period in ("as_of", "calibration"):
        group = summary[summary["period"] == period]
        fit = clv.fit_bgnbd(group["frequency"], group["recency"], group["T"])
        for name in ("r", "alpha", "a", "b"):
            assert fits.loc[(period, "bg_nbd"), name] == pytest.approx(getattr(fit.params, name))
    calibrated = pd.Timestamp(total["calibrated_through_on"].iloc[0])
    assert calibrated == pd.Timestamp(AS_OF) - pd.Timedelta(days=182)
    holdout = summary[summary["period"] == "calibration"]["holdout_purchases"].sum()
    assert total["actual_purchases"].iloc[0] == holdout > 0
    assert n_scored == (summary["period"] == "as_of").sum()
