"""Per cluster of the latest run: size, share, readable means, top category and channel, names
and distinguishing features (persona.models.clusters.profiles)."""

from persona.models.clusters import profiles


def model(dbt, session):
    dbt.config(materialized="table")
    return profiles(
        dbt.ref("int_cluster_features").df(),
        dbt.ref("int_cluster_assignments").df(),
        dbt.ref("int_cluster_runs").df(),
    )
