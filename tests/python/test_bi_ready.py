"""The warehouse as other tools see it (issue step 5, "BI-ready warehouse").

- DuckDB 1.x opens the warehouse file (profiles.yml writes it with storage_compatibility_version
  v1.0.0): a separate Python with DuckDB 1.x (`make duckdb1`, .build/duckdb1) reads every mart and
  gets the same row counts as DuckDB 2;
- `persona export-marts` writes every public mart as Parquet, row for row, and nothing else;
- every mart is public with an enforced contract and a group; staging, intermediate and the
  Python models are not public.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import PROJECT_DIR

from persona.consumers.export import ExportError, export_marts

DUCKDB1_PYTHON = PROJECT_DIR / ".build" / "duckdb1" / "bin" / "python"

READ_WITH_DUCKDB1 = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [t for (t,) in con.sql(
    "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()]
counts = {t: con.sql(f'select count(*) from marts."{t}"').fetchall()[0][0] for t in tables}
print(json.dumps({"version": duckdb.__version__, "counts": counts}))
"""


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]) -> Path:
    return default_sample[0] / "w.duckdb"


@pytest.fixture(scope="module")
def manifest(default_sample: tuple[Path, Path]) -> dict:
    return json.loads((default_sample[0] / "target" / "manifest.json").read_text())


def _mart_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.sql(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
        return {t: con.sql(f'select count(*) from marts."{t}"').fetchall()[0][0] for (t,) in tables}


def test_duckdb_1x_opens_the_warehouse(warehouse: Path) -> None:
    if not DUCKDB1_PYTHON.exists():
        pytest.fail(f"no DuckDB 1.x at {DUCKDB1_PYTHON}: run `make duckdb1` (make test does)")
    result = subprocess.run(
        [str(DUCKDB1_PYTHON), "-c", READ_WITH_DUCKDB1, str(warehouse)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    read = json.loads(result.stdout)
    assert read["version"].startswith("1."), read["version"]
    expected = _mart_counts(warehouse)
    assert len(expected) > 40
    assert read["counts"] == expected


def test_export_writes_every_public_mart_row_for_row(
    warehouse: Path, default_sample: tuple[Path, Path], manifest: dict, tmp_path: Path
) -> None:
    out = tmp_path / "marts"
    out.mkdir()
    (out / "retired_mart.parquet").write_bytes(b"left over from an earlier export")
    exported = export_marts(warehouse, out, default_sample[0] / "target" / "manifest.json")
    public = {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("access") == "public"
    }
    assert {mart.table for mart in exported} == public
    assert sorted(p.name for p in out.glob("*.parquet")) == sorted(f"{t}.parquet" for t in public)
    counts = _mart_counts(warehouse)
    for mart in exported:
        assert pq.read_metadata(mart.path).num_rows == counts[mart.table] == mart.rows, mart.table
    listed = json.loads((out / "manifest.json").read_text())
    assert {entry["table"] for entry in listed} == public


def test_export_says_what_to_do_without_a_warehouse(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="make run"):
        export_marts(tmp_path / "missing.duckdb", tmp_path / "marts")


def test_marts_are_public_with_contract_and_group_and_nothing_else_is(manifest: dict) -> None:
    """A model is public by its own YAML, not by its folder: public <=> schema marts <=> an enforced
    contract, a group, and a public name (dim_, fct_, rpt_)."""
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    marts = [n for n in models if n["config"]["schema"] == "marts"]
    others = [n for n in models if n["config"]["schema"] != "marts"]
    assert len(marts) > 40 and len(others) > 40
    groups = {group["name"] for group in manifest["groups"].values()}
    assert len(groups) >= 3
    for node in marts:
        assert node["access"] == "public", node["name"]
        assert node["config"]["contract"]["enforced"], node["name"]
        assert node["config"]["group"] in groups, node["name"]
        assert node["name"].split("_")[0] in {"dim", "fct", "rpt"}, node["name"]
    assert [n["name"] for n in others if n["access"] == "public"] == []
    # the one contracted table outside marts: the semantic layer's calendar (schema semantic)
    contracted = [n for n in others if n["config"]["contract"]["enforced"]]
    assert [n["config"]["schema"] for n in contracted] == ["semantic"]
