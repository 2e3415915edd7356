"""The latest clustering run's diagnostics, one row per candidate k
(persona.models.clusters.diagnostics); a single status row when the run could not cluster."""

from persona.models.clusters import diagnostics


def model(dbt, session):
    dbt.config(materialized="table")
    return diagnostics(dbt.ref("int_cluster_runs").df())
