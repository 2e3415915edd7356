"""RFM and lifecycle on the default sample, recomputed independently in pandas from fct_orders.

- dim_customer_rfm agrees 100% with a pandas recomputation of recency, frequency, monetary, the
  1-5 scores (tie rule: 1 + floor(5 x share of customers strictly worse; F and M rank the buyers
  of the window, those without a purchase in it are F1 M1), the segment from the published 10-cell
  R x F grid (shared/reference/figures.md, written out here, not read from the seed) and the value
  tier; the segments are not degenerate.
- dim_customer_lifecycle agrees 100% with a pandas recomputation of the stage on the as-of date;
  the stage counts are not degenerate and some customers are reactivated.

The thresholds are read from dbt_project.yml, so a changed default changes both sides alike.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]

# figures.md, "RFM segment grid": rows R 5..1, columns F 1..5
GRID = {
    5: ["new", "potential_loyalist", "potential_loyalist", "champions", "champions"],
    4: ["promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"],
    3: ["about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"],
    2: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
    1: ["hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"],
}


def project_vars() -> dict:
    """The vars block of dbt_project.yml (the defaults the sample was built with)."""
    return yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def purchases_and_as_of(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Every purchase with a OneID (net amount in integer fen: exact ties) and the as-of date."""
    orders = con.sql(
        """
        select one_id, order_on, cast(round(net_amount * 100) as bigint) as net_fen
        from marts.fct_orders
        where is_purchase and one_id is not null
        """
    ).df()
    orders["order_on"] = pd.to_datetime(orders["order_on"])
    as_of_dates = con.sql("select distinct as_of_date from marts.fct_orders").df()["as_of_date"]
    assert len(as_of_dates) == 1
    return orders, pd.Timestamp(as_of_dates.iloc[0])


def quantile_score(worse: pd.Series, scored: int | pd.Series) -> pd.Series:
    """1 + floor(5 x worse / scored) in integers."""
    return 1 + (5 * worse) // scored


def recompute_rfm(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    settings = project_vars()
    window_days = settings["rfm_window_days"]
    top = settings["rfm_value_tier_top_percent"]
    orders, as_of = purchases_and_as_of(con)

    orders["days_before"] = (as_of - orders["order_on"]).dt.days
    orders["in_window"] = orders["days_before"] < window_days
    orders["window_fen"] = orders["net_fen"].where(orders["in_window"], 0)
    rfm = orders.groupby("one_id").agg(
        recency_days=("days_before", "min"),
        frequency=("in_window", "sum"),
        monetary_fen=("window_fen", "sum"),
    )
    rfm["frequency"] = rfm["frequency"].astype(int)

    # R over every buyer: strictly worse = more days since the last purchase
    worse_r = rfm["recency_days"].rank(method="min", ascending=False).astype(int) - 1
    rfm["r_score"] = quantile_score(worse_r, len(rfm))

    # F and M over the buyers of the window; the others are one tied block (F1, M1)
    buyers = rfm["frequency"] > 0
    rfm["f_score"] = 1
    rfm["m_score"] = 1
    worse_f = rfm.loc[buyers, "frequency"].rank(method="min").astype(int) - 1
    worse_m = rfm.loc[buyers, "monetary_fen"].rank(method="min").astype(int) - 1
    rfm.loc[buyers, "f_score"] = quantile_score(worse_f, int(buyers.sum()))
    rfm.loc[buyers, "m_score"] = quantile_score(worse_m, int(buyers.sum()))

    peers = int(buyers.sum())
    rfm["value_tier"] = "low"
    spent = buyers & (rfm["monetary_fen"] > 0)
    for tier in ["medium", "high", "vip"]:  # the highest tier reached wins
        reached = spent & (100 * worse_m.reindex(rfm.index) >= (100 - top[tier]) * peers)
        rfm.loc[reached, "value_tier"] = tier

    rfm["rfm_cell"] = rfm["r_score"].astype(str) + rfm["f_score"].astype(str)
    rfm["rfm_segment"] = [
        GRID[r][f - 1] for r, f in zip(rfm["r_score"], rfm["f_score"], strict=True)
    ]
    return rfm.reset_index()


def recompute_lifecycle(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """The stage of every customer of dim_customer_lifecycle on the as-of date."""
    settings = project_vars()
    new_days = settings["lifecycle_new_days"]
    active_days = settings["lifecycle_active_days"]
    churn_days = settings["lifecycle_churn_days"]
    orders, as_of = purchases_and_as_of(con)

    days = orders[["one_id", "order_on"]].drop_duplicates().sort_values(["one_id", "order_on"])
    gap = days.groupby("one_id")["order_on"].diff().dt.days
    days["comeback_on"] = days["order_on"].where(gap > churn_days)
    summary = days.groupby("one_id").agg(
        first_on=("order_on", "min"),
        last_on=("order_on", "max"),
        comeback_on=("comeback_on", "max"),
    )
    since_first = (as_of - summary["first_on"]).dt.days
    since_last = (as_of - summary["last_on"]).dt.days
    since_comeback = (as_of - summary["comeback_on"]).dt.days

    stage = pd.Series("active", index=summary.index)
    stage[since_comeback <= active_days] = "reactivated"
    stage[since_first <= new_days] = "new"
    stage[since_last > active_days] = "silent"
    stage[since_last > churn_days] = "churned"

    customers = con.sql("select one_id from marts.dim_customer_lifecycle").df()["one_id"]
    return stage.reindex(customers, fill_value="prospect")


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]):
    workdir, _ = default_sample
    with duckdb.connect(str(workdir / "w.duckdb"), read_only=True) as con:
        yield con


def test_dim_customer_rfm_matches_pandas_recomputation(warehouse) -> None:
    expected = recompute_rfm(warehouse).set_index("one_id").sort_index()
    actual = (
        warehouse.sql(
            """
            select one_id, recency_days, frequency,
                cast(round(monetary * 100) as bigint) as monetary_fen,
                r_score, f_score, m_score, rfm_cell, rfm_segment, value_tier
            from marts.dim_customer_rfm
            """
        )
        .df()
        .set_index("one_id")
        .sort_index()
    )
    assert len(expected) > 5_000
    assert list(actual.index) == list(expected.index), "not the same customers"
    for column in actual.columns:
        mismatch = actual[column].astype(str) != expected[column].astype(str)
        assert not mismatch.any(), (
            f"{column}: {int(mismatch.sum())} customers differ, e.g.\n"
            f"{actual.loc[mismatch, [column]].join(expected[[column]], rsuffix='_pandas').head()}"
        )


def test_rfm_segments_and_tiers_are_not_degenerate(warehouse) -> None:
    rfm = warehouse.sql(
        "select rfm_segment, value_tier, frequency from marts.dim_customer_rfm"
    ).df()
    shares = rfm["rfm_segment"].value_counts(normalize=True)
    assert len(shares) > 5, shares
    assert shares.max() < 0.6, shares
    assert {"champions", "new", "hibernating"} <= set(shares.index), shares
    # the value tiers follow the cut-offs: vip at most 5% of the window's buyers, but some
    window_buyers = int((rfm["frequency"] > 0).sum())
    tiers = rfm["value_tier"].value_counts()
    assert 0 < tiers["vip"] <= 0.05 * window_buyers
    assert 0 < tiers["vip"] + tiers["high"] <= 0.20 * window_buyers
    assert set(tiers.index) == {"vip", "high", "medium", "low"}


def test_dim_customer_lifecycle_matches_pandas_recomputation(warehouse) -> None:
    expected = recompute_lifecycle(warehouse).sort_index()
    actual = (
        warehouse.sql("select one_id, lifecycle_stage from marts.dim_customer_lifecycle")
        .df()
        .set_index("one_id")["lifecycle_stage"]
        .sort_index()
    )
    mismatch = actual != expected
    assert not mismatch.any(), f"{int(mismatch.sum())} customers differ:\n{actual[mismatch].head()}"


def test_lifecycle_stages_are_not_degenerate(warehouse) -> None:
    counts = dict(
        warehouse.sql(
            "select lifecycle_stage, count(*) from marts.dim_customer_lifecycle group by 1"
        ).fetchall()
    )
    assert set(counts) == {"prospect", "new", "active", "silent", "churned", "reactivated"}, counts
    buyers = sum(n for stage, n in counts.items() if stage != "prospect")
    assert counts["reactivated"] > 0.01 * buyers, counts
    assert max(n for stage, n in counts.items() if stage != "prospect") < 0.8 * buyers, counts
    # the history moved through every kind of transition the rules allow
    moves = {
        (before, after)
        for before, after in warehouse.sql(
            """
            select distinct previous_lifecycle_stage, lifecycle_stage
            from marts.fct_customer_lifecycle_history
            where previous_lifecycle_stage is not null
            """
        ).fetchall()
    }
    assert {
        ("prospect", "new"),
        ("new", "active"),
        ("active", "silent"),
        ("silent", "churned"),
        ("churned", "reactivated"),
        ("reactivated", "active"),
        ("silent", "active"),
    } <= moves, moves
