"""OneID graph algorithms that the dbt models call (python_models/identity/).

* :func:`resolve_conflicts` - the priority rule of the guards. Inside a connected component that
  holds more identifiers of a type than one person may (two member ids) or a pair an override
  forces apart, links are replayed from the strongest to the weakest (Segment's rule: the
  lower-priority link is dropped, never the higher) and a link that would break a limit or join a
  forced-apart pair is dropped, with the reason.
* :func:`connected_components` - scipy's connected components over an edge list of integer node
  ids; the reference the benchmark compares the SQL engine with, and the optional engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

#: Columns :func:`resolve_conflicts` reads from its links frame.
LINK_COLUMNS = (
    "node_id_a",
    "node_id_b",
    "identifier_type_a",
    "identifier_type_b",
    "priority",
    "first_seen_at",
    "n_rows",
)

RESOLVED_COLUMNS = {
    "node_id_a": "int64",
    "node_id_b": "int64",
    "is_used": "bool",
    "exclusion_reason": "string",
    "exclusion_detail": "string",
    "cluster_id_a": "int64",
    "cluster_id_b": "int64",
}


def resolve_conflicts(
    links: pd.DataFrame,
    limits: Mapping[str, int],
    separate: Iterable[tuple[int, int]] = (),
) -> pd.DataFrame:
    """Replay links strongest first, dropping each one that would break a limit or a separation.

    ``links`` has :data:`LINK_COLUMNS`; ``limits`` maps identifier type to the most identifiers of
    that type one person may hold; ``separate`` lists node pairs that must end in different
    clusters. Order: priority (high first), then first seen (early first), then rows (many first),
    then node ids, so the result is deterministic. Returns one row per link with
    :data:`RESOLVED_COLUMNS`; a cluster is named by its smallest node id.
    """
    missing = [c for c in LINK_COLUMNS if c not in links.columns]
    if missing:
        raise ValueError(f"resolve_conflicts: links lack column(s) {missing}")
    unknown = set(links["identifier_type_a"]) | set(links["identifier_type_b"])
    unknown -= set(limits)
    if unknown:
        raise ValueError(
            f"resolve_conflicts: no limit for identifier type(s) {sorted(unknown)};"
            " add them to seeds/identity/identity_identifier_types.csv"
        )
    ordered = links.assign(
        _neg_priority=-links["priority"], _neg_rows=-links["n_rows"]
    ).sort_values(
        ["_neg_priority", "first_seen_at", "_neg_rows", "node_id_a", "node_id_b"], kind="stable"
    )

    parent: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    counts: dict[int, Counter] = {}
    forbidden: dict[int, set[int]] = {}
    partners: dict[int, set[int]] = {}
    for a, b in separate:
        partners.setdefault(int(a), set()).add(int(b))
        partners.setdefault(int(b), set()).add(int(a))

    def add(node: int, kind: str) -> None:
        if node not in parent:
            parent[node] = node
            members[node] = [node]
            counts[node] = Counter({kind: 1})
            forbidden[node] = set(partners.get(node, ()))

    def find(node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    used: list[bool] = []
    reasons: list[str | None] = []
    details: list[str | None] = []
    rows = ordered[["node_id_a", "node_id_b", "identifier_type_a", "identifier_type_b"]]
    for a, b, kind_a, kind_b in rows.itertuples(index=False, name=None):
        a, b = int(a), int(b)
        add(a, kind_a)
        add(b, kind_b)
        ra, rb = find(a), find(b)
        if ra == rb:
            used.append(True)
            reasons.append(None)
            details.append(None)
            continue
        over = sorted(
            kind
            for kind in counts[ra].keys() | counts[rb].keys()
            if counts[ra][kind] + counts[rb][kind] > limits[kind]
        )
        if over:
            kind = over[0]
            used.append(False)
            reasons.append("limit_exceeded")
            details.append(
                f"joining would give {counts[ra][kind] + counts[rb][kind]} {kind} identifiers;"
                f" one person holds at most {limits[kind]}"
            )
            continue
        small, large = (ra, rb) if len(members[ra]) < len(members[rb]) else (rb, ra)
        if forbidden[large].intersection(members[small]) or forbidden[small].intersection(
            members[large]
        ):
            used.append(False)
            reasons.append("force_separated")
            details.append("an override in identity_force_separate keeps these apart")
            continue
        parent[small] = large
        members[large].extend(members.pop(small))
        counts[large].update(counts.pop(small))
        forbidden[large] |= forbidden.pop(small)
        used.append(True)
        reasons.append(None)
        details.append(None)

    cluster = {root: min(nodes) for root, nodes in members.items()}
    out = pd.DataFrame(
        {
            "node_id_a": ordered["node_id_a"].to_numpy(dtype="int64"),
            "node_id_b": ordered["node_id_b"].to_numpy(dtype="int64"),
            "is_used": used,
            "exclusion_reason": reasons,
            "exclusion_detail": details,
        }
    )
    out["cluster_id_a"] = [cluster[find(int(n))] for n in out["node_id_a"]]
    out["cluster_id_b"] = [cluster[find(int(n))] for n in out["node_id_b"]]
    return out.astype(RESOLVED_COLUMNS).reset_index(drop=True)


def connected_components(
    node_ids: np.ndarray, node_id_a: np.ndarray, node_id_b: np.ndarray
) -> pd.DataFrame:
    """Label each node with the smallest node id of its component (scipy, in memory).

    Same contract as the SQL macro ``connected_components``: every node in ``node_ids`` gets a row;
    edges may repeat, point both ways or loop.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as scipy_components

    nodes = np.asarray(node_ids, dtype=np.int64)
    index = pd.Index(nodes)
    if not index.is_unique:
        raise ValueError("connected_components: node ids repeat")
    a = index.get_indexer(np.asarray(node_id_a, dtype=np.int64))
    b = index.get_indexer(np.asarray(node_id_b, dtype=np.int64))
    if (a < 0).any() or (b < 0).any():
        raise ValueError("connected_components: an edge names a node that is not in node_ids")
    n = len(nodes)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n)).tocsr()
    _, labels = scipy_components(graph, directed=False)
    smallest = pd.Series(nodes).groupby(labels).transform("min").to_numpy()
    return pd.DataFrame({"node_id": nodes, "component_id": smallest})
