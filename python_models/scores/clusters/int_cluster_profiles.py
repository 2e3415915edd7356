"""Per cluster of this build's fit (int_cluster_model), over the buyers as of the as-of date:
size, share, readable means, top category and channel, names and distinguishing features
(persona.models.clusters.profiles)."""

from persona.models.clusters import profiles
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    return profiles(
        frame(dbt.ref("int_cluster_features")),
        frame(dbt.ref("int_cluster_assignments")),
        frame(dbt.ref("int_cluster_model")),
    )
