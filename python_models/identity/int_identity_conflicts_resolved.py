"""Resolve components that break a limit or an override: links replayed strongest first.

Thin: reads the conflicting links, the per-type limits and the forced separations, and calls
persona.models.identity.resolve_conflicts (tested with pytest); one row per link with its fate and
the cluster each end belongs to.
"""

from persona.models.identity import resolve_conflicts
from persona.models.runtime import frame


def model(dbt, session):
    dbt.config(materialized="table")
    links = frame(dbt.ref("int_identity_conflict_links"))
    types = frame(dbt.ref("identity_identifier_types"))
    separations = frame(dbt.ref("int_identity_separations"))
    limits = dict(zip(types["identifier_type"], types["max_per_one_id"].astype(int), strict=True))
    pairs = zip(separations["node_id_a"], separations["node_id_b"], strict=True)
    resolved = resolve_conflicts(links, limits, pairs)
    return resolved.merge(
        links[["node_id_a", "node_id_b", "component_id"]], on=["node_id_a", "node_id_b"]
    )
