"""Compare the marts of two warehouse files, table by table: did a change alter what BI reads?

    persona compare-marts BEFORE.duckdb AFTER.duckdb [--schema marts]
                          [--ignore-column TABLE.COLUMN ...]

Both files are attached READ_ONLY to one in-memory DuckDB connection. Either side may instead be
the warehouse folder of a Spark build (`spark.sql.warehouse.dir`: a folder `<schema>.db/<table>/`
of Parquet files per table, as `make test-spark` writes it); its tables are read as DuckDB views.
For every table (or view) in the schema of either file it reports whether the table is in both
files or only one, the columns only in one file (and columns whose type changed), the row counts
before and after, and the rows only in BEFORE and only in AFTER: the row multisets over the common
columns compared with `EXCEPT ALL` both ways, so a duplicated row counts too. Floating-point
columns (DOUBLE, FLOAT, REAL) are compared after round(x, 9), so that last-digit noise of a re-
computation does not show (a value that sits right on a rounding boundary can still flip). Types
that differ only in how an engine stores them (INTEGER and BIGINT, a UTC TIMESTAMP WITH TIME ZONE
and a TIMESTAMP) are compared as one type, and still reported as type changes. Ignored columns
(`--ignore-column TABLE.COLUMN`, repeatable) are left out of the comparison altogether.

Exit code: 0 when every table is identical, 1 when any table differs or is in only one file,
2 when the files cannot be read or the schema is in neither file.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL", "FLOAT4", "FLOAT8"}
DECIMALS = 9
ALIASES = {"before": "before_db", "after": "after_db"}


class CompareError(Exception):
    """The comparison could not be made (unreadable file, schema in neither file, bad argument)."""


@dataclass
class TableComparison:
    table: str
    in_before: bool
    in_after: bool
    rows_before: int | None = None
    rows_after: int | None = None
    only_before: int | None = None  # rows of BEFORE (over the compared columns) missing in AFTER
    only_after: int | None = None
    columns_only_before: list[str] = field(default_factory=list)
    columns_only_after: list[str] = field(default_factory=list)
    type_changes: list[tuple[str, str, str]] = field(default_factory=list)  # column, before, after
    compared_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.in_after:
            return "only in BEFORE"
        if not self.in_before:
            return "only in AFTER"
        if self.identical:
            return "identical"
        return "differs"

    @property
    def identical(self) -> bool:
        return (
            self.in_before
            and self.in_after
            and bool(self.compared_columns)
            and not self.columns_only_before
            and not self.columns_only_after
            and not self.type_changes
            and self.only_before == 0
            and self.only_after == 0
        )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse_ignored(specs: list[str]) -> dict[str, set[str]]:
    """{table: {column, ...}} (lower case) from TABLE.COLUMN arguments."""
    ignored: dict[str, set[str]] = {}
    for spec in specs:
        table, dot, column = spec.partition(".")
        if not dot or not table or not column or "." in column:
            raise CompareError(f"--ignore-column expects TABLE.COLUMN, got {spec!r}")
        ignored.setdefault(table.lower(), set()).add(column.lower())
    return ignored


def _columns(con, alias: str, schema: str) -> dict[str, dict[str, str]]:
    """{table: {column: data_type}} of the schema in one attached file, columns in table order."""
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [alias, schema],
    ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


#: types compared as one: the first type of each group is the one both sides are cast to
SAME_VALUES = (
    ("BIGINT", {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}),
    ("DOUBLE", FLOAT_TYPES),
    ("TIMESTAMP", {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS"}),
)


def _common_type(before_type: str, after_type: str) -> str | None:
    """The type two columns of different types are compared as, or None (compare as text)."""
    for common, group in SAME_VALUES:
        if before_type.upper() in group and after_type.upper() in group:
            return common
    return None


def _expression(column: str, data_type: str, as_type: str | None) -> str:
    expression = _quote(column)
    if data_type.upper() in FLOAT_TYPES:
        expression = f"round(cast({expression} as double), {DECIMALS})"
    if as_type:
        expression = f"cast({expression} as {as_type})"
    return f"{expression} as {_quote(column)}"


def _count(con, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _compare_table(con, schema, table, before_types, after_types, ignored) -> TableComparison:
    result = TableComparison(table, before_types is not None, after_types is not None)
    names = {}
    for side, types in (("before", before_types), ("after", after_types)):
        if types is None:
            continue
        relation = f"{ALIASES[side]}.{_quote(schema)}.{_quote(table)}"
        names[side] = relation
        setattr(result, f"rows_{side}", _count(con, f"select count(*) from {relation}"))
    if before_types is None or after_types is None:
        return result

    after_lower = {column.lower(): column for column in after_types}
    before_lower = {column.lower(): column for column in before_types}
    result.ignored_columns = sorted({*before_lower, *after_lower} & ignored)
    result.columns_only_before = [
        column
        for column in before_types
        if column.lower() not in after_lower and column.lower() not in ignored
    ]
    result.columns_only_after = [
        column
        for column in after_types
        if column.lower() not in before_lower and column.lower() not in ignored
    ]
    select_before, select_after = [], []
    for column, before_type in before_types.items():
        key = column.lower()
        if key not in after_lower or key in ignored:
            continue
        after_column = after_lower[key]
        after_type = after_types[after_column]
        changed = before_type != after_type
        if changed:
            result.type_changes.append((column, before_type, after_type))
        result.compared_columns.append(column)
        as_type = (_common_type(before_type, after_type) or "varchar") if changed else None
        select_before.append(_expression(column, before_type, as_type))
        select_after.append(_expression(after_column, after_type, as_type))
    if not result.compared_columns:
        return result
    before_rows = f"select {', '.join(select_before)} from {names['before']}"
    after_rows = f"select {', '.join(select_after)} from {names['after']}"
    result.only_before = _count(
        con, f"select count(*) from ({before_rows} except all {after_rows})"
    )
    result.only_after = _count(con, f"select count(*) from ({after_rows} except all {before_rows})")
    return result


def compare(
    before: Path,
    after: Path,
    schema: str = "marts",
    ignore: list[str] | None = None,
    tables: list[str] | None = None,
) -> list[TableComparison]:
    """One TableComparison per table of the schema in either file (or per table of `tables`), by
    table name."""
    ignored = parse_ignored(ignore or [])
    for path in (before, after):
        if not Path(path).is_file() and not Path(path).is_dir():
            raise CompareError(f"no such warehouse file or Spark warehouse folder: {path}")
    con = duckdb.connect(":memory:")
    try:
        # timestamps with a zone read as UTC wall clock, as DuckDB's own TIMESTAMP columns are
        con.execute("set TimeZone = 'UTC'")
        for side, path in (("before", before), ("after", after)):
            if Path(path).is_dir():
                _attach_spark_warehouse(con, Path(path), ALIASES[side])
                continue
            try:
                con.execute(f"attach {_literal(str(path))} as {ALIASES[side]} (read_only)")
            except duckdb.Error as error:
                raise CompareError(f"cannot open {path} read-only: {error}") from error
        before_tables = _columns(con, ALIASES["before"], schema)
        after_tables = _columns(con, ALIASES["after"], schema)
        if not before_tables and not after_tables:
            raise CompareError(f"neither file has a table in schema {schema!r}")
        return [
            _compare_table(
                con,
                schema,
                table,
                before_tables.get(table),
                after_tables.get(table),
                ignored.get(table.lower(), set()),
            )
            for table in sorted(tables or set(before_tables) | set(after_tables))
        ]
    finally:
        con.close()


def _attach_spark_warehouse(con, folder: Path, alias: str) -> None:
    """An in-memory database `alias` with a view per table of a Spark warehouse folder
    (`<schema>.db/<table>/*.parquet`); a table folder without Parquet files is left out."""
    con.execute(f"attach ':memory:' as {alias}")
    for schema_dir in sorted(folder.glob("*.db")):
        schema = schema_dir.name[: -len(".db")]
        con.execute(f"create schema if not exists {alias}.{_quote(schema)}")
        for table_dir in sorted(path for path in schema_dir.iterdir() if path.is_dir()):
            if not any(table_dir.glob("*.parquet")):
                continue
            files = _literal(str(table_dir / "*.parquet"))
            con.execute(
                f"create view {alias}.{_quote(schema)}.{_quote(table_dir.name)}"
                f" as select * from read_parquet({files})"
            )


def _cell(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def report(
    results: list[TableComparison], before: Path, after: Path, schema: str, ignore: list[str]
) -> str:
    """The printed report: one line per table, the details of the differences, the summary."""
    lines = [
        f"BEFORE {before}",
        f"AFTER  {after}",
        f"schema {schema}: {len(results)} tables",
        f"floating-point columns (DOUBLE, FLOAT, REAL) are compared after round(x, {DECIMALS}):",
        f"  differences beyond the {DECIMALS}th decimal do not show",
    ]
    if ignore:
        lines.append(f"ignored columns (left out of the comparison): {', '.join(ignore)}")
        known = {f"{r.table.lower()}.{c}" for r in results for c in r.ignored_columns}
        unknown = [spec for spec in ignore if spec.lower() not in known]
        if unknown:
            lines.append(f"  not found in a table in both files: {', '.join(unknown)}")
    header = ("table", "rows_before", "rows_after", "only_before", "only_after", "status")
    table = [header] + [
        (
            r.table,
            _cell(r.rows_before),
            _cell(r.rows_after),
            _cell(r.only_before),
            _cell(r.only_after),
            r.status,
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines.append("")
    for row in table:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:5], widths[1:5], strict=True)]
        lines.append("  ".join([*cells, row[5]]).rstrip())
    details = []
    for r in results:
        if r.columns_only_before:
            details.append(
                f"  {r.table}: columns only in BEFORE: {', '.join(r.columns_only_before)}"
            )
        if r.columns_only_after:
            details.append(f"  {r.table}: columns only in AFTER: {', '.join(r.columns_only_after)}")
        for column, before_type, after_type in r.type_changes:
            details.append(
                f"  {r.table}: column {column} changed type {before_type} -> {after_type}"
                " (compared as text)"
            )
        if r.in_before and r.in_after and not r.compared_columns:
            details.append(f"  {r.table}: no column in common to compare rows on")
    if details:
        lines += ["", "differences in columns:", *details]
    identical = sum(r.identical for r in results)
    one_file = sum(not (r.in_before and r.in_after) for r in results)
    differ = len(results) - identical - one_file
    lines += ["", f"{identical} tables identical, {differ} differ, {one_file} only in one file"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona compare-marts", description=__doc__.splitlines()[0]
    )
    parser.add_argument("before", type=Path, metavar="BEFORE.duckdb")
    parser.add_argument(
        "after", type=Path, metavar="AFTER.duckdb", help="or a Spark warehouse folder"
    )
    parser.add_argument("--schema", default="marts", help="the schema to compare (default marts)")
    parser.add_argument(
        "--ignore-column",
        action="append",
        default=[],
        metavar="TABLE.COLUMN",
        help="leave a column out of the comparison (repeatable)",
    )
    parser.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="TABLE",
        help="compare only this table (repeatable; default: every table of the schema)",
    )
    args = parser.parse_args(argv)
    try:
        results = compare(
            args.before, args.after, args.schema, args.ignore_column, args.table or None
        )
    except CompareError as error:
        print(f"persona compare-marts: {error}", file=sys.stderr)
        return 2
    print(report(results, args.before, args.after, args.schema, args.ignore_column))
    return 0 if all(r.identical for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
