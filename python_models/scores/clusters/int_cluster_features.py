"""The clustering features of every buyer as of the as-of date
(persona.models.clusters.cluster_features).

Thin: reads the as-of date's rows of the customer features (int_customer_features_at_cutoffs,
computed in SQL) and returns, per buyer, the model features (log RFM, discount and coupon shares,
log active days, channel and category mix) and the readable profile columns.
"""

from persona.models.clusters import cluster_features
from persona.models.features import load_feature_table
from persona.models.runtime import as_of_date


def model(dbt, session):
    dbt.config(materialized="table")
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    features = load_feature_table(dbt.ref("int_customer_features_at_cutoffs"), [as_of])
    return cluster_features(features.features(as_of))
