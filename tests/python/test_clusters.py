"""Customer clustering (persona.models.clusters; python_models and models/scores/clusters).

Package tests run on synthetic feature frames with planted segments (fast): the deterministic fit
(ids by value, names), the digest of the fit input and the cache of fits (same key -> reuse,
changed features -> refit). The sample tests read the default sample's warehouse: one mart row per
buyer, the adjusted Rand index against the generator's latent archetypes (reported), a rebuild of
the clustering models on a copy of the warehouse (the stored fit is reused, identical labels), and
how many buyers keep their named segment when a refit sees about 1% more data. The fit date
(int_as_of_date.refit_on) is tested by the dbt unit tests of models/calendar.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from conftest import ANSI, one_id_owners_cte, run_dbt
from sklearn.metrics import adjusted_rand_score

from persona.models import clusters
from persona.models.clusters import ClusterSettings

AS_OF = "2026-10-31"
FAST = ClusterSettings(n_init=4, silhouette_sample_size=2000)

# planted segments: (log_recency, log_frequency, log_monetary, discount, coupon, log_active,
# marketplace/own_mall/store share, skincare share)
PLANTED = [
    (3.0, 2.0, 8.0, 0.01, 0.05, 2.0, (0.1, 0.8, 0.1), 0.8),  # high-value engaged own-mall
    (6.5, 0.0, 0.0, 0.02, 0.05, 0.0, (0.9, 0.05, 0.05), 0.5),  # lapsed one-time marketplace
    (4.0, 1.0, 6.0, 0.25, 0.9, 0.3, (0.8, 0.1, 0.1), 0.2),  # discount seekers
    (4.5, 1.2, 6.5, 0.02, 0.05, 0.0, (0.05, 0.05, 0.9), 0.9),  # store skincare
]


def synthetic(
    sizes=(300, 300, 300, 300), seed: int = 0, prefix: str = "p", planted=PLANTED
) -> pd.DataFrame:
    """A cluster_features-like frame with len(sizes) planted, well separated segments."""
    rng = np.random.RandomState(seed)
    parts = []
    for index, (size, spec) in enumerate(zip(sizes, planted, strict=False)):
        recency, frequency, monetary, discount, coupon, active, channels, skincare = spec
        noise = lambda scale, n=size: rng.normal(0, scale, n)  # noqa: E731
        part = pd.DataFrame(
            {
                "log_recency": recency + noise(0.3),
                "log_frequency": np.clip(frequency + noise(0.2), 0, None),
                "log_monetary": np.clip(monetary + noise(0.4), 0, None),
                "discount_share": np.clip(discount + noise(0.02), 0, 1),
                "coupon_share": np.clip(coupon + noise(0.05), 0, 1),
                "log_active_days_90d": np.clip(active + noise(0.2), 0, None),
            }
        )
        shares = np.clip(np.array(channels) + rng.normal(0, 0.05, (size, 3)), 0, None)
        shares /= shares.sum(axis=1, keepdims=True)
        for column, values in zip(["marketplace", "own_mall", "store"], shares.T, strict=True):
            part[f"channel_share__{column}"] = values
        part["category_share__护肤"] = np.clip(skincare + noise(0.05), 0, 1)
        part["category_share__彩妆"] = 1 - part["category_share__护肤"]
        part["recency_days"] = np.expm1(part["log_recency"])
        part["purchase_days_365d"] = np.round(np.expm1(part["log_frequency"]))
        part["net_spend_365d"] = np.expm1(part["log_monetary"])
        part["average_order_value"] = 300.0 + noise(20)
        part["active_days_90d"] = np.round(np.expm1(part["log_active_days_90d"]))
        part.insert(0, "one_id", [f"{prefix}{index}_{i:05d}" for i in range(size)])
        part["truth"] = index
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def names_of(assignments: pd.DataFrame) -> pd.Series:
    return assignments.set_index("one_id")["cluster_name_en"]


# ---------------------------------------------------------------------------------------------
# package


def test_settings_from_meta_casts_strings_and_requires_every_key() -> None:
    values = {
        "k_min": "3",
        "k_max": "8",
        "random_state": "42",
        "n_init": "10",
        "silhouette_sample_size": "10000",
        "min_customers_per_cluster": "10",
        "mix_weight": "1.0",
        "name_min_z": "0.5",
        "max_fit_rows": "100000",
        "k_tolerance": "0.01",
    }
    assert ClusterSettings.from_meta({"clusters_settings": values}) == ClusterSettings()
    with pytest.raises(ValueError, match="clusters_settings"):
        ClusterSettings.from_meta({})
    with pytest.raises(ValueError, match="k_max"):
        ClusterSettings.from_meta(
            {"clusters_settings": {k: v for k, v in values.items() if k != "k_max"}}
        )
    with pytest.raises(ValueError, match="k_min <= k_max"):
        ClusterSettings(k_min=5, k_max=4)
    with pytest.raises(ValueError, match="max_fit_rows must be at least"):
        ClusterSettings(max_fit_rows=50)


def test_buyer_features_keeps_buyers_with_model_and_profile_columns() -> None:
    people = pd.DataFrame(
        {"one_id": ["a", "b", "c"], "first_seen_at": pd.to_datetime(["2026-01-01"] * 3)}
    )
    purchases = pd.DataFrame(
        {
            "one_id": ["a", "a", "b", "c"],
            "purchase_on": pd.to_datetime(["2026-03-01", "2026-10-01", "2026-10-20", "2026-11-05"]),
            "channel_group": ["store", "marketplace", "own_mall", "store"],
            "n_orders": [1, 1, 2, 1],
            "n_coupon_orders": [0, 1, 1, 0],
            "gross_amount": [100.0, 200.0, 50.0, 10.0],
            "discount_amount": [0.0, 20.0, 5.0, 0.0],
            "net_amount": [100.0, 180.0, 45.0, 10.0],
        }
    )
    categories = purchases[["one_id", "purchase_on", "net_amount"]].assign(category_l1="护肤")
    activity = pd.DataFrame(
        {
            "one_id": ["b"],
            "activity_on": pd.to_datetime(["2026-10-30"]),
            "n_events": [3],
            "n_product_views": [1],
            "n_add_to_carts": [0],
        }
    )
    frame = clusters.buyer_features(people, purchases, categories, activity, AS_OF)
    # c bought only after the as-of date: not a buyer yet
    assert frame["one_id"].tolist() == ["a", "b"]
    assert clusters.model_features(frame) == [
        *clusters.BEHAVIOUR_FEATURES,
        "category_share__护肤",
        "channel_share__marketplace",
        "channel_share__own_mall",
        "channel_share__store",
    ]
    a, b = frame.iloc[0], frame.iloc[1]
    assert a["recency_days"] == 30 and a["purchase_days_365d"] == 2
    assert a["channel_share__store"] == pytest.approx(100 / 280)
    assert a["discount_share"] == pytest.approx(20 / 300)
    assert b["log_active_days_90d"] == pytest.approx(np.log(2))
    assert b["coupon_share"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="lacks"):
        clusters.cluster_features(pd.DataFrame({"has_purchased": [1.0]}))


def test_select_k_finds_the_planted_k() -> None:
    frame = synthetic()
    columns = clusters.model_features(frame)
    space = clusters.Space.fit(frame, columns, 1.0)
    k, fits, diagnostics = clusters.select_k(space.transform(frame[columns].to_numpy()), FAST)
    assert k == 4
    assert diagnostics["k"].tolist() == list(range(3, 9))
    assert diagnostics.loc[diagnostics["is_chosen"], "k"].tolist() == [4]
    assert diagnostics["silhouette"].idxmax() == diagnostics.index[diagnostics["is_chosen"]][0]
    # the planted segments are recovered exactly
    labels = pd.crosstab(frame["truth"], fits[4].labels_)
    assert ((labels > 0).sum(axis=1) == 1).all()


def test_select_k_takes_the_smallest_k_within_the_tolerance() -> None:
    """k is the smallest whose silhouette is within k_tolerance of the best: with no tolerance the
    best one; with a tolerance wider than every gap the smallest candidate; in between, a k whose
    silhouette is close to the best wins over a larger best. A tolerance outside [0, 2) is
    refused (silhouettes lie in [-1, 1])."""
    frame = synthetic()
    columns = clusters.model_features(frame)
    points = clusters.Space.fit(frame, columns, 1.0).transform(frame[columns].to_numpy())
    _, _, diagnostics = clusters.select_k(points, replace(FAST, k_tolerance=0.0))
    scores = diagnostics.set_index("k")["silhouette"]
    assert clusters.select_k(points, replace(FAST, k_tolerance=0.0))[0] == scores.idxmax()
    assert clusters.select_k(points, replace(FAST, k_tolerance=1.5))[0] == 3
    best = scores.max()
    for k in scores.index:  # a tolerance just wide enough to reach k's silhouette
        gap = best - scores[k] + 1e-9
        expected = min(j for j in scores.index if scores[j] >= best - gap)
        assert clusters.select_k(points, replace(FAST, k_tolerance=gap))[0] == expected
    for bad in (-0.1, 2.0):
        with pytest.raises(ValueError, match="clusters_k_tolerance"):
            replace(FAST, k_tolerance=bad)


def test_candidate_ks_respect_the_range_and_the_data() -> None:
    assert clusters.candidate_ks(1000, 1000, ClusterSettings()) == [3, 4, 5, 6, 7, 8]
    assert clusters.candidate_ks(55, 55, ClusterSettings()) == [3, 4, 5]
    assert clusters.candidate_ks(1000, 4, ClusterSettings()) == [3]
    assert clusters.candidate_ks(25, 25, ClusterSettings()) == []


def test_names_come_from_the_distinguishing_features() -> None:
    z = pd.Series(
        {
            "log_monetary": 1.2,
            "log_frequency": 0.9,
            "channel_share__store": 0.8,
            "coupon_share": 0.1,
        }
    )
    assert clusters.compose_name(z, 0.5) == (
        "High-value frequent store shoppers",
        "高价值高频门店顾客",
    )
    z = pd.Series({"log_recency": 1.5, "log_frequency": -1.4, "category_share__护肤": 0.6})
    assert clusters.compose_name(z, 0.5) == (
        "Lapsed infrequent skincare lovers",
        "流失低频护肤偏好顾客",
    )
    z = pd.Series({"discount_share": 2.0, "channel_share__own_mall": -1.0, "log_monetary": 0.2})
    assert clusters.compose_name(z, 0.5) == ("Discount seekers", "优惠敏感顾客")
    assert clusters.compose_name(pd.Series({"log_monetary": 0.1}), 0.5) == clusters.AVERAGE_NAME
    # an unknown category speaks its own name
    z = pd.Series({"category_share__Candles": 1.0})
    assert clusters.compose_name(z, 0.5) == ("Candles lovers", "Candles偏好顾客")


def test_unique_names_extend_then_fall_back_to_the_code() -> None:
    z = pd.DataFrame(
        [
            {"log_monetary": 1.0, "log_frequency": 0.8, "log_recency": 0.7, "coupon_share": 0.6},
            {"log_monetary": 1.0, "log_frequency": 0.8, "log_recency": 0.7, "coupon_share": -0.6},
            {"log_monetary": 1.0, "log_frequency": 0.8, "log_recency": 0.7, "coupon_share": -0.6},
        ]
    )
    names = clusters.unique_names(z, ["C01", "C02", "C03"], 0.5)
    assert names[0] == ("High-value frequent buyers", "高价值高频顾客")
    assert names[1] == ("High-value frequent lapsed no-coupon buyers", "高价值高频流失不用券顾客")
    assert names[2] == ("High-value frequent buyers (C03)", "高价值高频顾客（C03）")
    # the earlier id keeps the shorter name
    swapped = clusters.unique_names(z.iloc[[1, 0]].reset_index(drop=True), ["C01", "C02"], 0.5)
    assert swapped[0] == names[0]
    assert swapped[1] == ("High-value frequent lapsed coupon users", "高价值高频流失用券顾客")


def test_a_fit_clusters_names_and_orders_ids_by_value() -> None:
    frame = synthetic()
    run = clusters.fit_run(frame, AS_OF, FAST, fitted_at="2026-11-01")
    row = run.iloc[0]
    assert row["status"] == "clustered" and row["chosen_k"] == 4
    assert row["refit_on"] == pd.Timestamp(AS_OF).date()
    assert row["fit_digest"] == clusters.fit_digest(frame, FAST)
    model = json.loads(row["model_json"])
    monetary = [c["centroid"]["log_monetary"] for c in model["clusters"]]
    assert [c["cluster_id"] for c in model["clusters"]] == [1, 2, 3, 4]
    assert [c["cluster_code"] for c in model["clusters"]] == ["C01", "C02", "C03", "C04"]
    assert monetary == sorted(monetary, reverse=True)
    names = [(c["name_en"], c["name_zh"]) for c in model["clusters"]]
    assert len({en for en, _ in names}) == 4 and len({zh for _, zh in names}) == 4
    assert all(en.isascii() and not zh.isascii() for en, zh in names)
    by_truth = clusters.assign(frame, run.drop(columns="fitted_at")).assign(truth=frame["truth"])
    named = by_truth.groupby("truth")["cluster_name_en"].agg(lambda s: s.mode()[0]).to_dict()
    assert named[0] == "Engaged frequent own-mall shoppers"  # active, frequent, own mall
    assert named[1].startswith("Lapsed") or named[1].startswith("Low-spend")
    assert "Discount seekers" in named[2] or "coupon users" in named[2].lower()
    assert "store shoppers" in named[3].lower() or "skincare" in named[3].lower()


def test_assignment_equals_the_runs_kmeans_sizes_and_profiles_add_up() -> None:
    frame = synthetic(sizes=(400, 250, 300, 150))
    run = clusters.fit_run(frame, AS_OF, FAST)
    model = json.loads(run["model_json"].iloc[0])
    assigned = clusters.assign(frame, run)
    assert assigned["one_id"].is_unique and len(assigned) == len(frame)
    sizes = assigned["cluster_id"].value_counts().to_dict()
    assert sizes == {c["cluster_id"]: c["size"] for c in model["clusters"]}
    assert (assigned["distance_to_centroid"] >= 0).all()
    profile = clusters.profiles(frame, assigned, run)
    assert profile["n_customers"].sum() == len(frame)
    assert profile["customer_share"].sum() == pytest.approx(1.0)
    own_mall = profile[profile["top_channel"] == "own_mall"].iloc[0]
    assert own_mall["mean_net_spend_365d"] == profile["mean_net_spend_365d"].max()
    assert set(profile["top_category"]) <= {"护肤", "彩妆"}
    diagnostics = clusters.diagnostics(run)
    assert diagnostics["k"].tolist() == list(range(3, 9))
    assert diagnostics["is_chosen"].sum() == 1 and (diagnostics["status"] == "clustered").all()
    assert list(diagnostics.columns) == clusters.DIAGNOSTIC_COLUMNS
    assert (diagnostics["fitted_on"] == pd.Timestamp(AS_OF).date()).all()
    assert (diagnostics["n_customers"] == len(frame)).all()


def test_kmeans_capped_at_max_fit_rows_finds_the_same_segments_and_counts_everyone() -> None:
    """Above max_fit_rows KMeans learns from a fixed-seed sample; every buyer is still assigned
    and counted, and the planted segments come out as they do from a fit on everyone."""
    frame = synthetic(sizes=(400, 250, 300, 150))
    points = np.arange(20.0).reshape(10, 2)
    sample = clusters.fit_sample(
        points, ClusterSettings(k_max=3, min_customers_per_cluster=1, max_fit_rows=4)
    )
    assert len(sample) == 4 and np.all(np.diff(sample[:, 0]) > 0)
    assert clusters.fit_sample(points, FAST) is points
    sampled = ClusterSettings(n_init=4, silhouette_sample_size=2000, max_fit_rows=300)
    run = clusters.fit_run(frame, AS_OF, sampled)
    again = clusters.fit_run(frame, AS_OF, sampled)
    pd.testing.assert_frame_equal(run.drop(columns="fitted_at"), again.drop(columns="fitted_at"))
    model = json.loads(run["model_json"].iloc[0])
    assert run["chosen_k"].iloc[0] == 4
    assert sum(c["size"] for c in model["clusters"]) == len(frame)
    assigned = clusters.assign(frame, run)
    full = clusters.assign(frame, clusters.fit_run(frame, AS_OF, FAST))
    assert adjusted_rand_score(full["cluster_id"], assigned["cluster_id"]) > 0.95
    sizes = assigned["cluster_id"].value_counts().to_dict()
    assert sizes == {c["cluster_id"]: c["size"] for c in model["clusters"]}


def test_the_same_features_give_an_identical_fit_in_any_row_order() -> None:
    frame = synthetic(seed=3)
    first = clusters.fit_run(frame, AS_OF, FAST, fitted_at="2026-11-01")
    shuffled = frame.sample(frac=1.0, random_state=7)
    again = clusters.fit_run(shuffled, AS_OF, FAST, fitted_at="2026-12-01")
    pd.testing.assert_frame_equal(first.drop(columns="fitted_at"), again.drop(columns="fitted_at"))
    pd.testing.assert_frame_equal(clusters.assign(frame, first), clusters.assign(shuffled, again))


def test_the_digest_is_the_fit_input_and_the_settings() -> None:
    frame = synthetic(seed=3)
    digest = clusters.fit_digest(frame, FAST)
    assert len(digest) == 64 and digest == clusters.fit_digest(frame.iloc[::-1], FAST)
    # profile columns are not fit input; a model feature, a buyer or a setting is
    assert digest == clusters.fit_digest(frame.assign(recency_days=0.0), FAST)
    moved = frame.copy()
    moved.loc[5, "coupon_share"] += 1e-9
    assert clusters.fit_digest(moved, FAST) != digest
    assert clusters.fit_digest(frame.iloc[1:], FAST) != digest
    renamed = frame.assign(one_id=frame["one_id"].str.replace("p0_00000", "q"))
    assert clusters.fit_digest(renamed, FAST) != digest
    assert clusters.fit_digest(frame, ClusterSettings(n_init=4, silhouette_sample_size=2001)) != (
        digest
    )


def test_the_cache_reuses_a_stored_fit_and_refits_on_changed_features() -> None:
    frame = synthetic(seed=4)
    FAST = ClusterSettings(k_min=4, k_max=4, n_init=2, silhouette_sample_size=2000)  # noqa: N806
    key = clusters.fit_key(frame, AS_OF, FAST)
    assert key.iloc[0].to_dict() == {
        "refit_on": pd.Timestamp(AS_OF).date(),
        "fit_digest": clusters.fit_digest(frame, FAST),
        "n_customers": len(frame),
    }
    first = clusters.fit_or_reuse(frame, None, key, FAST, fitted_at="2026-11-01")
    assert len(first) == 1 and first["fit_digest"].iloc[0] == key["fit_digest"].iloc[0]
    assert len(clusters.fit_or_reuse(frame, first.iloc[:0], key, FAST)) == 1  # empty cache

    def never() -> pd.DataFrame:
        raise AssertionError("a stored fit must not read the features")

    reused = clusters.fit_or_reuse(never, first, key, FAST)
    assert reused.empty and list(reused.columns) == clusters.RUN_COLUMNS
    # late data changes the features as of the same fit date: a new digest, a refit
    late = frame.copy()
    late.loc[0, "log_monetary"] += 0.5
    late_key = clusters.fit_key(late, AS_OF, FAST)
    assert late_key["fit_digest"].iloc[0] != key["fit_digest"].iloc[0]
    refit = clusters.fit_or_reuse(late, first, late_key, FAST)
    assert len(refit) == 1 and refit["refit_on"].iloc[0] == first["refit_on"].iloc[0]
    cache = pd.concat([first, refit], ignore_index=True)
    # the same features as of another fit date are another fit
    other_day = clusters.fit_key(frame, "2026-09-30", FAST)
    assert len(clusters.fit_or_reuse(frame, cache, other_day, FAST)) == 1
    # each build reads the fit of its own key, whichever was stored last
    for used, expected in ((key, first), (late_key, refit)):
        current = clusters.current_run(cache, used)
        pd.testing.assert_frame_equal(
            current, expected.drop(columns="fitted_at").reset_index(drop=True)
        )
    with pytest.raises(ValueError, match="no fit for the key"):
        clusters.current_run(cache, other_day)
    with pytest.raises(ValueError, match="not the ones of the fit key"):
        clusters.fit_or_reuse(late, None, key, FAST)
    with pytest.raises(ValueError, match="full-refresh"):
        clusters.fit_or_reuse(frame, first.rename(columns={"fit_digest": "x"}), key, FAST)


def test_a_refit_on_a_week_more_data_keeps_most_customers_in_the_same_named_cluster() -> None:
    """No matching to the previous fit: ids follow value and names the centres, so on 1% changed
    data the same customers still get the same code and name."""
    frame = synthetic(sizes=(500, 500, 500, 500), seed=5)
    first = clusters.fit_run(frame, AS_OF, FAST)
    # 1% of the customers leave, 1% newcomers arrive, everybody's features move a little
    rng = np.random.RandomState(9)
    kept = frame.sample(frac=0.99, random_state=1).copy()
    columns = clusters.model_features(frame)
    kept[columns] = kept[columns] + rng.normal(0, 0.05, (len(kept), len(columns)))
    newcomers = synthetic(sizes=(5, 5, 5, 5), seed=11, prefix="new")
    grown = pd.concat([kept, newcomers], ignore_index=True)
    second = clusters.fit_run(grown, "2026-11-30", FAST)
    before = clusters.assign(frame, first).set_index("one_id")
    after = clusters.assign(grown, second).set_index("one_id")
    shared = before.index.intersection(after.index)
    for column in ("cluster_code", "cluster_name_en"):
        assert (before.loc[shared, column] == after.loc[shared, column]).mean() >= 0.95


def test_ids_follow_value_whatever_the_number_of_clusters() -> None:
    three = ClusterSettings(k_min=3, k_max=3, n_init=4)
    four = ClusterSettings(k_min=4, k_max=4, n_init=4)
    for settings_ in (three, four):
        run = clusters.fit_run(synthetic(seed=2), AS_OF, settings_)
        model = json.loads(run["model_json"].iloc[0])
        ids = [c["cluster_id"] for c in model["clusters"]]
        assert ids == list(range(1, settings_.k_min + 1))
        monetary = [c["centroid"]["log_monetary"] for c in model["clusters"]]
        assert monetary == sorted(monetary, reverse=True)


def test_too_few_buyers_give_a_status_and_no_assignments() -> None:
    tiny = synthetic(sizes=(3, 3, 3, 3))
    run = clusters.fit_run(tiny, AS_OF, ClusterSettings())
    assert run["status"].iloc[0] == "too_few_customers"
    assert "12 buyers" in run["status_detail"].iloc[0] and pd.isna(run["chosen_k"].iloc[0])
    assert clusters.assign(tiny, run).empty
    assert clusters.profiles(tiny, clusters.assign(tiny, run), run).empty
    diagnostics = clusters.diagnostics(run)
    assert len(diagnostics) == 1 and diagnostics["status"].iloc[0] == "too_few_customers"
    assert pd.isna(diagnostics["k"].iloc[0]) and not diagnostics["is_chosen"].iloc[0]
    # no buyers at all, and buyers who all look the same
    empty = tiny.iloc[:0]
    assert clusters.fit_run(empty, AS_OF, ClusterSettings())["status"].iloc[0] == (
        "too_few_customers"
    )
    same = pd.concat([tiny.iloc[[0]]] * 50, ignore_index=True).assign(
        one_id=[f"x{i}" for i in range(50)]
    )
    assert clusters.fit_run(same, AS_OF, ClusterSettings())["status"].iloc[0] == (
        "too_few_customers"
    )


def test_a_single_channel_brand_clusters_without_channel_variance() -> None:
    frame = synthetic()
    frame["channel_share__marketplace"] = 1.0
    frame["channel_share__own_mall"] = 0.0
    frame["channel_share__store"] = 0.0
    run = clusters.fit_run(frame, AS_OF, FAST)
    assert run["status"].iloc[0] == "clustered"
    assert clusters.assign(frame, run)["cluster_id"].notna().all()


def test_a_bad_model_refit_every_stops_the_build_with_the_allowed_values(tmp_path: Path) -> None:
    """The fit date itself (build, month with month ends and leap days, every N days) is tested by
    the dbt unit tests of int_as_of_date (models/calendar/_calendar__unit_tests.yml)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for value in ("weekly", "0"):
        result = run_dbt(
            ["compile", "-s", "int_as_of_date", "--vars", f"{{model_refit_every: '{value}'}}"],
            raw,
            tmp_path,
        )
        output = ANSI.sub("", result.stdout)
        assert result.returncode != 0, output[-2000:]
        assert "must be 'month'" in output and f"got '{value}'" in output, output[-2000:]


# ---------------------------------------------------------------------------------------------
# the default sample


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]):
    con = duckdb.connect(str(default_sample[0] / "w.duckdb"), read_only=True)
    yield con
    con.close()


def test_sample_every_buyer_gets_one_named_segment(warehouse) -> None:
    buyers = warehouse.sql(
        """
        select count(distinct one_id) from intermediate.int_customer_purchase_days
        where purchase_on <= (select as_of_date from intermediate.int_as_of_date)
        """
    ).fetchall()[0][0]
    rows = warehouse.sql("select * from marts.dim_customer_clusters").df()
    assert len(rows) == buyers > 5000 and rows["one_id"].is_unique
    profile = warehouse.sql("select * from marts.rpt_cluster_profiles order by cluster_id").df()
    diagnostics = warehouse.sql("select * from marts.rpt_cluster_diagnostics").df()
    chosen = diagnostics.loc[diagnostics["is_chosen"], "k"].tolist()
    assert diagnostics["status"].eq("clustered").all() and chosen == [len(profile)]
    assert 3 <= len(profile) <= 8 and profile["n_customers"].sum() == buyers
    assert profile["cluster_name_en"].is_unique and profile["cluster_name_zh"].is_unique
    print("\nsample segments:")
    print(
        profile[["cluster_code", "cluster_name_en", "cluster_name_zh", "n_customers"]].to_string()
    )
    print(diagnostics[["k", "silhouette", "is_chosen"]].to_string())


def test_sample_adjusted_rand_index_against_the_archetypes(warehouse, default_sample) -> None:
    """The generator's latent archetype of each OneID's majority person (about half the buyers
    map to a person). Reported; the archetypes overlap heavily in the observed features (a
    one-off buyer and a lapsed one look alike), so the ARI is low."""
    from sklearn.metrics import adjusted_rand_score

    truth = default_sample[1] / "_truth"
    rows = warehouse.sql(
        f"""
        with {one_id_owners_cte(truth)}
        select clusters.cluster_code, persons.archetype
        from marts.dim_customer_clusters as clusters
        inner join owners using (one_id)
        inner join '{truth / "persons.parquet"}' as persons using (person_id)
        """
    ).df()
    assert len(rows) > 2000
    ari = adjusted_rand_score(rows["archetype"], rows["cluster_code"])
    print(f"\nadjusted Rand index vs archetypes ({len(rows)} buyers mapped to a person): {ari:.3f}")
    print(pd.crosstab(rows["archetype"], rows["cluster_code"]).to_string())
    assert ari > 0.04  # measured 0.081 (seed 42)


def test_sample_rebuild_gives_identical_labels(default_sample, tmp_path: Path) -> None:
    workdir, raw = default_sample
    shutil.copy2(workdir / "w.duckdb", tmp_path / "w.duckdb")
    started = time.perf_counter()
    result = run_dbt(["run", "-s", "int_cluster_runs+"], raw, tmp_path)
    print(f"\nrebuild of the clustering models: {time.perf_counter() - started:.1f} s")
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]
    query = (
        "select * exclude (distance_to_centroid) from marts.dim_customer_clusters order by one_id"
    )
    with duckdb.connect(str(workdir / "w.duckdb"), read_only=True) as con:
        before = con.sql(query).df()
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        after = con.sql(query).df()
        runs = con.sql("select * from intermediate.int_cluster_runs").df()
    pd.testing.assert_frame_equal(before, after)
    # the rebuild's key was stored: the fit was reused, nothing appended
    assert len(runs) == 1 and runs["status"].iloc[0] == "clustered"


def _sample_histories(warehouse) -> tuple[pd.DataFrame, ...]:
    return tuple(
        warehouse.sql(sql).df()
        for sql in (
            "select one_id, first_seen_at from marts.dim_customers",
            "select * from intermediate.int_customer_purchase_days",
            "select * from intermediate.int_customer_category_days",
            "select * from intermediate.int_customer_activity_days",
        )
    )


def test_sample_a_refit_on_one_percent_more_data_keeps_the_named_segments(warehouse) -> None:
    """Package route on the sample's real histories, no matching between fits: the fit of a week
    earlier (1.1% fewer buyers, every feature a week younger) against the fit as of the as-of
    date, and that fit against one on the same features plus 1% duplicated-and-jittered
    newcomers. How many shared buyers keep their segment's name is reported. Without matching a
    refit keeps the segments only when it keeps k: on the sample the silhouettes of k = 5 and
    k = 6 a week apart differ by 0.0006 and the week-earlier fit picks 6 (measured 0.459 in the
    same-named segment, DECISIONS.md 2026-12-06); with the same k the names must hold."""
    histories = _sample_histories(warehouse)
    as_of = pd.Timestamp(
        warehouse.sql("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    )
    settings_ = ClusterSettings()
    earlier = clusters.buyer_features(*histories, as_of - pd.Timedelta(days=7))
    now = clusters.buyer_features(*histories, as_of)
    assert 1.005 < len(now) / len(earlier) < 1.02
    started = time.perf_counter()
    first = clusters.fit_run(earlier, as_of - pd.Timedelta(days=7), settings_)
    print(f"\nfit_run on {len(earlier)} buyers: {time.perf_counter() - started:.1f} s")
    second = clusters.fit_run(now, as_of, settings_)
    before, after = (
        names_of(clusters.assign(earlier, first)),
        names_of(clusters.assign(now, second)),
    )
    shared = before.index.intersection(after.index)
    week = (before[shared] == after[shared]).mean()

    rng = np.random.RandomState(0)
    newcomers = now.sample(frac=0.01, random_state=0).copy()
    columns = clusters.model_features(now)
    newcomers[columns] += rng.normal(0, 0.1, (len(newcomers), len(columns)))
    newcomers["one_id"] = "new_" + newcomers["one_id"]
    grown = pd.concat([now, newcomers], ignore_index=True)
    third = clusters.fit_run(grown, as_of, settings_)
    grown_names = names_of(clusters.assign(grown, third))
    more = (after == grown_names[after.index]).mean()
    ks = [int(run["chosen_k"].iloc[0]) for run in (first, second, third)]
    print(f"same-named segment: {week:.4f} after a week more data, {more:.4f} with 1% newcomers")
    print(f"chosen k: {ks[0]} a week earlier, {ks[1]} as of the as-of date, {ks[2]} with newcomers")
    # the smallest k within clusters_k_tolerance of the best: a week's more data keeps k (without
    # the tolerance the week-earlier fit picked 6 and 45.9% kept their segment's name)
    assert ks[0] == ks[1] == ks[2], ks
    assert week >= 0.9 and more >= 0.95
