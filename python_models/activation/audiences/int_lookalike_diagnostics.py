"""Lookalike diagnostics per seed audience (persona.models.lookalike.diagnostics).

Thin: a share of each seed is held out, the classifier learns from the rest, and the recall at K of
the held-out members among everyone outside the training seed is measured against the base rate.
The features are the as-of date's rows of int_customer_features_at_cutoffs (computed in SQL).
"""

from persona.models.features import load_feature_table
from persona.models.lookalike import LookalikeSettings, diagnostics
from persona.models.runtime import as_of_date, frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = LookalikeSettings.from_meta(dbt.config.get("meta"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    features = load_feature_table(dbt.ref("int_customer_features_at_cutoffs"), [as_of])
    seeds = frame(dbt.ref("int_lookalike_seeds"))
    return diagnostics(features, seeds, as_of, settings)
