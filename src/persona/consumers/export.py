"""Export every public mart as Parquet, for tools that read files rather than the warehouse.

    persona export-marts [--db data/persona.duckdb] [--out data/marts]
                         [--manifest target/manifest.json]

Every table of the `marts` schema is public (`access: public`, a contract, a group; staging and
intermediate are not) and holds no raw phone or e-mail (a dbt test scans them). Each becomes
`<out>/<table>.parquet`; `<out>/manifest.json` lists the files with their row counts and columns.
With `--manifest`, every public model of the dbt manifest must have its table, so a mart that was
never built is an error rather than a missing file. Parquet files of an earlier export whose mart
no longer exists are removed.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

SCHEMA = "marts"


class ExportError(Exception):
    """The export cannot run; the message says what to do."""


@dataclass(frozen=True)
class ExportedMart:
    table: str
    path: str
    rows: int
    columns: list[str]


def public_models(manifest_path: Path) -> set[str]:
    """The names of the models with `access: public` in a dbt manifest."""
    if not manifest_path.exists():
        raise ExportError(f"no dbt manifest at {manifest_path}: run `make run` (dbt build) first.")
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    return {
        node["name"]
        for node in nodes
        if node["resource_type"] == "model" and node.get("access") == "public"
    }


def export_marts(
    db_path: Path, out_dir: Path, manifest_path: Path | None = None
) -> list[ExportedMart]:
    """Write one Parquet file per table of the marts schema (see the module docstring)."""
    if not Path(db_path).exists():
        raise ExportError(f"no warehouse at {db_path}: run `make run` first.")
    out_dir.mkdir(parents=True, exist_ok=True)
    exported = []
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?"
                " order by table_name",
                [SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise ExportError(f"the warehouse {db_path} has no {SCHEMA} tables: run `make run`.")
        if manifest_path is not None:
            missing = sorted(public_models(manifest_path) - set(tables))
            if missing:
                raise ExportError(
                    f"public marts not in the warehouse {db_path}: {', '.join(missing)}; "
                    "run `make run` (dbt build) first."
                )
        for table in tables:
            path = out_dir / f"{table}.parquet"
            relation = f'{SCHEMA}."{table}"'
            con.execute(f"copy (select * from {relation}) to '{path}' (format parquet)")
            rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
            columns = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
            exported.append(ExportedMart(table, str(path), rows, columns))
    written = {Path(mart.path).name for mart in exported}
    for stale in out_dir.glob("*.parquet"):
        if stale.name not in written:
            stale.unlink()
    (out_dir / "manifest.json").write_text(
        json.dumps([asdict(mart) for mart in exported], indent=2, ensure_ascii=False) + "\n"
    )
    return exported


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona export-marts", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", type=Path, default=Path("data/persona.duckdb"))
    parser.add_argument("--out", type=Path, default=Path("data/marts"))
    parser.add_argument("--manifest", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        exported = export_marts(args.db, args.out, args.manifest)
    except ExportError as error:
        print(f"persona export-marts: {error}", file=sys.stderr)
        return 1
    rows = sum(mart.rows for mart in exported)
    print(f"wrote {len(exported)} marts ({rows:,} rows) as Parquet to {args.out}")
    return 0
