"""The clustering fit this build uses (persona.models.clusters.current_run): the row of the cache
int_cluster_runs whose fit date and digest are this build's key (int_cluster_fit_key), without
the time it was written - so that it is the same whichever builds came before."""

from persona.models.clusters import current_run
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    return current_run(frame(dbt.ref("int_cluster_runs")), frame(dbt.ref("int_cluster_fit_key")))
