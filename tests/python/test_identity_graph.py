"""OneID's graph algorithms: the priority-ordered conflict resolution and connected components.

* ``persona.models.identity.resolve_conflicts`` on small hand-made link sets whose right answer is
  known (Segment's rule: the lower-priority link is dropped, never the higher), plus properties on
  hypothesis-drawn link sets (deterministic under row order, every dropped link justified).
* ``persona.models.identity.connected_components`` (scipy) equals networkx on hypothesis-drawn
  graphs.
* The SQL macro ``persona.connected_components`` equals networkx, run through ``dbt show --inline``
  on batches of hypothesis-drawn graphs and on a 1,000-hop path with shuffled node ids.
* A 1,000+-hop openid-unionid chain in raw mini-program events resolves in ONE ``dbt build``: one
  component, split by the one-unionid-per-person limit into OneIDs in priority order.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ANSI, run_dbt, show_json
from hypothesis import given, note, settings
from hypothesis import strategies as st

from persona.models.identity import (
    LINK_COLUMNS,
    RESOLVED_COLUMNS,
    connected_components,
    resolve_conflicts,
)

# the limits of seeds/identity/identity_identifier_types.csv, spelled out so that each hand-made
# case below states the rule it relies on
LIMITS = {
    "member_id": 1,
    "member_card": 1,
    "unionid": 1,
    "wecom_userid": 1,
    "openid": 5,
    "buyer_id": 4,
    "phone": 2,
    "email": 2,
    "device_id": 10,
    "cookie_id": 50,
}
DAY = pd.Timestamp("2024-01-01")
CONVERGED = re.compile(r"connected_components: (\S+) converged in (\d+) round\(s\)")


def links_frame(rows: list[tuple]) -> pd.DataFrame:
    """Links from (a, b, type_a, type_b, priority, days after DAY first seen, n_rows) tuples."""
    frame = pd.DataFrame(rows, columns=list(LINK_COLUMNS))
    frame["first_seen_at"] = DAY + pd.to_timedelta(frame["first_seen_at"], unit="D")
    return frame


def fate(resolved: pd.DataFrame) -> dict[tuple[int, int], tuple[bool, str | None, int, int]]:
    """Per link (a, b): used, exclusion reason, cluster of a, cluster of b."""
    return {
        (int(row.node_id_a), int(row.node_id_b)): (
            bool(row.is_used),
            None if pd.isna(row.exclusion_reason) else str(row.exclusion_reason),
            int(row.cluster_id_a),
            int(row.cluster_id_b),
        )
        for row in resolved.itertuples(index=False)
    }


# ---------------------------------------------------------------- resolve_conflicts: known answers


def test_lower_priority_link_is_dropped_when_two_member_ids_meet() -> None:
    # member 5 -(90)- phone 2 -(50)- buyer 7 -(85)- member 3: two member ids (limit 1) in one
    # chain. The weakest link (buyer-phone, 50) must go, although it is the earliest seen and has
    # the most rows: ordering by time or rows instead of priority would drop member-phone instead.
    links = links_frame(
        [
            (5, 2, "member_id", "phone", 90, 9, 1),
            (7, 2, "buyer_id", "phone", 50, 0, 40),
            (7, 3, "buyer_id", "member_id", 85, 5, 1),
        ]
    )
    resolved = resolve_conflicts(links, LIMITS, [])
    assert fate(resolved) == {
        (5, 2): (True, None, 2, 2),
        (7, 3): (True, None, 3, 3),
        (7, 2): (False, "limit_exceeded", 3, 2),
    }
    detail = resolved.set_index(["node_id_a", "node_id_b"]).loc[(7, 2), "exclusion_detail"]
    assert "2 member_id" in detail and "at most 1" in detail, detail
    # rows come back in replay order: strongest first
    assert list(zip(resolved["node_id_a"], resolved["node_id_b"], strict=True)) == [
        (5, 2),
        (7, 3),
        (7, 2),
    ]


def test_equal_priority_earlier_link_wins() -> None:
    # members 1 and 3 both linked to phone 2 with the same priority and rows: the link seen first
    # (3-2) wins although the node-id tie-break alone would have replayed 1-2 first
    links = links_frame(
        [
            (1, 2, "member_id", "phone", 90, 3, 1),
            (3, 2, "member_id", "phone", 90, 1, 1),
        ]
    )
    assert fate(resolve_conflicts(links, LIMITS, [])) == {
        (3, 2): (True, None, 2, 2),
        (1, 2): (False, "limit_exceeded", 1, 2),
    }


def test_equal_priority_and_time_more_rows_win() -> None:
    links = links_frame(
        [
            (1, 2, "member_id", "phone", 90, 1, 1),
            (3, 2, "member_id", "phone", 90, 1, 7),
        ]
    )
    assert fate(resolve_conflicts(links, LIMITS, [])) == {
        (3, 2): (True, None, 2, 2),
        (1, 2): (False, "limit_exceeded", 1, 2),
    }


@pytest.mark.parametrize("seed", range(5))
def test_resolution_ignores_row_order(seed: int) -> None:
    # a star of 12 member ids on one phone, all ties (same priority, time and rows), plus a chain
    # of openids onto one unionid: only the documented total order decides, not the input order
    links = links_frame(
        [(member, 100, "member_id", "phone", 90, 2, 3) for member in range(1, 13)]
        + [(200 + k, 300, "openid", "unionid", 95, k % 2, 1) for k in range(8)]
        + [(200 + k, 201 + k, "openid", "openid", 95, 0, 1) for k in range(7)]
    )
    expected = resolve_conflicts(links, LIMITS, [(1, 2)])
    shuffled = links.sample(frac=1, random_state=seed).reset_index(drop=True)
    assert not shuffled.equals(links)
    # the same answer, also with the forced-apart pair named the other way round
    pd.testing.assert_frame_equal(resolve_conflicts(shuffled, LIMITS, [(2, 1)]), expected)
    # the smallest member id wins the phone under full ties (node-id tie-break), and one phone
    # holds only one member
    kept = expected[expected["is_used"] & (expected["node_id_b"] == 100)]
    assert kept["node_id_a"].tolist() == [1]


@pytest.mark.parametrize("weakest", [0, 1, 2])
def test_force_separated_pair_on_a_three_hop_path(weakest: int) -> None:
    # member 1 - phone 2 - email 3 - card 4, forced apart (1, 4): the weakest hop of the path is
    # dropped as force_separated; every other link (including a device hanging off the phone) is
    # used, and the two halves are named by their smallest node id
    path = [(1, 2, "member_id", "phone"), (3, 2, "email", "phone"), (3, 4, "email", "member_card")]
    rows = [
        (a, b, type_a, type_b, 50 if hop == weakest else 80 - hop, hop, 1)
        for hop, (a, b, type_a, type_b) in enumerate(path)
    ]
    rows.append((9, 2, "device_id", "phone", 40, 0, 1))
    resolved = resolve_conflicts(links_frame(rows), LIMITS, [(4, 1)])
    fates = fate(resolved)
    dropped = (path[weakest][0], path[weakest][1])
    assert fates[dropped][:2] == (False, "force_separated")
    assert {link: f[:2] for link, f in fates.items() if link != dropped} == {
        link: (True, None) for link in fates if link != dropped
    }
    clusters = {}
    for (a, b), (_, _, cluster_a, cluster_b) in fates.items():
        clusters[a], clusters[b] = cluster_a, cluster_b
    assert clusters[1] != clusters[4]
    # the halves: nodes before the dropped hop stay with member 1, those after with card 4
    order = [1, 2, 3, 4]
    halves = [set(order[: weakest + 1]), set(order[weakest + 1 :])]
    halves[0 if 2 in halves[0] else 1].add(9)
    for half in halves:
        assert {clusters[node] for node in half} == {min(half)}, (half, clusters)
    detail = resolved.loc[~resolved["is_used"], "exclusion_detail"].iloc[0]
    assert "identity_force_separate" in detail


def test_missing_column_is_named() -> None:
    links = links_frame([(1, 2, "member_id", "phone", 90, 0, 1)]).drop(columns=["n_rows"])
    with pytest.raises(ValueError, match=r"lack column.*n_rows"):
        resolve_conflicts(links, LIMITS, [])


def test_unknown_identifier_type_is_named_with_the_seed_to_edit() -> None:
    links = links_frame([(1, 2, "member_id", "qq_number", 90, 0, 1)])
    with pytest.raises(ValueError, match=r"no limit for identifier type.*qq_number") as error:
        resolve_conflicts(links, LIMITS, [])
    assert "identity_identifier_types.csv" in str(error.value)


@pytest.mark.parametrize("typed", [False, True])
def test_empty_links_give_an_empty_frame_with_the_documented_dtypes(typed: bool) -> None:
    links = pd.DataFrame(columns=list(LINK_COLUMNS))
    if typed:
        links = links_frame([(1, 2, "member_id", "phone", 90, 0, 1)]).iloc[0:0]
    resolved = resolve_conflicts(links, LIMITS, [(1, 2)])
    assert resolved.empty
    assert list(resolved.columns) == list(RESOLVED_COLUMNS)
    assert resolved.dtypes.astype(str).to_dict() == RESOLVED_COLUMNS


# ---------------------------------------------------------------- resolve_conflicts: properties

NODE_TYPES = ["member_id", "unionid", "openid", "phone", "email"]
SMALL_LIMITS = {"member_id": 1, "unionid": 1, "openid": 2, "phone": 2, "email": 3}


@st.composite
def link_sets(draw: st.DrawFn) -> tuple[pd.DataFrame, list[tuple[int, int]], dict[int, str]]:
    n = draw(st.integers(2, 14))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    kinds = {node: draw(st.sampled_from(NODE_TYPES)) for node in ids}
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1]),
            min_size=1,
            max_size=30,
            unique_by=lambda p: (min(p), max(p)),
        )
    )
    rows = [
        (
            a,
            b,
            kinds[a],
            kinds[b],
            draw(st.sampled_from([50, 90])),
            draw(st.integers(0, 2)),
            draw(st.integers(1, 2)),
        )
        for a, b in pairs
    ]
    separate = draw(
        st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=2).map(
            lambda ps: [p for p in ps if p[0] != p[1]]
        )
    )
    return links_frame(rows), separate, kinds


@settings(max_examples=150, deadline=None)
@given(link_sets(), st.randoms(use_true_random=False))
def test_resolution_properties(case, rnd: random.Random) -> None:
    links, separate, kinds = case
    resolved = resolve_conflicts(links, SMALL_LIMITS, separate)
    # deterministic: the same answer from the rows in any order
    shuffled = links.sample(frac=1, random_state=rnd.randrange(2**32)).reset_index(drop=True)
    pd.testing.assert_frame_equal(resolve_conflicts(shuffled, SMALL_LIMITS, separate), resolved)

    used = resolved[resolved["is_used"]]
    graph = nx.Graph()
    graph.add_nodes_from(pd.concat([links["node_id_a"], links["node_id_b"]]).unique().tolist())
    graph.add_edges_from(zip(used["node_id_a"], used["node_id_b"], strict=True))
    cluster_of = {node: min(c) for c in nx.connected_components(graph) for node in c}
    members: dict[int, set[int]] = {}
    for node, cluster in cluster_of.items():
        members.setdefault(cluster, set()).add(node)
    # clusters are the components of the used links, named by their smallest node id
    assert resolved["cluster_id_a"].tolist() == [cluster_of[n] for n in resolved["node_id_a"]]
    assert resolved["cluster_id_b"].tolist() == [cluster_of[n] for n in resolved["node_id_b"]]
    # no cluster breaks a limit or holds a forced-apart pair
    for nodes in members.values():
        counts = Counter(kinds[node] for node in nodes)
        assert all(counts[kind] <= SMALL_LIMITS[kind] for kind in counts), counts
        assert not any(a in nodes and b in nodes for a, b in separate)
    # every dropped link is justified: joining its two final clusters would break the rule
    for row in resolved[~resolved["is_used"]].itertuples(index=False):
        assert row.cluster_id_a != row.cluster_id_b
        joined = members[row.cluster_id_a] | members[row.cluster_id_b]
        if row.exclusion_reason == "limit_exceeded":
            counts = Counter(kinds[node] for node in joined)
            assert any(counts[kind] > SMALL_LIMITS[kind] for kind in counts), counts
        else:
            assert row.exclusion_reason == "force_separated"
            assert any(a in joined and b in joined for a, b in separate)


# ---------------------------------------------------------------- connected components, Python


def networkx_labels(nodes: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(edges)
    return {node: min(c) for c in nx.connected_components(graph) for node in c}


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 40) -> tuple[list[int], list[tuple[int, int]]]:
    """A graph with isolated nodes, self loops, duplicate and reversed edges, random node ids."""
    nodes = draw(st.lists(st.integers(0, 2**62), min_size=1, max_size=max_nodes, unique=True))
    edge = st.tuples(st.sampled_from(nodes), st.sampled_from(nodes))
    edges = draw(st.lists(edge, max_size=2 * len(nodes)))
    if edges and draw(st.booleans()):
        edges += [(b, a) for a, b in draw(st.lists(st.sampled_from(edges), max_size=5))]
    return nodes, edges


@settings(max_examples=200, deadline=None)
@given(graphs())
def test_python_components_equal_networkx(graph) -> None:
    nodes, edges = graph
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    result = connected_components(np.array(nodes, dtype=np.int64), a, b)
    assert result["node_id"].tolist() == nodes
    assert dict(zip(result["node_id"], result["component_id"], strict=True)) == networkx_labels(
        nodes, edges
    )


def test_python_components_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="repeat"):
        connected_components(np.array([1, 1]), np.array([1]), np.array([1]))
    with pytest.raises(ValueError, match="not in node_ids"):
        connected_components(np.array([1, 2]), np.array([1]), np.array([3]))


# ---------------------------------------------------------------- connected components, SQL macro


def values_sql(rows: list[tuple[int, ...]], alias: str, columns: list[str]) -> str:
    if not rows:
        nulls = ", ".join(f"cast(null as bigint) as {c}" for c in columns)
        return f"(select {nulls} where 1 = 0)"
    values = ", ".join("(" + ", ".join(str(v) for v in row) + ")" for row in rows)
    cols = ", ".join(columns)
    return f"(select {cols} from (values {values}) as {alias}({cols}))"


def sql_components(
    workdir: Path, nodes: list[int], edges: list[tuple[int, int]]
) -> tuple[dict[int, int], int]:
    """Labels from the SQL macro run by `dbt show --inline`, and the number of rounds it took."""
    nodes_sql = values_sql([(n,) for n in nodes], "nodes_values", ["node_id"])
    edges_sql = values_sql(edges, "edge_values", ["a", "b"])
    inline = (
        "select node_id, component_id from ({{ persona.connected_components("
        f"'{nodes_sql}', 'node_id', '{edges_sql}', 'a', 'b', 'cc_property_test'"
        ") }}) as components"
    )
    result = run_dbt(
        ["show", "--inline", inline, "--limit", "-1", "--output", "json"],
        workdir / "raw",
        workdir,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    rows = show_json(result.stdout)
    labels = {int(row["node_id"]): int(row["component_id"]) for row in rows}
    assert len(labels) == len(rows), "a node came back twice"
    rounds = [int(n) for name, n in CONVERGED.findall(ANSI.sub("", result.stdout))]
    assert len(rounds) == 1, result.stdout[-4000:]
    return labels, rounds[0]


@pytest.fixture(scope="module")
def show_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # one workdir for every `dbt show`, so later calls reuse the parsed manifest (partial parse);
    # the raw folder does not exist (every channel empty) and the work tables are replaced per call
    return tmp_path_factory.mktemp("cc_show")


Graph = tuple[list[int], list[tuple[int, int]]]


def disjoint_union(parts: list[Graph], stride: int) -> tuple[Graph, list[Graph]]:
    """The union of the graphs with part i's ids shifted by i * stride, and the shifted parts."""
    shifted = [
        ([i * stride + n for n in nodes], [(i * stride + a, i * stride + b) for a, b in edges])
        for i, (nodes, edges) in enumerate(parts)
    ]
    union = ([n for nodes, _ in shifted for n in nodes], [e for _, edges in shifted for e in edges])
    return union, shifted


@st.composite
def small_graphs(draw: st.DrawFn) -> tuple[list[int], list[tuple[int, int]]]:
    """A graph on ids 0..999: networkx G(n, p) or a drawn edge list, ids randomly permuted."""
    n = draw(st.integers(1, 40))
    if draw(st.booleans()):
        p = draw(st.sampled_from([0.02, 0.05, 0.1, 0.3]))
        seed = draw(st.integers(0, 2**16))
        edges = list(nx.gnp_random_graph(n, p, seed=seed).edges())
    else:
        edges = draw(
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2 * n)
        )
    # extra: self loops, duplicates and reversed edges
    extra = draw(st.lists(st.integers(0, n - 1), max_size=3))
    edges += [(v, v) for v in extra] + [(b, a) for a, b in edges[:2]] + edges[:2]
    ids = draw(st.lists(st.integers(0, 999), min_size=n, max_size=n, unique=True))
    return ids, [(ids[a], ids[b]) for a, b in edges]


@settings(max_examples=4, deadline=None)
@given(st.lists(small_graphs(), min_size=3, max_size=8))
def test_sql_components_equal_networkx(show_workdir: Path, parts) -> None:
    (nodes, edges), shifted = disjoint_union(parts, stride=1_000)
    note(f"{len(nodes)} nodes, {len(edges)} edges in {len(shifted)} graphs")
    labels, _ = sql_components(show_workdir, nodes, edges)
    assert sorted(labels) == sorted(nodes)
    for part_nodes, part_edges in shifted:
        expected = networkx_labels(part_nodes, part_edges)
        assert {node: labels[node] for node in part_nodes} == expected, (part_nodes, part_edges)


def test_sql_components_long_path_star_and_cycles(show_workdir: Path) -> None:
    rnd = random.Random(20240601)
    # a 1,000-hop path whose node ids are a random permutation: the smallest id sits anywhere
    path_ids = rnd.sample(range(1, 1_002), 1_001)
    path_edges = [
        (path_ids[i], path_ids[i + 1]) if rnd.random() < 0.5 else (path_ids[i + 1], path_ids[i])
        for i in range(1_000)
    ]
    rnd.shuffle(path_edges)
    # a star whose centre is not its smallest id, cycles of 3, 7 and 50, a lone node with a self
    # loop, and a pair with ids beyond 32 bits
    star = ([500] + list(range(501, 531)) + [7], [(500, leaf) for leaf in range(501, 531)])
    star[1].append((7, 500))
    cycles = []
    for length in (3, 7, 50):
        ids = rnd.sample(range(10, 10 + 3 * length), length)
        cycles.append((ids, [(ids[i], ids[(i + 1) % length]) for i in range(length)]))
    lone = ([42], [(42, 42)])
    big = ([2**40 + 5, 2**40 + 3], [(2**40 + 5, 2**40 + 3)])
    parts = [(path_ids, path_edges), star, *cycles, lone]
    (nodes, edges), shifted = disjoint_union(parts, stride=10_000)
    nodes += big[0]
    edges += big[1]
    labels, rounds = sql_components(show_workdir, nodes, edges)
    print(f"SQL connected components: 1,000-hop path batch converged in {rounds} round(s)")
    assert sorted(labels) == sorted(nodes)
    # the whole path is one component named by its smallest id
    assert {labels[node] for node in shifted[0][0]} == {1}
    assert labels == networkx_labels(nodes, edges)
    # pointer jumping: rounds grow with log(diameter), far below the 1,000 of plain propagation
    assert rounds <= 40, rounds


# ---------------------------------------------------------------- a 1,000+-hop chain in one build

CHAIN_UNIONIDS = 520  # openid_1 - unionid_1 - openid_2 - ... - unionid_520 - openid_521: 1,040 hops


def write_chain_raw(raw: Path) -> None:
    """Mini-program events: row k links openid_k to unionid_k, row k' unionid_k to openid_k+1,
    each seen later than the one before (all columns as text, as the contract allows)."""
    start = datetime(2024, 1, 1)
    rows = []
    for k in range(1, CHAIN_UNIONIDS + 1):
        rows.append((f"evt_{k}_a", f"o{k}", f"u{k}", start + timedelta(minutes=2 * k)))
        rows.append((f"evt_{k}_b", f"o{k + 1}", f"u{k}", start + timedelta(minutes=2 * k + 1)))
    n = len(rows)
    table = pa.table(
        {
            "event_id": pa.array([r[0] for r in rows], pa.string()),
            "appid": pa.array(["wx_mall"] * n, pa.string()),
            "openid": pa.array([r[1] for r in rows], pa.string()),
            "unionid": pa.array([r[2] for r in rows], pa.string()),
            "phone": pa.array([None] * n, pa.string()),
            "event_name": pa.array(["mp_open"] * n, pa.string()),
            "page_path": pa.array(["pages/index"] * n, pa.string()),
            "product_id": pa.array([None] * n, pa.string()),
            "event_at": pa.array([r[3].strftime("%Y-%m-%dT%H:%M:%SZ") for r in rows], pa.string()),
        }
    )
    folder = raw / "miniprogram_events"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "part-000.parquet")


def test_thousand_hop_chain_resolves_in_one_build(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_chain_raw(raw)
    result = run_dbt(
        [
            "build",
            "--select",
            "+int_identity_clusters",
            "--exclude-resource-type",
            "test",
            "unit_test",
        ],
        raw,
        tmp_path,
    )
    log = ANSI.sub("", result.stdout)
    assert result.returncode == 0, log[-6000:]
    rounds = [int(n) for name, n in CONVERGED.findall(log) if name == "int_identity_components"]
    assert len(rounds) == 1, log[-6000:]
    print(f"int_identity_components: 1,040-hop chain converged in {rounds[0]} round(s)")

    openids = {f"wx_mall:o{k}" for k in range(1, CHAIN_UNIONIDS + 2)}
    unionids = {f"u{k}" for k in range(1, CHAIN_UNIONIDS + 1)}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        components = con.sql(
            """
            select observed.identifier_type, observed.identifier_value, components.component_id
            from intermediate.int_identity_components as components
            inner join intermediate.int_identifiers_observed as observed using (node_id)
            """
        ).fetchall()
        clusters = con.sql(
            "select identifier_type, identifier_value, one_id, cluster_id"
            " from intermediate.int_identity_clusters"
        ).fetchall()
        work_tables = con.sql(
            "select table_name from information_schema.tables"
            " where table_name like 'int_identity_components__%'"
        ).fetchall()
    # one component: every chain identifier, nothing else, a single component id
    assert {(t, v) for t, v, _ in components} == {("openid", v) for v in openids} | {
        ("unionid", v) for v in unionids
    }
    assert len({c for _, _, c in components}) == 1
    assert work_tables == [], "the post-hook should drop the connected-components work tables"

    # the limits split it: no OneID holds more than 1 unionid or more than 5 openids
    assert {(t, v) for t, v, _, _ in clusters} == {(t, v) for t, v, _ in components}
    per_one_id: dict[str, Counter] = {}
    members: dict[str, set[str]] = {}
    for identifier_type, value, one_id, _ in clusters:
        per_one_id.setdefault(one_id, Counter())[identifier_type] += 1
        members.setdefault(one_id, set()).add(value)
    assert max(c["unionid"] for c in per_one_id.values()) <= 1
    assert max(c["openid"] for c in per_one_id.values()) <= 5
    # replayed in time order (all links have priority 95): o1-u1 and u1-o2 join, o2-u2 would give
    # a second unionid and is dropped, u2-o3 joins, ... so the OneIDs are exactly these
    expected = [{"wx_mall:o1", "u1", "wx_mall:o2"}] + [
        {f"u{k}", f"wx_mall:o{k + 1}"} for k in range(2, CHAIN_UNIONIDS + 1)
    ]
    assert sorted(map(sorted, members.values())) == sorted(map(sorted, expected))


# ------------------------------------------- daily builds: only the components the changes reach

UPDATING = re.compile(r"identity_components: int_identity_components computes again (\d+) of (\d+)")
Identifier = tuple[str, str]


def write_screened_graph(
    db: Path, identifiers: set[Identifier], links: set[tuple[Identifier, Identifier]]
) -> tuple[dict[Identifier, int], list[tuple[int, int]]]:
    """Write the two tables int_identity_components reads, as the identity models would: node ids
    are row numbers in (type, value) order, so an identifier added today renumbers the ones after
    it. One identifier is excluded by a guard (a blocked value) with its links, as the real guards
    do. Returns the node ids and the usable links."""
    ordered = sorted(identifiers)
    node_ids = {identifier: i + 1 for i, identifier in enumerate(ordered)}
    blocked = ordered[len(ordered) // 2]
    rows = [(node_ids[i], i[0], i[1], "blocked_value" if i == blocked else None) for i in ordered]
    link_rows = [
        (node_ids[a], node_ids[b], "identifier_excluded" if blocked in (a, b) else None)
        for a, b in sorted(links)
    ]
    db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema if not exists intermediate")
        con.execute(
            "create or replace table intermediate.int_identifiers_screened (node_id bigint,"
            " identifier_type varchar, identifier_value varchar, exclusion_reason varchar)"
        )
        insert = "insert into intermediate.int_identifiers_screened values (?, ?, ?, ?)"
        con.executemany(insert, rows)
        con.execute(
            "create or replace table intermediate.int_identifier_links_screened"
            " (node_id_a bigint, node_id_b bigint, exclusion_reason varchar)"
        )
        con.executemany(
            "insert into intermediate.int_identifier_links_screened values (?, ?, ?)", link_rows
        )
    usable = [(a, b) for a, b, reason in link_rows if reason is None]
    return {i: n for i, n in node_ids.items() if i != blocked}, usable


def run_components(workdir: Path, *extra: str) -> tuple[dict[int, int], str]:
    result = run_dbt(["run", "-s", "int_identity_components", *extra], workdir / "raw", workdir)
    log = ANSI.sub("", result.stdout)
    assert result.returncode == 0, log[-4000:]
    with duckdb.connect(str(workdir / "w.duckdb"), read_only=True) as con:
        rows = con.sql("select node_id, component_id from intermediate.int_identity_components")
        labels = dict(rows.fetchall())
    return labels, log


def test_a_daily_build_computes_only_the_components_its_changes_reach(tmp_path: Path) -> None:
    """Several days of a random identity graph: identifiers and links added and removed, one
    identifier blocked each day (new links, retracted links, blocked values), node ids renumbered.
    Each day's incremental build equals networkx and a full rebuild, and computes again only part
    of the graph (issue 17, item 3)."""
    rnd = random.Random(17)
    kinds = ["cookie_id", "member_id", "openid", "phone"]

    def person(tag: str) -> list[Identifier]:  # one to four identifiers
        return [
            (rnd.choice(kinds), f"{tag}{rnd.randrange(10**6):06d}")
            for _ in range(rnd.randint(1, 4))
        ]

    people = [person("v") for _ in range(150)]
    identifiers = {i for p in people for i in p}
    links = {tuple(sorted((p[k], p[k + 1]))) for p in people for k in range(len(p) - 1)}
    daily, full = tmp_path / "daily", tmp_path / "full"
    reach = []
    for day in range(4):
        if day:  # a day: new identifiers of known and new people, merges, retracted links
            pool = sorted(identifiers)
            for _ in range(4):
                new = person(f"n{day}")
                identifiers |= set(new)
                links |= {tuple(sorted((new[k], new[k + 1]))) for k in range(len(new) - 1)}
                if rnd.random() < 0.75:  # seen with someone known
                    links.add(tuple(sorted((new[0], rnd.choice(pool)))))
            links |= {tuple(sorted(rnd.sample(pool, 2))) for _ in range(2)}
            links -= set(rnd.sample(sorted(links), 3))
            links = {link for link in links if link[0] != link[1]}
        for workdir in (daily, full):
            node_ids, usable = write_screened_graph(workdir / "w.duckdb", identifiers, links)
        expected = networkx_labels(list(node_ids.values()), usable)
        labels, log = run_components(daily)
        assert labels == expected, f"day {day}: the daily warehouse differs from networkx"
        updating = UPDATING.findall(log)
        if day == 0:
            assert updating == [], "the first build has no earlier table to update"
        else:
            assert len(updating) == 1, log[-3000:]
            reach.append(tuple(int(n) for n in updating[0]))
        rebuilt, _ = run_components(full, "--full-refresh")
        assert rebuilt == labels, f"day {day}: a full rebuild differs"
        with duckdb.connect(str(daily / "w.duckdb"), read_only=True) as con:
            work = con.sql(
                "select table_name from information_schema.tables"
                " where table_name like 'int_identity_components__%'"
            ).fetchall()
        assert work == [], "the post-hook should drop the work tables"
    print(f"identifiers computed again per day (of all): {reach}")
    assert all(0 < again < total for again, total in reach), reach
    # a day with no change computes nothing again and changes nothing
    labels, log = run_components(daily)
    assert labels == expected
    assert UPDATING.findall(log) == [("0", str(len(node_ids)))], log[-3000:]
