"""Lookalike expansion per seed audience (persona.models.lookalike.score).

Thin: a seed-vs-rest classifier learns each seed audience of int_lookalike_seeds on the customer
features as of the as-of date (int_customer_features_at_cutoffs, computed in SQL) and ranks every
non-member; the top expansion_size are selected (fct_audience_members adds them as the audience
'<seed>_lookalike').
"""

from persona.models.features import load_feature_table
from persona.models.lookalike import LookalikeSettings, score
from persona.models.runtime import as_of_date, frame


def model(dbt, session):
    dbt.config(materialized="table")
    settings = LookalikeSettings.from_meta(dbt.config.get("meta"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    features = load_feature_table(dbt.ref("int_customer_features_at_cutoffs"), [as_of])
    seeds = frame(dbt.ref("int_lookalike_seeds"))
    return score(features, seeds, as_of, settings)
