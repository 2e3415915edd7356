"""Recommendations (models/scores/recommendations): the evaluation mart against an oracle in pandas,
the popularity baseline rebuilt from the facts, the exclusion rule, and the generator's truth.

The metrics follow the standard definitions (e.g. Järvelin & Kekäläinen 2002 for NDCG): for a
person with relevant set R (the distinct products bought in the window) and a ranked list L of 10,
hit = |L ∩ R| > 0, recall@10 = |L ∩ R| / |R|, DCG@10 = Σ over hits of 1 / log2(rank + 1), and
NDCG@10 = DCG@10 / IDCG with IDCG the DCG of min(10, |R|) hits at the top. Each is averaged over
the people evaluated. The warehouse is the session's default sample (tests/python/conftest.py).
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import one_id_owners_cte


def ranking_metrics(lists: pd.DataFrame, relevant: pd.DataFrame) -> pd.DataFrame:
    """Per person of `relevant` (one_id, product_id: what they bought), from `lists` (one_id,
    recommendation_rank, product_id): n_relevant, n_hits, hit, recall, ndcg."""
    rows = []
    ranked = {one_id: group for one_id, group in lists.groupby("one_id")}
    for one_id, group in relevant.groupby("one_id"):
        bought = set(group["product_id"])
        listed = ranked.get(one_id)
        hits = (
            []
            if listed is None
            else list(listed[listed["product_id"].isin(bought)]["recommendation_rank"])
        )
        dcg = sum(1.0 / math.log2(rank + 1) for rank in hits)
        ideal = sum(
            1.0 / math.log2(position + 1) for position in range(1, min(10, len(bought)) + 1)
        )
        rows.append(
            {
                "one_id": one_id,
                "n_relevant": len(bought),
                "n_hits": len(hits),
                "hit": len(hits) > 0,
                "recall": len(hits) / len(bought),
                "ndcg": dcg / ideal,
            }
        )
    return pd.DataFrame(rows)


def test_ranking_metrics_on_a_hand_made_case() -> None:
    lists = pd.DataFrame(
        {
            "one_id": ["p", "p", "p", "q"],
            "recommendation_rank": [1, 2, 3, 1],
            "product_id": ["X", "A", "Y", "A"],
        }
    )
    relevant = pd.DataFrame({"one_id": ["p", "p", "q", "r"], "product_id": ["X", "Y", "Z", "Z"]})
    metrics = ranking_metrics(lists, relevant).set_index("one_id")
    assert metrics.loc["p", "n_hits"] == 2 and metrics.loc["p", "recall"] == 1.0
    assert metrics.loc["p", "ndcg"] == pytest.approx((1 + 0.5) / (1 + 1 / math.log2(3)))
    assert not metrics.loc["q", "hit"] and metrics.loc["q", "ndcg"] == 0
    assert metrics.loc["r", "recall"] == 0  # no list at all: a miss


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(default_sample[0] / "w.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def evaluation(warehouse) -> pd.DataFrame:
    return warehouse.sql("select * from marts.rpt_recommendation_evaluation").df()


def _cutoff(warehouse) -> tuple:
    return warehouse.sql(
        "select cutoff_on, as_of_date from intermediate.int_recommendation_cutoffs"
        " where cutoff_purpose = 'evaluate'"
    ).fetchall()[0]


def test_evaluation_mart_equals_the_pandas_oracle(warehouse, evaluation) -> None:
    """The people evaluated, their purchases in the window, their stage on the cutoff and the
    three metrics, recomputed from the facts and the two lists."""
    cutoff, as_of = _cutoff(warehouse)
    people = warehouse.sql(
        f"""
        select distinct customers.one_id
        from marts.dim_customers as customers
        inner join marts.fct_order_items as items on customers.one_id = items.one_id
        where items.is_purchase and items.product_id is not null
            and items.order_on > date '{cutoff}' and items.order_on <= date '{as_of}'
            and cast(customers.first_seen_at as date) <= date '{cutoff}'
        """
    ).df()
    relevant = warehouse.sql(
        f"""
        select distinct one_id, product_id from marts.fct_order_items
        where is_purchase and product_id is not null
            and order_on > date '{cutoff}' and order_on <= date '{as_of}'
        """
    ).df()
    relevant = relevant[relevant["one_id"].isin(people["one_id"])]
    stages = warehouse.sql(
        f"""
        select one_id, lifecycle_stage from marts.fct_customer_lifecycle_history
        where entered_on <= date '{cutoff}' and (exited_on is null or exited_on > date '{cutoff}')
        """
    ).df()
    lists = {
        "recommender": warehouse.sql(
            f"""select one_id, recommendation_rank, product_id
            from intermediate.int_recommendations_ranked where cutoff_on = date '{cutoff}'"""
        ).df(),
        "popularity": warehouse.sql(
            "select one_id, recommendation_rank, product_id"
            " from intermediate.int_recommendation_baseline_ranked"
        ).df(),
    }
    assert len(people) > 500
    for method, ranked in lists.items():
        metrics = ranking_metrics(ranked, relevant).merge(stages, on="one_id", how="left")
        metrics["lifecycle_stage"] = metrics["lifecycle_stage"].fillna("prospect")
        scopes = [("all", metrics)] + list(metrics.groupby("lifecycle_stage"))
        mart = evaluation[evaluation["method"] == method].set_index("lifecycle_stage")
        assert set(mart.index) == {scope for scope, _ in scopes}
        for scope, group in scopes:
            row = mart.loc[scope]
            assert row["persons"] == len(group), (method, scope)
            assert row["purchased_products"] == group["n_relevant"].sum()
            assert row["hit_rate_at_10"] == pytest.approx(group["hit"].mean(), abs=1e-6)
            assert row["recall_at_10"] == pytest.approx(group["recall"].mean(), abs=1e-6)
            assert row["ndcg_at_10"] == pytest.approx(group["ndcg"].mean(), abs=1e-6)


def test_the_baseline_is_the_ten_best_sellers_not_yet_bought(warehouse) -> None:
    cutoff, _ = _cutoff(warehouse)
    days = warehouse.sql(
        "select datediff('day', cutoff_on, as_of_date) from intermediate.int_recommendation_cutoffs"
        " where cutoff_purpose = 'evaluate'"
    ).fetchall()[0][0]
    assert days == 30
    sellers = warehouse.sql(
        f"""
        select products.product_id, count(distinct items.one_id) as buyers
        from staging.stg_catalog__products as products
        left join marts.fct_order_items as items
            on products.product_id = items.product_id and items.is_purchase
            and items.one_id is not null
            and items.order_on > date '{cutoff}' - interval 90 day
            and items.order_on <= date '{cutoff}'
        where products.launched_on is null or products.launched_on <= date '{cutoff}'
        group by products.product_id
        """
    ).df()
    order = list(
        sellers.sort_values(["buyers", "product_id"], ascending=[False, True])["product_id"]
    )
    bought = warehouse.sql(
        f"""select distinct one_id, product_id from marts.fct_order_items
        where is_purchase and one_id is not null and order_on <= date '{cutoff}'"""
    ).df()
    bought_by = bought.groupby("one_id")["product_id"].agg(set).to_dict()
    baseline = warehouse.sql(
        "select one_id, product_id from intermediate.int_recommendation_baseline_ranked"
        " order by one_id, recommendation_rank"
    ).df()
    for one_id, group in baseline.groupby("one_id"):
        expected = [p for p in order if p not in bought_by.get(one_id, set())][:10]
        assert list(group["product_id"]) == expected, one_id


def test_the_recommender_beats_popularity_on_the_sample(evaluation) -> None:
    """The generator gives every person a latent favourite category that 65% of their order lines
    come from; a recommender that learns it must clearly beat the best sellers."""
    overall = evaluation[evaluation["lifecycle_stage"] == "all"].set_index("method")
    for metric in ("hit_rate_at_10", "recall_at_10", "ndcg_at_10"):
        assert overall.loc["recommender", metric] >= 1.2 * overall.loc["popularity", metric], metric


def test_every_person_gets_ten_products_on_sale_not_bought_unless_restock(warehouse) -> None:
    # people who refused personalisation (PIPL art. 24) or asked for a restriction get none
    counts = warehouse.sql(
        """
        select
            customers.one_id,
            count(recommendations.product_id) as n,
            customers.is_restricted or customers.one_id in (
                select one_id from marts.dim_customer_consents
                where purpose = 'personalisation' and not is_consented
            ) as is_refused
        from marts.dim_customers as customers
        left join marts.fct_customer_recommendations as recommendations using (one_id)
        group by customers.one_id, customers.is_restricted
        """
    ).df()
    assert (counts.loc[~counts["is_refused"], "n"] == 10).all()
    assert (counts.loc[counts["is_refused"], "n"] == 0).all()
    assert counts["is_refused"].sum() > 100
    bought_again = warehouse.sql(
        """
        select count(*) from marts.fct_customer_recommendations as recommendations
        inner join marts.fct_order_items as items
            on recommendations.one_id = items.one_id
            and recommendations.product_id = items.product_id
            and items.is_purchase
        where recommendations.reason_code <> 'restock'
        """
    ).fetchall()[0][0]
    assert bought_again == 0
    not_on_sale = warehouse.sql(
        """
        select count(*) from marts.fct_customer_recommendations as recommendations
        inner join staging.stg_catalog__products as products using (product_id)
        where products.launched_on > recommendations.as_of_date
        """
    ).fetchall()[0][0]
    assert not_on_sale == 0
    reasons = warehouse.sql(
        "select reason_code, count(*) as n from marts.fct_customer_recommendations group by 1"
    ).df()
    assert set(reasons["reason_code"]) == {"restock", "co_occurrence", "category", "popular"}


def test_recommended_category_finds_the_generators_favourite(warehouse, default_sample) -> None:
    """The truth's preferred_category of each buyer (a OneID maps to the person owning most of its
    identifiers) is their recommended_category far more often than chance (the share of the most
    common category)."""
    truth = default_sample[1] / "_truth"
    rows = warehouse.sql(
        f"""
        with {one_id_owners_cte(truth)}
        select profiles.recommended_category, persons.preferred_category
        from marts.dim_customer_profiles as profiles
        inner join owners using (one_id)
        inner join '{truth / "persons.parquet"}' as persons using (person_id)
        where profiles.total_purchases >= 3
        """
    ).df()
    assert len(rows) > 300
    agreement = (rows["recommended_category"] == rows["preferred_category"]).mean()
    chance = rows["preferred_category"].value_counts(normalize=True).max()
    assert agreement >= chance + 0.15, (agreement, chance)
