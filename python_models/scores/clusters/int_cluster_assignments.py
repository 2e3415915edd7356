"""Each buyer's cluster of the latest run (persona.models.clusters.assign): the nearest persisted
centroid in the run's standardised space, with the cluster's id, code and bilingual names."""

from persona.models.clusters import assign
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    return assign(frame(dbt.ref("int_cluster_features")), frame(dbt.ref("int_cluster_runs")))
