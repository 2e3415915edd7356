"""Description coverage of the documentation site: `persona docs-check --target target`.

Reads the artifacts `dbt docs generate` writes (`manifest.json`, and `catalog.json` when present)
and lists what is undocumented:

- every model, in every layer, SQL or Python, needs a non-empty description;
- every column a mart (a model built into the `marts` schema) declares in
  its YAML needs a non-empty description;
- every column the warehouse actually has for a mart (catalog.json) must be declared in the YAML
  with a description: a column the SQL adds but the YAML forgets is undocumented too; a column
  the YAML declares but the warehouse lacks is reported as stale.

Exit code 1 with one line per problem (what to add, and in which file), 0 with a summary line.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

MARTS_SCHEMA = "marts"


@dataclass(frozen=True)
class Coverage:
    """The result of a check: the problems (one line each) and what was counted."""

    problems: list[str]
    models: int
    marts: int
    mart_columns: int
    catalog_checked: bool


def _yaml_file(node: dict) -> str | None:
    """The YAML file that documents the model (`persona://models/...yml` → `models/...yml`)."""
    patch = node.get("patch_path")
    if not patch:
        return None
    return patch.split("://", 1)[-1]


def _where(node: dict) -> str:
    found = _yaml_file(node)
    if found:
        return found
    folder = str(Path(node["original_file_path"]).parent)
    return f"a models: entry for {node['name']} in a YAML file in {folder}/ (none exists yet)"


def is_mart(node: dict) -> bool:
    """A model consumers read: built into the marts schema (its folder says nothing about it)."""
    return (node.get("config") or {}).get("schema") == MARTS_SCHEMA


def _blank(text: object) -> bool:
    return not isinstance(text, str) or not text.strip()


def check_manifest(manifest: dict, catalog: dict | None = None) -> Coverage:
    """The problems of a parsed manifest (and catalog, when given), sorted by model."""
    problems: list[str] = []
    models = sorted(
        (node for node in manifest.get("nodes", {}).values() if node["resource_type"] == "model"),
        key=lambda node: node["unique_id"],
    )
    catalog_nodes = (catalog or {}).get("nodes", {})
    marts = mart_columns = 0
    for node in models:
        name, path, where = node["name"], node["original_file_path"], _where(node)
        if _blank(node.get("description")):
            problems.append(
                f"model {name} ({path}) has no description: add `description:` to it in {where}"
            )
        if not is_mart(node):
            continue
        marts += 1
        declared = {column_name.lower(): column for column_name, column in node["columns"].items()}
        for column_name, column in node["columns"].items():
            mart_columns += 1
            if _blank(column.get("description")):
                problems.append(
                    f"column {column_name} of mart {name} has no description: add "
                    f"`description:` under `- name: {column_name}` in {where}"
                )
        if catalog is None:
            continue
        built = catalog_nodes.get(node["unique_id"])
        if built is None:
            if (node.get("config") or {}).get("materialized") != "ephemeral":
                problems.append(
                    f"mart {name} is not in catalog.json: build it (dbt build) before "
                    "`dbt docs generate`, so its warehouse columns can be checked"
                )
            continue
        in_warehouse = {column_name.lower(): column_name for column_name in built["columns"]}
        for key, column_name in in_warehouse.items():
            if key not in declared:
                problems.append(
                    f"column {column_name} of mart {name} is in the warehouse but undocumented: "
                    f"add `- name: {column_name}` with a `description:` to {name}'s columns in "
                    f"{where}"
                )
        for key, column_name in ((k, declared[k]["name"]) for k in declared):
            if key not in in_warehouse:
                problems.append(
                    f"column {column_name} of mart {name} is documented but not in the warehouse: "
                    f"remove or rename it in {where}"
                )
    return Coverage(problems, len(models), marts, mart_columns, catalog is not None)


def check(target: Path) -> Coverage:
    """Check the artifacts in a dbt target directory (manifest.json; catalog.json if present)."""
    manifest_file = target / "manifest.json"
    if not manifest_file.is_file():
        raise FileNotFoundError(
            f"{manifest_file} not found: run `dbt docs generate` (or `dbt parse`) first"
        )
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    catalog_file = target / "catalog.json"
    catalog = None
    if catalog_file.is_file():
        catalog = json.loads(catalog_file.read_text(encoding="utf-8"))
    return check_manifest(manifest, catalog)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona docs-check",
        description="Fail when a model, a mart column or a warehouse column of a mart has no "
        "description (reads manifest.json and catalog.json from dbt docs generate).",
    )
    parser.add_argument("--target", type=Path, default=Path("target"), help="dbt target directory")
    args = parser.parse_args(argv)
    try:
        coverage = check(args.target)
    except FileNotFoundError as error:
        print(f"persona docs-check: {error}", file=sys.stderr)
        return 2
    for problem in coverage.problems:
        print(problem)
    if coverage.problems:
        print(f"persona docs-check: {len(coverage.problems)} problem(s)", file=sys.stderr)
        return 1
    against = (
        "checked against the warehouse's catalog.json"
        if coverage.catalog_checked
        else "catalog.json not found, warehouse columns not checked"
    )
    print(
        f"persona docs-check: all {coverage.models} models described; all "
        f"{coverage.mart_columns} columns of {coverage.marts} marts described ({against})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
