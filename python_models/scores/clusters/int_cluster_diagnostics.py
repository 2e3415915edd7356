"""The diagnostics of this build's clustering fit (int_cluster_model), one row per candidate k
with the fit date (persona.models.clusters.diagnostics); a single status row when the fit could
not cluster."""

from persona.models.clusters import diagnostics
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    return diagnostics(frame(dbt.ref("int_cluster_model")))
