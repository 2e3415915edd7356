"""``persona publish``: a read-only copy of the marts the profile API serves, replaced atomically.

The API (``persona serve``) never reads the warehouse a build writes: it reads this copy. The copy
is written to a temporary file beside the target and moved over it with ``os.replace`` only when
complete, so a reader sees the previous publication or the new one, never half of one; a build
running on the warehouse does not block the API (DuckDB lets one process write a file; the API
holds only the published file, read-only).

What is copied: the marts the API reads (:data:`PUBLISHED_TABLES`; the timeline's facts with only
the columns the timeline reads and only rows of a person), each sorted by its lookup key
so that a point query reads one block (DuckDB's min/max per block), and indexed on it (ART; the
planner probes it when a table is large); dim_identifiers twice, by value (lookups) and by OneID
(``marts.dim_identifiers_by_one_id``, a person's identifiers); the blocked-value rules of the
OneID guard (seed ``identity_blocked_values``), and the erasure suppression list
``privacy.erased_identifiers`` when the warehouse has it; and a table
``publication.publications`` saying what was published from where, when.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from persona.consumers.timeline import TIMELINE_SOURCES

__all__ = ["DEFAULT_PUBLISHED_DB", "PUBLISHED_TABLES", "PublishError", "main", "publish"]

#: Where ``persona publish`` writes and ``persona serve`` reads, unless told otherwise.
DEFAULT_PUBLISHED_DB = "data/published/marts.duckdb"


@dataclass(frozen=True)
class Table:
    name: str  # schema.table in the warehouse and in the published copy
    order_by: tuple[str, ...]  # sort key of the copy
    indexes: tuple[tuple[str, ...], ...]  # ART indexes (each a column list)
    required: bool = True
    columns: tuple[str, ...] | None = None  # the columns copied (None: all)
    where: str | None = None  # the rows copied (None: all)


PUBLISHED_TABLES: tuple[Table, ...] = (
    # sorted by value: a lookup reads the one block whose min/max holds the value
    Table(
        "marts.dim_identifiers", ("identifier_value", "identifier_type"), (("identifier_value",),)
    ),
    Table("marts.dim_customers", ("one_id",), (("one_id",),)),
    Table("marts.dim_customer_profiles", ("one_id",), (("one_id",),)),
    Table("marts.dim_tags", ("display_order",), ()),
    Table("marts.dim_audiences", ("audience_code",), ()),
    Table("marts.fct_audience_members", ("one_id", "audience_code"), (("one_id",),)),
    Table("marts.dim_customer_rfm", ("one_id",), (("one_id",),), required=False),
    Table("marts.dim_customer_lifecycle", ("one_id",), (("one_id",),), required=False),
    Table("marts.dim_customer_clv", ("one_id",), (("one_id",),), required=False),
    Table("marts.dim_customer_clusters", ("one_id",), (("one_id",),), required=False),
    Table("marts.dim_customer_propensity", ("one_id",), (("one_id",),), required=False),
    # consent per purpose and channel as it stands at build time; absent from older warehouses
    Table(
        "marts.dim_customer_consents",
        ("one_id", "purpose", "channel"),
        (("one_id",),),
        required=False,
    ),
    # the timeline (GET /v1/profiles/{one_id}/timeline): only the columns it reads, only rows of
    # a person, sorted by OneID so that a person's rows lie in one or two row groups whose min/max
    # (zone map) skips the rest; no ART index (it would cost more to build than it saves)
    *(
        Table(
            source.table,
            ("one_id",),
            (),
            required=False,
            columns=source.columns,
            where="one_id is not null",
        )
        for source in TIMELINE_SOURCES
    ),
    Table("seeds.identity_blocked_values", ("rule_id",), (), required=False),
    Table(
        "privacy.erased_identifiers",
        ("identifier_digest",),
        (("identifier_digest",),),
        required=False,
    ),
)


class PublishError(RuntimeError):
    """The warehouse cannot be published (missing, locked by a build, lacking a mart)."""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish(source: str | Path, target: str | Path, log=print) -> dict[str, int]:
    """Copy the API's marts from the warehouse ``source`` into ``target`` atomically; returns the
    rows copied per table. Raises :class:`PublishError` with a clear message when it cannot."""
    source, target = Path(source), Path(target)
    if not source.exists():
        raise PublishError(f"no warehouse at {source}: build it first (make run).")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)
    started = time.perf_counter()
    counts: dict[str, int] = {}
    # catalogs named pub and src: a file named marts.duckdb would be a catalog "marts"
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach {_literal(str(temporary))} as pub")
        try:
            con.execute(f"attach {_literal(str(source.resolve()))} as src (read_only)")
        except duckdb.Error as error:
            raise PublishError(
                f"cannot open the warehouse {source} read-only ({error}); a build holding it "
                "for writing must finish first. The previous publication stays in place."
            ) from error
        present = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select schema_name, table_name from duckdb_tables() where database_name = 'src'"
            ).fetchall()
        }
        missing = [t.name for t in PUBLISHED_TABLES if t.required and t.name not in present]
        if missing:
            raise PublishError(
                f"the warehouse {source} lacks {', '.join(missing)}: build the project first "
                "(make run)."
            )
        for table in PUBLISHED_TABLES:
            if table.name not in present:
                continue
            schema, name = table.name.split(".")
            con.execute(f"create schema if not exists pub.{schema}")
            order = ", ".join(table.order_by)
            columns = ", ".join(table.columns) if table.columns else "*"
            where = f"where {table.where} " if table.where else ""
            con.execute(
                f"create table pub.{schema}.{name} as "
                f"select {columns} from src.{schema}.{name} {where}order by {order}"
            )
            for number, columns in enumerate(table.indexes):
                con.execute(
                    f"create index {name}_ix{number} on pub.{schema}.{name} ({', '.join(columns)})"
                )
            (counts[table.name],) = con.execute(
                f"select count(*) from pub.{schema}.{name}"
            ).fetchone()
        # a person's identifiers together (the profile): the same rows sorted by OneID
        con.execute(
            "create table pub.marts.dim_identifiers_by_one_id as "
            "select * from pub.marts.dim_identifiers order by one_id, identifier_type"
        )
        con.execute(
            "create index dim_identifiers_by_one_id_ix "
            "on pub.marts.dim_identifiers_by_one_id (one_id)"
        )
        con.execute("create schema pub.publication")
        con.execute(
            "create table pub.publication.publications as select ? as source_path, "
            "cast(? as timestamp) as published_at, ? as tables",
            [
                str(source.resolve()),
                dt.datetime.now(dt.UTC).replace(tzinfo=None),
                ", ".join(f"{name} ({rows})" for name, rows in counts.items()),
            ],
        )
        con.execute("detach src")
        con.execute("checkpoint pub")
        con.execute("detach pub")
    except BaseException:
        con.close()
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(temporary, target)
    log(
        f"published {len(counts)} tables ({sum(counts.values())} rows) from {source} to {target} "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona publish",
        description=(
            "Copy the marts the profile API reads (persona serve) into a separate DuckDB file, "
            "atomically: written beside it, then moved over the previous publication. The API "
            "reopens the file when it changes; a build running on the warehouse never blocks it."
        ),
    )
    parser.add_argument(
        "--db",
        default=os.environ.get("PERSONA_DB", "data/persona.duckdb"),
        help="the warehouse (default: $PERSONA_DB, else data/persona.duckdb)",
    )
    parser.add_argument(
        "--out",
        default=os.environ.get("PERSONA_PUBLISHED_DB", DEFAULT_PUBLISHED_DB),
        help=f"the published copy (default: $PERSONA_PUBLISHED_DB, else {DEFAULT_PUBLISHED_DB})",
    )
    args = parser.parse_args(argv)
    try:
        publish(args.db, args.out)
    except PublishError as error:
        print(f"persona publish: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
