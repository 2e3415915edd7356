"""The cache of clustering fits, one row per (fit date, digest of the fit input)
(persona.models.clusters.fit_or_reuse): incremental, append only.

Thin: a build whose key (int_cluster_fit_key) is stored appends nothing and reuses that fit without
reading the features; any other build fits KMeans on the buyers' features as of refit_on and
appends the fit. The fit is deterministic and reads no earlier fit, so a warehouse built day by day
holds the same fit as a fresh build; a full refresh refits the same fit.
"""

from persona.models.clusters import ClusterSettings, cluster_features, fit_or_reuse
from persona.models.features import load_feature_table
from persona.models.runtime import frame, refit_on_date


def model(dbt, session):
    dbt.config(materialized="incremental")
    settings = ClusterSettings.from_meta(dbt.config.get("meta"))
    key = frame(dbt.ref("int_cluster_fit_key"))
    refit_on = refit_on_date(frame(dbt.ref("int_as_of_date")))
    features = load_feature_table(dbt.ref("int_customer_features_at_cutoffs"), [refit_on])
    stored = frame(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    return fit_or_reuse(
        lambda: cluster_features(features.features(refit_on)), stored, key, settings
    )
