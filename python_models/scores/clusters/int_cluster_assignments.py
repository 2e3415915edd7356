"""Each buyer's cluster as of the as-of date (persona.models.clusters.assign): the nearest centre
of this build's fit (int_cluster_model, fitted as of refit_on) in the fit's standardised space,
with the cluster's id, code and bilingual names."""

from persona.models.clusters import assign
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    return assign(frame(dbt.ref("int_cluster_features")), frame(dbt.ref("int_cluster_model")))
