"""Propensity (persona.models.propensity): metrics against hand-computed values, the time split,
planted signal on synthetic histories, status on tiny data, and the models on the default
sample."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from persona.models import propensity
from persona.models.features import Histories
from persona.models.propensity import PropensitySettings

AS_OF = pd.Timestamp("2026-06-30")
START = pd.Timestamp("2025-01-01")


def synthetic_histories(n: int = 800, seed: int = 7) -> dict[str, pd.DataFrame]:
    """People with a planted purchase rate: a fifth buy every ~2 weeks, the rest rarely or never.
    Frequent buyers also visit more. Purchases are spread over START..AS_OF."""
    rng = np.random.default_rng(seed)
    one_ids = [f"oid_{i:05d}" for i in range(n)]
    rate = np.where(rng.random(n) < 0.2, 1 / 14, rng.choice([0.0, 1 / 200], size=n))
    days = (AS_OF - START).days + 1
    purchases, categories, activity = [], [], []
    for one_id, person_rate in zip(one_ids, rate, strict=True):
        bought = np.flatnonzero(rng.random(days) < person_rate)
        for day in bought:
            on = START + pd.Timedelta(days=int(day))
            amount = float(rng.integers(50, 500))
            purchases.append((one_id, on, "own_mall", 1, 0, amount, 0.0, amount))
            categories.append((one_id, on, "skin" if rng.random() < 0.5 else "makeup", amount))
        visits = np.flatnonzero(rng.random(days) < person_rate * 2 + 0.005)
        for day in visits:
            activity.append((one_id, START + pd.Timedelta(days=int(day)), 3, 2, 1))
    return {
        "people": pd.DataFrame({"one_id": one_ids, "first_seen_on": START}),
        "purchase_days": pd.DataFrame(
            purchases,
            columns=[
                "one_id",
                "purchase_on",
                "channel_group",
                "n_orders",
                "n_coupon_orders",
                "gross_amount",
                "discount_amount",
                "net_amount",
            ],
        ),
        "category_days": pd.DataFrame(
            categories, columns=["one_id", "purchase_on", "category_l1", "net_amount"]
        ),
        "activity_days": pd.DataFrame(
            activity,
            columns=["one_id", "activity_on", "n_events", "n_product_views", "n_add_to_carts"],
        ),
    }


@pytest.fixture(scope="module")
def histories() -> dict[str, pd.DataFrame]:
    return synthetic_histories()


@pytest.fixture(scope="module")
def evaluation(histories) -> pd.DataFrame:
    return propensity.evaluate(Histories(**histories), as_of=AS_OF, settings=PropensitySettings())


# ---------------------------------------------------------------------------------------------
# metrics by hand


def test_top_decile_lift_matches_hand_computation():
    # 20 people, 4 positives (rate 0.2); the top 10% = 2 people, one positive (rate 0.5)
    labels = [1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    scores = [0.9, 0.95, 0.1, 0.2, 0.3, 0.01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.05]
    assert propensity.top_decile_lift(labels, scores) == pytest.approx(0.5 / 0.2)
    # 15 people: ceil(1.5) = 2 in the top decile
    assert propensity.top_decile_lift([1] + [0] * 14, np.linspace(1, 0, 15)) == pytest.approx(
        0.5 / (1 / 15)
    )
    assert np.isnan(propensity.top_decile_lift([0, 0, 0], [0.1, 0.2, 0.3]))


def test_calibration_bins_match_hand_computation():
    labels = [1, 1, 0, 0, 1, 0]
    scores = [0.9, 0.7, 0.5, 0.4, 0.2, 0.1]
    table = propensity.calibration_bins(labels, scores, n_bins=3)
    assert table["bin"].tolist() == [1, 2, 3]
    assert table["n_customers"].tolist() == [2, 2, 2]
    assert table["mean_predicted"].tolist() == pytest.approx([0.8, 0.45, 0.15])
    assert table["observed_rate"].tolist() == pytest.approx([1.0, 0.0, 0.5])


def test_metrics_auc_and_brier_by_hand():
    labels = [0, 0, 1, 1]
    scores = [0.1, 0.4, 0.35, 0.8]
    result = propensity.metrics(labels, scores)
    assert result["auc"] == pytest.approx(0.75)  # 3 of the 4 positive-negative pairs in order
    assert result["brier_score"] == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)


def test_bands_and_deciles_by_rank():
    scores = pd.Series(
        [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0, np.nan],
        index=pd.Index([f"p{i:02d}" for i in range(11)], name="one_id"),
    )
    band, decile = propensity.bands(scores, (("high", 10), ("medium", 30)))
    assert band.tolist()[:10] == ["high", "medium", "medium"] + ["low"] * 7
    assert pd.isna(band.iloc[10]) and pd.isna(decile.iloc[10])
    assert decile.tolist()[:10] == list(range(1, 11))


def test_settings_from_meta_parses_strings():
    meta = {
        "propensity_settings": {
            "purchase_days": "30",
            "churn_days": "90",
            "min_customers": "50",
            "min_positives": "10",
            "calibration_bins": "10",
            "purchase_intent_top_percent": "{'high': 10, 'medium': 30}",
            "churn_risk_top_percent": "{'high': 20, 'medium': 50}",
            "max_training_rows": "200000",
        }
    }
    settings = PropensitySettings.from_meta(meta)
    assert settings == PropensitySettings()
    with pytest.raises(ValueError, match="propensity_settings"):
        PropensitySettings.from_meta({})


# ---------------------------------------------------------------------------------------------
# time split and planted signal


def test_labels_read_only_their_window(histories):
    buyers = Histories(**histories).bought_after("2026-05-31", 30)
    days = histories["purchase_days"]
    inside = days[(days["purchase_on"] > "2026-05-31") & (days["purchase_on"] <= "2026-06-30")]
    assert buyers == set(inside["one_id"])


def test_time_split_never_reads_data_after_the_cutoff(histories):
    """Rows dated after the cutoff plus the window cannot change a training set; rows after the
    held-out features' date cannot change what the evaluation trained on."""
    noisy = {key: frame.copy() for key, frame in histories.items()}
    late = pd.DataFrame(
        {
            "one_id": histories["people"]["one_id"],
            "purchase_on": AS_OF + pd.Timedelta(days=5),
            "channel_group": "store",
            "n_orders": 9,
            "n_coupon_orders": 9,
            "gross_amount": 9999.0,
            "discount_amount": 0.0,
            "net_amount": 9999.0,
        }
    )
    noisy["purchase_days"] = pd.concat([noisy["purchase_days"], late], ignore_index=True)
    cutoff = AS_OF - pd.Timedelta(days=30)
    for target in propensity.TARGETS:
        x_a, y_a = propensity.dataset(Histories(**histories), target, cutoff, 30)
        x_b, y_b = propensity.dataset(Histories(**noisy), target, cutoff, 30)
        pd.testing.assert_frame_equal(x_a, x_b)
        pd.testing.assert_series_equal(y_a, y_b)
    # the evaluation (all of its windows end on the as-of date) is unchanged by later rows
    settings = PropensitySettings()
    clean = propensity.evaluate(Histories(**histories), as_of=AS_OF, settings=settings)
    dirty = propensity.evaluate(Histories(**noisy), as_of=AS_OF, settings=settings)
    pd.testing.assert_frame_equal(clean, dirty)


def test_evaluation_finds_the_planted_signal(evaluation):
    summary = evaluation[evaluation["section"] == "summary"].set_index(["target", "classifier"])
    assert set(summary["status"]) == {"evaluated"}
    purchase = summary.loc["purchase_30d"]
    assert purchase["auc"].max() > 0.8
    assert purchase["top_decile_lift"].max() > 2
    # one selected classifier per target, the one with the higher AUC
    for target in propensity.TARGETS:
        rows = summary.loc[target]
        assert rows["is_selected"].sum() == 1
        assert rows.loc[rows["is_selected"], "auc"].iloc[0] == rows["auc"].max()
    calibration = evaluation[evaluation["section"] == "calibration"]
    assert len(calibration) == 2 * 2 * 10
    n_test = summary["n_test"].groupby(level=0).first()
    sums = calibration.groupby(["target", "classifier"])["bin_customers"].sum()
    for (target, _), total in sums.items():
        assert total == n_test[target]


def test_training_capped_at_max_training_rows_still_finds_the_signal(histories):
    """Above max_training_rows the classifiers learn from a fixed-seed sample of the training
    rows; the evaluation still finds the planted signal and everyone is scored."""
    source = Histories(**histories)
    x, y = propensity.dataset(source, "purchase_30d", AS_OF - pd.Timedelta(days=60), 30)
    small = PropensitySettings(max_training_rows=300)
    x_fit, y_fit = propensity.training_sample(x, y, small)
    assert len(x_fit) == 300 and x_fit.index.is_monotonic_increasing
    assert x_fit.index.equals(y_fit.index) and set(x_fit.index) <= set(x.index)
    assert propensity.training_sample(x, y, PropensitySettings())[0] is x
    evaluation = propensity.evaluate(source, AS_OF, small)
    summary = evaluation[evaluation["section"] == "summary"].set_index(["target", "classifier"])
    assert summary.loc["purchase_30d", "auc"].max() > 0.8
    assert (summary["n_train"] > 300).all()
    scores = propensity.score(source, evaluation, AS_OF, small)
    assert scores["purchase_30d_probability"].notna().all()
    assert len(scores) == len(histories["people"])


def test_time_split_dates_and_churn_population(histories, evaluation):
    summary = evaluation[evaluation["section"] == "summary"].drop_duplicates("target")
    dates = summary.set_index("target")
    assert dates.loc["purchase_30d", "test_cutoff_on"] == (AS_OF - pd.Timedelta(days=30)).date()
    assert dates.loc["purchase_30d", "train_cutoff_on"] == (AS_OF - pd.Timedelta(days=60)).date()
    assert dates.loc["churn_90d", "train_cutoff_on"] == (AS_OF - pd.Timedelta(days=180)).date()
    cutoff = AS_OF - pd.Timedelta(days=90)
    buyers = set(histories["purchase_days"].loc[lambda d: d["purchase_on"] <= cutoff, "one_id"])
    assert dates.loc["churn_90d", "n_test"] == len(buyers)


def test_scores_are_probabilities_and_churn_is_for_buyers(histories, evaluation):
    scores = propensity.score(
        Histories(**histories), evaluation=evaluation, as_of=AS_OF, settings=PropensitySettings()
    )
    assert scores["one_id"].is_unique and len(scores) == len(histories["people"])
    assert scores["purchase_30d_probability"].between(0, 1).all()
    buyers = set(histories["purchase_days"]["one_id"])
    has_churn = scores.set_index("one_id")["churn_90d_probability"].notna()
    assert set(has_churn[has_churn].index) == buyers
    assert scores.loc[scores["is_buyer"], "churn_90d_probability"].between(0, 1).all()
    assert set(scores["purchase_intent"]) == {"high", "medium", "low"}
    assert (scores["purchase_intent"] == "high").sum() == int(0.1 * len(scores))
    # deterministic
    again = propensity.score(
        Histories(**histories), evaluation=evaluation, as_of=AS_OF, settings=PropensitySettings()
    )
    pd.testing.assert_frame_equal(scores, again)


def test_tiny_data_gives_status_rows_and_null_scores():
    tiny = synthetic_histories(n=6, seed=1)
    settings = PropensitySettings()
    evaluation = propensity.evaluate(Histories(**tiny), as_of=AS_OF, settings=settings)
    assert len(evaluation) == 2
    assert set(evaluation["status"]) == {"too_few_customers"}
    assert evaluation["classifier"].isna().all()
    # all-null text columns keep a text dtype, so the warehouse gets VARCHAR, not DuckDB's NULL
    assert evaluation["classifier"].dtype == "string"
    assert "need 50" in evaluation["status_detail"].iloc[0]
    scores = propensity.score(
        Histories(**tiny), evaluation=evaluation, as_of=AS_OF, settings=settings
    )
    assert len(scores) == 6
    assert scores["purchase_30d_probability"].isna().all()
    assert scores["purchase_intent"].isna().all()
    assert scores["purchase_intent"].dtype == "string"


def test_no_positives_is_a_status_not_a_crash(histories):
    empty = dict(histories, purchase_days=histories["purchase_days"].iloc[0:0])
    empty["category_days"] = histories["category_days"].iloc[0:0]
    evaluation = propensity.evaluate(Histories(**empty), as_of=AS_OF, settings=PropensitySettings())
    statuses = evaluation.set_index("target")["status"]
    assert statuses["purchase_30d"] == "too_few_positives"
    assert statuses["churn_90d"] == "too_few_customers"


# ---------------------------------------------------------------------------------------------
# the default sample


def test_sample_propensity_diagnostics_and_scores(default_sample):
    workdir, _ = default_sample
    with duckdb.connect(str(workdir / "w.duckdb"), read_only=True) as con:
        diagnostics = con.sql("select * from marts.rpt_propensity_diagnostics").df()
        calibration = con.sql("select * from marts.rpt_propensity_calibration").df()
        scores = con.sql("select * from marts.dim_customer_propensity").df()
        first_seen = con.sql(
            "select count(*) from marts.dim_customers where first_seen_at is not null"
        ).fetchall()[0][0]
    assert set(diagnostics["status"]) == {"evaluated"}
    selected = diagnostics[diagnostics["is_selected"]].set_index("target")
    assert set(selected.index) == {"purchase_30d", "churn_90d"}
    # measured 0.870 (purchase, logistic) and 0.770 (churn, logistic); see notes/propensity.md
    assert selected.loc["purchase_30d", "auc"] > 0.7
    assert selected.loc["churn_90d", "auc"] > 0.6
    assert selected.loc["purchase_30d", "top_decile_lift"] > 2
    assert len(calibration) == len(diagnostics) * 10
    assert len(scores) == first_seen
    assert scores["purchase_30d_probability"].between(0, 1).all()
    assert (scores["churn_90d_probability"].notna() == scores["is_buyer"]).all()
    assert scores.loc[scores["is_buyer"], "churn_90d_probability"].between(0, 1).all()
    assert scores["churn_risk"].notna().sum() == scores["is_buyer"].sum()
