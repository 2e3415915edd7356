"""The customer features computed once in SQL (int_customer_features_at_cutoffs) equal the in-memory
reference (persona.models.features.customer_features) at every cutoff on the default sample, labels
included; FeatureTable reads them with the interface of Histories."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from persona.models import propensity
from persona.models.features import (
    FeatureTable,
    Histories,
    customer_features,
    feature_categories,
    load_feature_table,
)
from persona.models.propensity import PropensitySettings


def sample_sources(warehouse: Path) -> tuple[FeatureTable, Histories, pd.Timestamp]:
    """The SQL feature table, the day-level histories it was computed from, and the as-of date."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        table = con.sql("select * from intermediate.int_customer_features_at_cutoffs").df()
        histories = Histories(
            people=con.sql(
                "select one_id, cast(first_seen_at as date) as first_seen_on "
                "from marts.dim_customers"
            ).df(),
            purchase_days=con.sql("select * from intermediate.int_customer_purchase_days").df(),
            category_days=con.sql("select * from intermediate.int_customer_category_days").df(),
            activity_days=con.sql("select * from intermediate.int_customer_activity_days").df(),
        )
        as_of = con.sql("select as_of_date from intermediate.int_as_of_date").fetchall()[0][0]
    return FeatureTable(table), histories, pd.Timestamp(as_of)


def refit_on(as_of: pd.Timestamp) -> pd.Timestamp:
    """The clusters' fit date (int_as_of_date.refit_on) under the default model_refit_every =
    month: the as-of date on a month end, else the last day of the month before."""
    return as_of if as_of.is_month_end else as_of.replace(day=1) - pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def sources(default_sample):
    return sample_sources(default_sample[0] / "w.duckdb")


def test_sql_features_equal_the_reference_at_every_cutoff(sources) -> None:
    table, histories, as_of = sources
    settings = PropensitySettings()
    expected_cutoffs = sorted(
        set(propensity.cutoffs(as_of, settings, "evaluate"))
        | set(propensity.cutoffs(as_of, settings, "score"))
        | {refit_on(as_of)}
    )
    assert table.cutoffs() == expected_cutoffs
    for cutoff in table.cutoffs():
        sql = table.features(cutoff)
        reference = histories.features(cutoff, feature_categories(sql))
        assert list(sql.columns) == list(reference.columns), cutoff
        assert sql.index.equals(reference.index), cutoff
        # exact decimal sums in SQL, float sums in pandas: equal to the last few bits
        np.testing.assert_allclose(sql.to_numpy(), reference.to_numpy(), rtol=1e-9, atol=1e-9)
        assert len(sql) > 1000 and sql["has_purchased"].sum() > 500


def test_sql_labels_equal_the_reference_and_are_null_after_the_as_of_date(sources) -> None:
    table, histories, as_of = sources
    for horizon in (30, 90):
        for cutoff in table.cutoffs():
            if cutoff + pd.Timedelta(days=horizon) > as_of:
                with pytest.raises(ValueError, match="not over by the as-of date"):
                    table.bought_after(cutoff, horizon)
                continue
            population = set(table.features(cutoff).index)
            expected = histories.bought_after(cutoff, horizon) & population
            assert table.bought_after(cutoff, horizon) == expected
            assert expected


def test_the_features_as_of_the_as_of_date_are_the_reference_without_a_category_list(
    sources,
) -> None:
    table, histories, as_of = sources
    pd.testing.assert_index_equal(
        table.features(as_of).columns,
        customer_features(
            histories.people,
            histories.purchase_days,
            histories.category_days,
            histories.activity_days,
            as_of,
        ).columns,
    )


def hand_table() -> FeatureTable:
    """Two people at two cutoffs; made by hand."""
    return FeatureTable(
        pd.DataFrame(
            {
                "cutoff_on": pd.to_datetime(["2026-01-31", "2026-01-31", "2026-03-02"]),
                "one_id": ["b", "a", "a"],
                "has_purchased": [1.0, 0.0, 1.0],
                "category_share__skin": [1.0, 0.0, 0.25],
                "days_since_last_activity": [3.0, 40.0, 1.0],
                "purchase_days_next_30d": [0, 2, None],
            }
        )
    )


def test_feature_table_rows_columns_and_categories() -> None:
    table = hand_table()
    features = table.features("2026-01-31")
    assert list(features.index) == ["a", "b"]
    assert list(features.columns) == [
        "has_purchased",
        "category_share__skin",
        "days_since_last_activity",
    ]
    fixed = table.features("2026-01-31", ["makeup", "skin"])
    assert list(fixed.columns) == [
        "has_purchased",
        "category_share__makeup",
        "category_share__skin",
        "days_since_last_activity",
    ]
    assert fixed["category_share__makeup"].eq(0.0).all()
    assert table.bought_after("2026-01-31", 30) == {"a"}


def test_a_cutoff_read_without_rows_is_an_empty_population() -> None:
    """Nobody first seen by an early cutoff: the table has no rows for it, and a model that read
    that cutoff gets an empty population (too few customers), not an error."""
    table = FeatureTable(hand_table().frame, cutoffs=["2025-12-01", "2026-01-31"])
    assert pd.Timestamp("2025-12-01") in table.cutoffs()
    empty = table.features("2025-12-01", ["skin"])
    assert empty.empty and "category_share__skin" in empty.columns
    assert table.bought_after("2025-12-01", 30) == set()


def test_feature_table_says_what_it_lacks() -> None:
    table = hand_table()
    with pytest.raises(ValueError, match="no customer features as of 2025-12-01.*2026-01-31"):
        table.features("2025-12-01")
    with pytest.raises(ValueError, match="not over by the as-of date"):
        table.bought_after("2026-03-02", 30)
    with pytest.raises(ValueError, match="no purchase_days_next_90d"):
        table.bought_after("2026-01-31", 90)
    with pytest.raises(ValueError, match="lacks"):
        FeatureTable(pd.DataFrame({"one_id": ["a"]}))


class CountingRelation:
    """A DuckDB relation that records the filters a FeatureTable asks of it."""

    def __init__(self, relation) -> None:
        self.relation, self.filters = relation, []
        self.columns = relation.columns

    def filter(self, condition: str):
        self.filters.append(condition)
        return self.relation.filter(condition)


def test_a_relation_is_read_one_cutoff_at_a_time(default_sample) -> None:
    """The dbt Python models read the warehouse's table one cutoff at a time (issue 15: memory),
    with the same features and labels as the whole table in memory."""
    settings = PropensitySettings()
    with duckdb.connect(str(default_sample[0] / "w.duckdb"), read_only=True) as con:
        relation = con.table("intermediate.int_customer_features_at_cutoffs")
        whole = FeatureTable(relation.df())
        as_of = whole.cutoffs()[-1]
        counting = CountingRelation(relation)
        lazy = load_feature_table(counting, whole.cutoffs())
        assert lazy.cutoffs() == whole.cutoffs()
        for cutoff in whole.cutoffs():
            categories = feature_categories(whole.features(cutoff))
            pd.testing.assert_frame_equal(
                lazy.features(cutoff, categories), whole.features(cutoff, categories)
            )
            if cutoff + pd.Timedelta(days=settings.purchase_days) <= as_of:
                horizon = settings.purchase_days
                assert lazy.bought_after(cutoff, horizon) == whole.bought_after(cutoff, horizon)
        # one query per cutoff: its features and labels share the read
        assert len(counting.filters) == len(whole.cutoffs())
        evaluated = propensity.evaluate(lazy, as_of, settings)
        pd.testing.assert_frame_equal(evaluated, propensity.evaluate(whole, as_of, settings))
