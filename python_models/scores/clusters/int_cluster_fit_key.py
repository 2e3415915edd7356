"""The key of the clustering fit this build uses (persona.models.clusters.fit_key): the fit date
(int_as_of_date.refit_on, var model_refit_every) and the sha256 digest of the buyers' features as
of it plus the settings. int_cluster_runs reuses a stored fit with this key or fits and stores one.

Thin: reads the refit_on rows of int_customer_features_at_cutoffs (computed in SQL).
"""

from persona.models.clusters import ClusterSettings, cluster_features, fit_key
from persona.models.features import load_feature_table
from persona.models.runtime import frame, refit_on_date


def model(dbt, session):
    dbt.config(materialized="table")
    settings = ClusterSettings.from_meta(dbt.config.get("meta"))
    refit_on = refit_on_date(frame(dbt.ref("int_as_of_date")))
    features = load_feature_table(dbt.ref("int_customer_features_at_cutoffs"), [refit_on])
    return fit_key(cluster_features(features.features(refit_on)), refit_on, settings)
