"""CLV (persona.models.clv): the published CDNOW figures, `lifetimes` as an oracle, and the
warehouse.

Published figures (../shared/reference/figures.md): Fader, Hardie & Lee (2005), "Counting your
customers the easy way", Marketing Science 24(2) - BG/NBD on the 2,357-customer CDNOW sample,
calibration weeks 1-39: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4;
the worked example x = 2, t_x = 30.43, T = 38.86 -> E[Y(39)] = 1.226; the sum of the conditional
expectations for weeks 40-78 is about 1,653 (actual 1,882). Gamma-Gamma on the 946 repeat buyers:
p = 6.25, q = 3.74, gamma = 15.44 (Fader, Hardie & Lee 2005, JMR 42(4); Fader & Hardie 2013).

The CDNOW data ships inside the `lifetimes` wheel; it is read with importlib.resources (the
package's own `lifetimes.datasets` needs pkg_resources). `lifetimes` 0.11.3 is a test dependency
only: the oracle for the formulas, the summary and the value calculation.
"""

from __future__ import annotations

import importlib.resources
import io
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import one_id_owners_cte

from persona.models import clv

CDNOW_CALIBRATION_END = "1997-09-30"
CDNOW_HOLDOUT_END = "1998-06-30"


def _within(value: float, expected: float, tolerance: float) -> bool:
    return abs(value - expected) <= tolerance * abs(expected)


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    path = importlib.resources.files("lifetimes") / "datasets"
    return pd.read_csv(
        io.StringIO((path / "cdnow_customers_summary_with_transactions.csv").read_text())
    )


@pytest.fixture(scope="module")
def cdnow_transactions() -> pd.DataFrame:
    """CDNOW_sample.txt as purchase rows (one_id, purchase_on, net_amount)."""
    path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    raw = pd.read_csv(
        io.StringIO(path.read_text()),
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
        dtype={"date": str},
    )
    assert len(raw) == 6919
    return pd.DataFrame(
        {
            "one_id": raw["sample_id"],
            "purchase_on": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "net_amount": raw["dollars"],
        }
    )


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow_summary: pd.DataFrame) -> clv.Fit:
    return clv.fit_bgnbd(cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"])


def test_cdnow_bgnbd_reproduces_the_published_estimates(cdnow_bgnbd: clv.Fit) -> None:
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert cdnow_bgnbd.status == "fitted" and cdnow_bgnbd.n_customers == 2357
    for name, value in published.items():
        assert _within(getattr(cdnow_bgnbd.params, name), value, 0.01), (name, cdnow_bgnbd)
    assert _within(cdnow_bgnbd.log_likelihood, -9582.4, 0.01)
    assert round(cdnow_bgnbd.log_likelihood, 1) == -9582.4


def test_cdnow_worked_example_and_holdout_forecast(
    cdnow_bgnbd: clv.Fit, cdnow_summary: pd.DataFrame
) -> None:
    example = float(clv.expected_purchases(cdnow_bgnbd.params, 39, 2, 30.43, 38.86))
    assert _within(example, 1.226, 0.01) and round(example, 3) == 1.226
    forecast = clv.expected_purchases(
        cdnow_bgnbd.params, 39, cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"]
    ).sum()
    assert _within(forecast, 1653, 0.02), forecast


def test_cdnow_gamma_gamma_reproduces_the_published_estimates(cdnow_summary) -> None:
    fit = clv.fit_gamma_gamma(cdnow_summary["x"], cdnow_summary["zbar"])
    assert fit.status == "fitted" and fit.n_customers == 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert _within(getattr(fit.params, name), value, 0.01), (name, fit)


def test_fits_capped_at_max_fit_customers_use_a_fixed_sample_and_stay_near_the_full_fit(
    cdnow_summary: pd.DataFrame,
) -> None:
    """Above max_fit_customers the models learn from a fixed-seed sample of the buyers: on CDNOW
    a fit on 1,500 of the 2,357 customers lands within the published estimates' neighbourhood."""
    summary = pd.DataFrame(
        {
            "period": "as_of",
            "one_id": cdnow_summary["ID"],
            "frequency": cdnow_summary["x"],
            "recency": cdnow_summary["t_x"],
            "T": cdnow_summary["T"],
            "monetary_value": cdnow_summary["zbar"],
        }
    )
    capped = clv.ClvSettings(max_fit_customers=1500)
    sample = clv.fit_sample(summary, capped)
    assert len(sample) == 1500 and sample.index.is_monotonic_increasing
    assert clv.fit_sample(summary, clv.ClvSettings()) is summary
    fits = clv.fit_models(summary, "1998-06-30", capped).set_index(["period", "model"])
    bg = fits.loc[("as_of", "bg_nbd")]
    assert bg["status"] == "fitted" and bg["n_customers"] == 1500
    for name, value in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert _within(bg[name], value, 0.35), (name, bg[name])
    pd.testing.assert_frame_equal(
        fits, clv.fit_models(summary, "1998-06-30", capped).set_index(["period", "model"])
    )


def test_summary_from_cdnow_transactions_matches_the_published_summary(
    cdnow_transactions: pd.DataFrame, cdnow_summary: pd.DataFrame
) -> None:
    """customer_summary on the raw CDNOW transactions (same-day purchases merged, weeks) gives
    the published calibration summary, and the holdout holds the 1,882 repeat purchases."""
    ours = clv.customer_summary(cdnow_transactions, CDNOW_CALIBRATION_END, unit_days=7)
    ours = ours.set_index("one_id").sort_index()
    published = cdnow_summary.set_index("ID").sort_index()
    assert len(ours) == 2357 and (ours.index == published.index).all()
    assert (ours["frequency"] == published["x"]).all()
    assert ours["frequency"].sum() == 2457  # repeat transactions in calibration (figures.md)
    np.testing.assert_allclose(ours["recency"], published["t_x"], atol=0.006)
    np.testing.assert_allclose(ours["T"], published["T"], atol=0.006)
    np.testing.assert_allclose(ours["monetary_value"], published["zbar"], atol=0.006)
    holdout = clv.purchase_days_between(
        cdnow_transactions, CDNOW_CALIBRATION_END, CDNOW_HOLDOUT_END
    )
    assert holdout.sum() == 1882


def _generated_purchase_days(seed: int = 3, n: int = 800) -> pd.DataFrame:
    """A BG/NBD world: Gamma rates, Beta drop-out, Gamma-Gamma values, one year of days."""
    rng = np.random.default_rng(seed)
    rows = []
    start = pd.Timestamp("2025-01-01")
    for customer in range(n):
        rate = rng.gamma(0.8, 1 / 20)  # purchases per day
        dropout = rng.beta(1.0, 4.0)
        scale = rng.gamma(4.0, 1 / 40)
        day = int(rng.integers(0, 200))
        while day < 365:
            amount = round(float(rng.gamma(3.0, 1 / scale)), 2)
            rows.append((f"c{customer:04d}", start + pd.Timedelta(days=day), amount))
            if rng.random() < dropout:
                break
            day += int(np.ceil(rng.exponential(1 / rate)))
    return pd.DataFrame(rows, columns=["one_id", "purchase_on", "net_amount"])


def test_summary_equals_lifetimes_summary() -> None:
    from lifetimes.utils import summary_data_from_transaction_data

    days = _generated_purchase_days()
    ours = clv.customer_summary(days, "2025-12-31", unit_days=7).set_index("one_id")
    theirs = summary_data_from_transaction_data(
        days,
        "one_id",
        "purchase_on",
        monetary_value_col="net_amount",
        observation_period_end="2025-12-31",
        freq="D",
        freq_multiplier=7,
    )
    theirs = theirs.loc[ours.index]
    assert (ours["frequency"] == theirs["frequency"]).all()
    np.testing.assert_allclose(ours["recency"], theirs["recency"], rtol=1e-9)
    np.testing.assert_allclose(ours["T"], theirs["T"], rtol=1e-9)
    np.testing.assert_allclose(ours["monetary_value"], theirs["monetary_value"], rtol=1e-9)


def test_formulas_equal_lifetimes(cdnow_summary: pd.DataFrame) -> None:
    """Fits, conditional expectations, P(alive), expected value and CLV equal the oracle's."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    for x, t_x, T, m in [
        (cdnow_summary["x"], cdnow_summary["t_x"], cdnow_summary["T"], cdnow_summary["zbar"]),
        _as_columns(clv.customer_summary(_generated_purchase_days(), "2025-12-31")),
    ]:
        bg = clv.fit_bgnbd(x, t_x, T)
        oracle = BetaGeoFitter().fit(x.to_numpy(), t_x.to_numpy(), T.to_numpy())
        for name in ("r", "alpha", "a", "b"):
            assert _within(getattr(bg.params, name), oracle.params_[name], 1e-3), name
        repeat = (x > 0) & (m > 0)
        gg = clv.fit_gamma_gamma(x, m)
        gg_oracle = GammaGammaFitter().fit(x[repeat].to_numpy(), m[repeat].to_numpy())
        for name, theirs in (("p", "p"), ("q", "q"), ("gamma", "v")):
            assert _within(getattr(gg.params, name), gg_oracle.params_[theirs], 1e-3), name
        # the formulas at the same parameters
        oracle.params_ = pd.Series(vars(bg.params))
        gg_oracle.params_ = pd.Series({"p": gg.params.p, "q": gg.params.q, "v": gg.params.gamma})
        np.testing.assert_allclose(
            clv.expected_purchases(bg.params, 13, x, t_x, T),
            oracle.conditional_expected_number_of_purchases_up_to_time(13, x, t_x, T),
            rtol=1e-8,
        )
        np.testing.assert_allclose(
            clv.probability_alive(bg.params, x, t_x, T),
            oracle.conditional_probability_alive(x, t_x, T),
            rtol=1e-8,
        )
        np.testing.assert_allclose(
            clv.expected_average_value(gg.params, x[repeat], m[repeat]),
            gg_oracle.conditional_expected_average_profit(x[repeat], m[repeat]),
            rtol=1e-8,
        )
        theirs = gg_oracle.customer_lifetime_value(
            oracle, x[repeat], t_x[repeat], T[repeat], m[repeat], 12, 0.01, freq="W"
        )
        ours = clv.lifetime_value(
            bg.params,
            gg.params,
            x[repeat],
            t_x[repeat],
            T[repeat],
            m[repeat],
            12,
            0.01,
            units_per_month=4.345,  # lifetimes' weeks per month
        )
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def _as_columns(summary: pd.DataFrame) -> tuple[pd.Series, ...]:
    return tuple(summary[c] for c in ("frequency", "recency", "T", "monetary_value"))


def test_too_few_customers_leaves_the_models_unfitted() -> None:
    days = _generated_purchase_days(n=8)
    settings = clv.ClvSettings(min_customers=20)
    summary = clv.summaries(days, "2025-12-31", settings)
    fits = clv.fit_models(summary, "2025-12-31", settings)
    assert set(fits["status"]) == {"too_few_customers"}
    assert fits["status_detail"].str.contains("need 20").all()
    scores = clv.score(summary, fits, settings)
    assert len(scores) == (summary["period"] == "as_of").sum()
    assert scores["clv"].isna().all() and scores["clv_tier"].isna().all()
    assert clv.backtest(summary, fits, settings).empty
    # no purchases at all: both periods still report a status
    empty = clv.summaries(days.iloc[0:0], "2025-12-31", settings)
    fits = clv.fit_models(empty, "2025-12-31", settings)
    assert len(fits) == 4 and set(fits["status"]) == {"too_few_customers"}


def test_backtest_reads_only_the_holdout_up_to_as_of() -> None:
    days = _generated_purchase_days()
    settings = clv.ClvSettings(holdout_days=91)
    summary = clv.summaries(days, "2025-09-30", settings)
    calibration = summary[summary["period"] == "calibration"]
    assert (calibration["cutoff_on"] == pd.Timestamp("2025-07-01")).all()
    purchase_on = pd.to_datetime(days["purchase_on"])
    inside = days[(purchase_on > "2025-07-01") & (purchase_on <= "2025-09-30")]
    expected = inside.drop_duplicates(["one_id", "purchase_on"]).groupby("one_id").size()
    got = calibration.set_index("one_id")["holdout_purchases"]
    assert got.sum() == expected.reindex(got.index).fillna(0).sum()
    fits = clv.fit_models(summary, "2025-09-30", settings)
    result = clv.backtest(summary, fits, settings)
    assert len(result) == len(calibration)
    assert sorted(result["prediction_decile"].unique()) == list(range(1, 11))
    top = result[result["prediction_decile"] == 1]["predicted_purchases"].min()
    assert top >= result[result["prediction_decile"] == 2]["predicted_purchases"].max()


def test_tiers_by_share_keep_ties_together() -> None:
    values = pd.Series([10.0] * 5 + [5.0] * 5 + list(range(90)))
    tiers = clv.tiers_by_share(values, {"top": 5, "high": 20, "medium": 50}, "low")
    assert tiers[values == 10.0].nunique() == 1 and tiers[values == 5.0].nunique() == 1
    assert (tiers == "top").sum() == 5  # the top value 89 ... 85 are strictly above


# ---------------------------------------------------------------------------------------------
# the warehouse (default sample, 10,000 persons)


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(default_sample[0] / "w.duckdb"), read_only=True)
    yield con
    con.close()


def test_diagnostics_equal_the_package_fit_on_the_same_summary(warehouse) -> None:
    summary = warehouse.sql("select * from intermediate.int_clv_customer_summaries").df()
    fits = warehouse.sql("select * from marts.rpt_clv_fits").df().set_index(["period", "model"])
    as_of = warehouse.sql("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    assert set(fits["time_unit"]) == {"week"} and set(fits["status"]) == {"fitted"}
    for period in ("as_of", "calibration"):
        group = summary[summary["period"] == period]
        bg = clv.fit_bgnbd(group["frequency"], group["recency"], group["T"])
        gg = clv.fit_gamma_gamma(group["frequency"], group["monetary_value"])
        row = fits.loc[(period, "bg_nbd")]
        for name in ("r", "alpha", "a", "b"):
            assert row[name] == pytest.approx(getattr(bg.params, name), rel=1e-9)
        assert row["log_likelihood"] == pytest.approx(bg.log_likelihood, rel=1e-9)
        assert row["n_customers"] == len(group)
        row = fits.loc[(period, "gamma_gamma")]
        for name in ("p", "q", "gamma"):
            assert row[name] == pytest.approx(getattr(gg.params, name), rel=1e-9)
    assert pd.Timestamp(fits.loc[("as_of", "bg_nbd"), "fitted_through_on"]) == pd.Timestamp(as_of)
    buyers = warehouse.sql(
        "select count(distinct one_id) from marts.fct_orders where is_purchase"
    ).fetchall()[0][0]
    assert fits.loc[("as_of", "bg_nbd"), "n_customers"] == buyers


def test_backtest_on_the_sample(warehouse) -> None:
    rows = warehouse.sql("select * from marts.rpt_clv_backtest").df()
    total = rows[rows["scope"] == "total"].iloc[0]
    as_of = warehouse.sql("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    calibrated = pd.Timestamp(total["calibrated_through_on"]).date()
    assert calibrated == as_of - pd.Timedelta(days=182)
    # the actual holdout purchases, recounted from fct_orders (which ends at the as-of date)
    actual = warehouse.sql(
        f"""
        select count(*) from (
            select distinct one_id, order_on from marts.fct_orders
            where is_purchase and order_on > date '{calibrated}'
              and order_on <= date '{as_of}'
              and one_id in (select one_id from marts.fct_orders
                             where is_purchase and order_on <= date '{calibrated}')
        )
        """
    ).fetchall()[0][0]
    assert total["actual_purchases"] == actual
    print(
        f"\nbacktest: predicted {total['predicted_purchases']:.0f} vs actual"
        f" {total['actual_purchases']:.0f} purchase days ({total['relative_difference']:+.1%})"
    )
    assert abs(total["relative_difference"]) < 0.25
    deciles = rows[rows["scope"] == "decile"].sort_values("prediction_decile")
    assert len(deciles) == 10
    # the top predicted decile buys most, the bottom one least
    assert deciles["actual_purchases"].iloc[0] == deciles["actual_purchases"].max()
    assert deciles["actual_purchases"].iloc[-1] <= deciles["actual_purchases"].iloc[:3].min()


def test_predicted_rate_follows_the_true_latent_rate(warehouse, default_sample) -> None:
    """The generator's truth: each person's purchase_rate_per_week. A OneID maps to the person
    who owns most of its identifiers."""
    truth = default_sample[1] / "_truth"
    rows = warehouse.sql(
        f"""
        with {one_id_owners_cte(truth)}
        select clv.purchase_rate_per_unit, clv.expected_purchases_365d,
               persons.purchase_rate_per_week
        from marts.dim_customer_clv as clv
        inner join owners using (one_id)
        inner join '{truth / "persons.parquet"}' as persons using (person_id)
        """
    ).df()
    # identifiers seen once (a marketplace buyer id, say) are not in the truth: about half the
    # buyers map to a person
    assert len(rows) > 2000
    pearson = rows["purchase_rate_per_unit"].corr(rows["purchase_rate_per_week"])
    spearman = rows["purchase_rate_per_unit"].corr(
        rows["purchase_rate_per_week"], method="spearman"
    )
    print(
        f"\npredicted vs true purchase rate ({len(rows)} buyers mapped to a person):"
        f" Pearson {pearson:.3f}, Spearman {spearman:.3f}"
    )
    assert pearson > 0.45 and spearman > 0.4  # measured 0.627 and 0.522 (seed 42)


def test_scores_on_the_sample(warehouse) -> None:
    tiers = dict(
        warehouse.sql("select clv_tier, count(*) from marts.dim_customer_clv group by 1").fetchall()
    )
    n = sum(tiers.values())
    assert tiers["top"] == pytest.approx(0.05 * n, abs=0.01 * n)
    bad = warehouse.sql(
        "select count(*) from marts.dim_customer_clv where clv_12m is null or clv_12m < 0"
    ).fetchall()[0][0]
    assert bad == 0
    mean_clv_by_tier = dict(
        warehouse.sql(
            "select clv_tier, avg(clv_12m) from marts.dim_customer_clv group by 1"
        ).fetchall()
    )
    assert (
        mean_clv_by_tier["top"]
        > mean_clv_by_tier["high"]
        > mean_clv_by_tier["medium"]
        > mean_clv_by_tier["low"]
    )


def test_first_purchase_day_is_the_minimum(warehouse) -> None:
    mismatches = warehouse.sql(
        """
        select count(*) from marts.dim_customer_clv as clv
        inner join (select one_id, min(order_on) as first_on from marts.fct_orders
                    where is_purchase group by 1) as orders using (one_id)
        where clv.first_purchase_on != orders.first_on
        """
    ).fetchall()[0][0]
    assert mismatches == 0
    first = warehouse.sql("select min(first_purchase_on) from marts.dim_customer_clv").fetchall()
    assert first[0][0] >= date(2024, 10, 31)  # 2024-11-01 00:00 Beijing time is 10-31 UTC
