"""Lookalike (persona.models.lookalike): recall on planted clusters, the held-out split, the
expansion's size and membership, status rows on tiny data, and the models on the default sample."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from persona.models import lookalike
from persona.models.features import Histories
from persona.models.lookalike import LookalikeSettings

AS_OF = pd.Timestamp("2026-06-30")
START = pd.Timestamp("2026-01-01")
PURCHASE_COLUMNS = [
    "one_id",
    "purchase_on",
    "channel_group",
    "n_orders",
    "n_coupon_orders",
    "gross_amount",
    "discount_amount",
    "net_amount",
]


def clustered_histories(n_cluster: int = 150, n_rest: int = 850, seed: int = 3):
    """A planted cluster of store shoppers who buy skincare every ~10 days for large amounts, and
    a crowd of occasional marketplace buyers of make-up. The seed is part of the cluster."""
    rng = np.random.default_rng(seed)
    purchases, categories = [], []
    one_ids = []
    for i in range(n_cluster + n_rest):
        in_cluster = i < n_cluster
        one_id = f"{'c' if in_cluster else 'r'}_{i:05d}"
        one_ids.append(one_id)
        n_days = rng.poisson(18 if in_cluster else 2)
        for day in rng.choice((AS_OF - START).days, size=n_days, replace=False):
            on = START + pd.Timedelta(days=int(day))
            amount = float(rng.normal(900, 100) if in_cluster else rng.normal(120, 40))
            channel = "store" if in_cluster else "marketplace"
            purchases.append((one_id, on, channel, 1, 0, amount, 0.0, amount))
            categories.append((one_id, on, "skin" if in_cluster else "makeup", amount))
    return {
        "people": pd.DataFrame({"one_id": one_ids, "first_seen_on": START}),
        "purchase_days": pd.DataFrame(purchases, columns=PURCHASE_COLUMNS),
        "category_days": pd.DataFrame(
            categories, columns=["one_id", "purchase_on", "category_l1", "net_amount"]
        ),
        "activity_days": pd.DataFrame(
            columns=["one_id", "activity_on", "n_events", "n_product_views", "n_add_to_carts"]
        ),
    }


def seed_frame(members, size: int, code: str = "vip") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seed_audience_code": code,
            "expansion_audience_code": f"{code}_lookalike",
            "expansion_size": size,
            "one_id": sorted(members),
        }
    )


@pytest.fixture(scope="module")
def histories():
    return clustered_histories()


@pytest.fixture(scope="module")
def seeds(histories):
    cluster = [one_id for one_id in histories["people"]["one_id"] if one_id.startswith("c_")]
    return seed_frame(cluster[:60], size=90)


def test_recall_at_k_by_hand():
    ranked = ["a", "b", "c", "d", "e"]
    assert lookalike.recall_at_k(ranked, {"b", "e"}, 2) == (1, 0.5)
    assert lookalike.recall_at_k(ranked, {"b", "e"}, 5) == (2, 1.0)
    assert np.isnan(lookalike.recall_at_k(ranked, set(), 2)[1])


def test_split_seed_is_deterministic_disjoint_and_sized():
    members = {f"m{i:03d}" for i in range(101)}
    train, held = lookalike.split_seed(members, 0.2, "vip")
    assert train | held == members and not train & held
    assert len(held) == 20
    assert lookalike.split_seed(members, 0.2, "vip") == (train, held)


def test_rank_candidates_puts_the_planted_cluster_first():
    rng = np.random.default_rng(0)
    cluster = pd.DataFrame(rng.normal(3, 0.5, size=(100, 4)))
    crowd = pd.DataFrame(rng.normal(0, 1, size=(900, 4)))
    features = pd.concat([cluster, crowd], ignore_index=True)
    features.index = [f"p{i:04d}" for i in range(1000)]
    seed = set(features.index[:50])
    candidates = features.index[50:]
    ranked = lookalike.rank_candidates(features, seed, candidates)
    assert ranked["score_rank"].tolist() == list(range(1, 951))
    top = set(ranked["one_id"].iloc[:50])
    assert len(top & set(features.index[50:100])) >= 45
    # capped at 300 training rows: every seed member and 250 others; the cluster still comes first
    labels = features.index.isin(list(seed)).astype(int)
    rows = lookalike.training_rows(labels, 300)
    assert len(rows) == 300 and set(range(50)) <= set(rows) and np.all(np.diff(rows) > 0)
    assert len(lookalike.training_rows(labels, 5000)) == 1000
    capped = lookalike.rank_candidates(features, seed, candidates, max_rows=300)
    assert len(capped) == 950
    assert len(set(capped["one_id"].iloc[:50]) & set(features.index[50:100])) >= 45


def test_diagnostics_recall_on_planted_clusters(histories, seeds):
    settings = LookalikeSettings()
    result = lookalike.diagnostics(
        Histories(**histories), seeds=seeds, as_of=AS_OF, settings=settings
    )
    assert result["status"].tolist() == ["evaluated"] * 3
    assert result["k_basis"].tolist() == ["expansion_size_x1", "expansion_size_x2", "held_out"]
    first = result.iloc[0]
    assert first["n_seed"] == 60 and first["n_held_out"] == 12 and first["n_train_seed"] == 48
    assert first["n_candidates"] == 1000 - 48
    assert first["k"] == 90
    # 102 cluster members compete for the top 90 (a random ranking finds 9.5% of the held-out)
    assert first["recall_at_k"] >= 0.75
    # the cluster is far from the crowd: all of it fits in the top 180
    assert result.iloc[1]["recall_at_k"] == 1.0
    assert first["base_rate"] == pytest.approx(90 / 952)
    assert first["lift"] == pytest.approx(first["recall_at_k"] / (90 / 952))
    again = lookalike.diagnostics(
        Histories(**histories), seeds=seeds, as_of=AS_OF, settings=settings
    )
    pd.testing.assert_frame_equal(result, again)


def test_expansion_excludes_the_seed_and_has_the_configured_size(histories, seeds):
    scores = lookalike.score(
        Histories(**histories), seeds=seeds, as_of=AS_OF, settings=LookalikeSettings()
    )
    assert list(scores.columns) == lookalike.SCORE_COLUMNS
    assert not scores["one_id"].isin(seeds["one_id"]).any()
    assert len(scores) == 1000 - 60
    selected = scores[scores["is_selected"]]
    assert len(selected) == 90
    # the rest of the planted cluster (90 people) is exactly the expansion
    assert selected["one_id"].str.startswith("c_").all()
    assert scores["score"].between(0, 1).all()


def test_expansion_larger_than_the_candidates_selects_everyone(histories, seeds):
    big = seeds.assign(expansion_size=5000)
    scores = lookalike.score(
        Histories(**histories), seeds=big, as_of=AS_OF, settings=LookalikeSettings()
    )
    assert scores["is_selected"].all() and len(scores) == 940


def test_tiny_seed_and_no_seed_give_status_rows(histories, seeds):
    settings = LookalikeSettings()
    tiny = seeds.iloc[:5]
    result = lookalike.diagnostics(
        Histories(**histories), seeds=tiny, as_of=AS_OF, settings=settings
    )
    assert result["status"].tolist() == ["too_few_seed_members"]
    assert "need 20" in result["status_detail"].iloc[0]
    assert lookalike.score(Histories(**histories), seeds=tiny, as_of=AS_OF, settings=settings).empty
    none = seeds.iloc[0:0]
    result = lookalike.diagnostics(
        Histories(**histories), seeds=none, as_of=AS_OF, settings=settings
    )
    assert result["status"].tolist() == ["no_seed_members"]
    empty = lookalike.score(Histories(**histories), seeds=none, as_of=AS_OF, settings=settings)
    assert list(empty.columns) == lookalike.SCORE_COLUMNS and empty.empty
    assert empty["one_id"].dtype == "string" and result["seed_audience_code"].dtype == "string"


def test_settings_from_meta_parses_strings():
    meta = {
        "lookalike_settings": {
            "holdout_share": "0.2",
            "min_seed": "20",
            "recall_k_multiples": "[1, 2]",
            "max_training_rows": "200000",
        }
    }
    assert LookalikeSettings.from_meta(meta) == LookalikeSettings()
    with pytest.raises(ValueError, match="lookalike_settings"):
        LookalikeSettings.from_meta(None)


def test_sample_lookalike_expansion_and_diagnostics(default_sample):
    workdir, _ = default_sample
    with duckdb.connect(str(workdir / "w.duckdb"), read_only=True) as con:
        seeds = con.sql("select * from intermediate.int_lookalike_seeds").df()
        scores = con.sql("select * from intermediate.int_lookalike_scores").df()
        diagnostics = con.sql("select * from marts.rpt_lookalike_diagnostics").df()
        tgi = con.sql("select * from marts.rpt_lookalike_tgi").df()
    assert not seeds.empty
    for (seed, size), members in seeds.groupby(["seed_audience_code", "expansion_size"]):
        mine = scores[scores["seed_audience_code"] == seed]
        assert not mine["one_id"].isin(members["one_id"]).any()
        assert mine["is_selected"].sum() == min(size, len(mine))
        assert mine["one_id"].is_unique
    evaluated = diagnostics[diagnostics["status"] == "evaluated"]
    assert set(evaluated["seed_audience_code"]) == set(seeds["seed_audience_code"])
    # measured recall 1.0 at K = 1000 on vip_high_value (net_spend_365d nearly defines the seed)
    at_size = evaluated[evaluated["k_basis"] == "expansion_size_x1"]
    assert (at_size["recall_at_k"] > at_size["base_rate"]).all()
    assert set(tgi["seed_audience_code"]) == set(seeds["seed_audience_code"])
    assert (
        tgi["n_expansion"].max() == scores.groupby("seed_audience_code")["is_selected"].sum().max()
    )
