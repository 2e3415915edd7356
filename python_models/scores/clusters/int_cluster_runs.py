"""The clustering runs, one row per build (persona.models.clusters.fit_run): incremental, append
only.

Thin: reads the buyers' features and, on an incremental build, the earlier runs of this very table
(the persisted centroids, ids and names), and appends this build's run. The earlier run seeds
KMeans and its clusters are matched to the new ones, so labels and names stay stable. A full
refresh (`dbt build --full-refresh`) forgets the history: ids restart at C01.
"""

from persona.models.clusters import ClusterSettings, fit_run
from persona.models.runtime import as_of_date, frame


def model(dbt, session):
    dbt.config(materialized="incremental")
    settings = ClusterSettings.from_meta(dbt.config.get("meta"))
    features = frame(dbt.ref("int_cluster_features"))
    as_of = as_of_date(dbt.ref("int_as_of_date"))
    previous = frame(session.sql(f"select * from {dbt.this}")) if dbt.is_incremental else None
    return fit_run(features, previous, as_of, settings)
