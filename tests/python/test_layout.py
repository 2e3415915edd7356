"""The layout follows the data: folders are stages in the order the data flows, and refs go one way.

The stage order is declared once, as var `stages` in dbt_project.yml. A model or Python model
lives in `<root>/<stage>/...` (root: models/, python_models/); its folder is
the path below the root (a staging source's `base/` belongs to its source's folder, and a Python
model shares its folder with the SQL beside it: python_models/scores/clv is models/scores/clv).
Two rules, checked on the parsed project:

1. a node refs only nodes of its own stage or an earlier one;
2. no two folders depend on each other (the folder graph has no cycle).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest
import yaml
from conftest import PROJECT_DIR, run_dbt

ROOTS = ("models", "python_models")


def declared_stages(project_dir: Path = PROJECT_DIR) -> list[str]:
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return list(project["vars"]["stages"])


def folder_of(path: str) -> tuple[str, ...]:
    """('scores', 'clv') for models/scores/clv/dim_customer_clv.sql and for
    python_models/scores/clv/int_clv_fits.py; ('staging', 'crm') for staging/crm/base/..."""
    parts = Path(path).parts
    if parts[0] not in ROOTS:
        raise ValueError(f"{path} is not under {', '.join(ROOTS)}")
    folder = parts[1:-1]
    if len(folder) >= 3 and folder[0] == "staging" and folder[-1] == "base":
        folder = folder[:-1]
    return tuple(folder)


def layout_problems(nodes: dict[str, dict], stages: list[str]) -> list[str]:
    """Every breach of the two rules (and nodes outside any stage) among `nodes`: unique_id ->
    {"path": original_file_path, "depends_on": [unique_id, ...]}. Seeds, sources and anything not
    in `nodes` are reference data every stage may read."""
    problems: list[str] = []
    order = {stage: index for index, stage in enumerate(stages)}
    folders: dict[str, tuple[str, ...]] = {}
    for unique_id, node in nodes.items():
        folder = folder_of(node["path"])
        if not folder or folder[0] not in order:
            problems.append(
                f"{node['path']} is not in a stage folder; stages (var stages): {', '.join(stages)}"
            )
            continue
        folders[unique_id] = folder
    graph = nx.DiGraph()
    edges: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = defaultdict(list)
    for unique_id, folder in folders.items():
        graph.add_node(folder)
        for parent in nodes[unique_id]["depends_on"]:
            if parent not in folders:
                continue
            parent_folder = folders[parent]
            if order[parent_folder[0]] > order[folder[0]]:
                problems.append(
                    f"{nodes[unique_id]['path']} (stage {folder[0]}) refs {nodes[parent]['path']} "
                    f"of the later stage {parent_folder[0]}"
                )
            if parent_folder != folder:
                graph.add_edge(folder, parent_folder)
                edges[(folder, parent_folder)].append(
                    f"{unique_id.split('.')[-1]} -> {parent.split('.')[-1]}"
                )
    for cycle in nx.simple_cycles(graph):
        steps = []
        for here, there in zip(cycle, cycle[1:] + cycle[:1], strict=True):
            steps.append(f"{'/'.join(here)} -> {'/'.join(there)} ({edges[(here, there)][0]})")
        problems.append("folders depend on each other: " + "; ".join(steps))
    return problems


@pytest.fixture(scope="module")
def parsed_nodes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The project's models and snapshots from a `dbt parse` (no warehouse needed)."""
    tmp = tmp_path_factory.mktemp("layout")
    (tmp / "raw").mkdir()
    result = run_dbt(["parse", "--quiet"], tmp / "raw", tmp)
    assert result.returncode == 0, result.stdout[-4000:]
    manifest = json.loads((tmp / "target" / "manifest.json").read_text())
    return {
        unique_id: {
            "path": node["original_file_path"],
            "depends_on": node["depends_on"]["nodes"],
            "materialized": node["config"].get("materialized"),
        }
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in {"model", "snapshot"}
    }


ERASURE_GATE = "model.persona.privacy_erased_identifiers"
#: Read by many models but holds no person: a date.
NOT_PEOPLE = {"model.persona.int_as_of_date"}


def read_people_before_erasure(nodes: dict[str, dict]) -> list[str]:
    """Tables (not views) that read raw people's rows but are built neither before the erasure
    suppression list (it resolves through them, and its purge cleans them) nor after it: they could
    run while an erased person is still there and keep them (DECISIONS.md 2026-12-05, erasure)."""
    graph = nx.DiGraph()
    for unique_id, node in nodes.items():
        graph.add_node(unique_id)
        for parent in node["depends_on"]:
            if parent in nodes:
                graph.add_edge(parent, unique_id)
    before = nx.ancestors(graph, ERASURE_GATE)
    after = nx.descendants(graph, ERASURE_GATE)
    people_graph = graph.subgraph(set(graph) - NOT_PEOPLE)
    people: set[str] = set()
    for unique_id in people_graph:
        if unique_id.split(".")[-1].startswith("base_"):
            people |= {unique_id} | nx.descendants(people_graph, unique_id)
    return sorted(
        nodes[unique_id]["path"]
        for unique_id in people - before - after - {ERASURE_GATE}
        if nodes[unique_id]["materialized"] in {"table", "incremental"}
        and not unique_id.split(".")[-1].startswith("base_")  # purged by the gate's post-hook
    )


def test_nothing_reads_people_around_the_erasure(parsed_nodes: dict[str, dict]) -> None:
    assert ERASURE_GATE in parsed_nodes
    assert read_people_before_erasure(parsed_nodes) == []


def test_a_table_beside_the_erasure_is_caught() -> None:
    def node(path: str, parents: list[str], materialized: str = "table") -> dict:
        return {"path": path, "depends_on": parents, "materialized": materialized}

    base = "model.persona.base_a"
    nodes = {
        base: node("base_a", []),
        ERASURE_GATE: node("gate", [base], "incremental"),
        "model.persona.after": node("after", [ERASURE_GATE]),
        "model.persona.beside": node("beside", [base]),
        "model.persona.view": node("view", [base], "view"),
    }
    assert read_people_before_erasure(nodes) == ["beside"]


def test_the_project_is_one_way(parsed_nodes: dict[str, dict]) -> None:
    assert len(parsed_nodes) > 100
    assert layout_problems(parsed_nodes, declared_stages()) == []


def test_every_stage_folder_is_declared() -> None:
    stages = declared_stages()
    assert stages[0] == "staging" and len(stages) == len(set(stages))
    for root in ROOTS:
        folders = [
            p.name for p in (PROJECT_DIR / root).iterdir() if p.is_dir() and p.name != "__pycache__"
        ]
        assert set(folders) <= set(stages), (root, sorted(set(folders) - set(stages)))
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    configured = [key for key in project["models"]["persona"] if not key.startswith("+")]
    assert set(configured) <= set(stages), "models: config in dbt_project.yml names only stages"
    # singular tests mirror the stages (plus the project-wide kinds)
    tests = {p.name for p in (PROJECT_DIR / "tests").iterdir() if p.is_dir()}
    assert tests - set(stages) <= {"generic", "golden", "privacy", "python", "fixtures", "spark"}


def _node(path: str, *parents: str) -> dict:
    return {"path": path, "depends_on": list(parents)}


def test_a_ref_to_a_later_stage_is_caught() -> None:
    nodes = {
        "model.p.fct_orders": _node("models/core/sales/fct_orders.sql", "model.p.dim_profiles"),
        "model.p.dim_profiles": _node("models/profile/tags/dim_profiles.sql"),
    }
    (problem,) = layout_problems(nodes, ["staging", "core", "profile"])
    assert "refs models/profile/tags/dim_profiles.sql of the later stage profile" in problem


def test_two_folders_that_depend_on_each_other_are_caught() -> None:
    nodes = {
        "model.p.a1": _node("models/activation/audiences/a1.sql"),
        "model.p.l1": _node("python_models/activation/lookalike/l1.py", "model.p.a1"),
        "model.p.a2": _node("models/activation/audiences/a2.sql", "model.p.l1"),
    }
    (problem,) = layout_problems(nodes, ["activation"])
    assert problem.startswith("folders depend on each other")
    assert "activation/audiences" in problem and "activation/lookalike" in problem


def test_python_models_share_the_folder_of_the_sql_beside_them() -> None:
    nodes = {
        "model.p.int_fit": _node("python_models/scores/clv/int_fit.py", "model.p.hist"),
        "model.p.dim_clv": _node("models/scores/clv/dim_clv.sql", "model.p.int_fit"),
        "model.p.hist": _node("models/scores/histories/hist.sql"),
        "model.p.base_x": _node("models/staging/crm/base/base_x.sql"),
        "model.p.stg_x": _node("models/staging/crm/stg_x.sql", "model.p.base_x"),
    }
    assert layout_problems(nodes, ["staging", "scores"]) == []
    assert folder_of("models/staging/crm/base/base_x.sql") == ("staging", "crm")


def test_a_node_outside_the_stages_is_caught() -> None:
    nodes = {"model.p.x": _node("models/marts/x.sql")}
    (problem,) = layout_problems(nodes, ["staging"])
    assert "not in a stage folder" in problem
