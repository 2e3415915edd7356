"""The latest clustering run's diagnostics, one row per candidate k
(persona.models.clusters.diagnostics); a single status row when the run could not cluster."""

from persona.models.clusters import diagnostics
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    return diagnostics(frame(dbt.ref("int_cluster_runs")))
