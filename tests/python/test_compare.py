"""`persona compare-marts` (persona.dev.compare) on two small warehouse files: identical tables,
a changed row, an extra table, float noise beyond the 9th decimal, an ignored column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from persona.cli import main as cli_main
from persona.dev.compare import compare, main

COMMON = [
    "create schema marts",
    "create table marts.dim_same (id integer, name varchar, amount double)",
    "insert into marts.dim_same values (1, 'a', 1.5), (2, 'b', 2.25), (2, 'b', 2.25)",
    "create table intermediate_stuff (id integer)",  # main schema: never compared
]

BEFORE = [
    *COMMON,
    "create table marts.fct_changed (id integer, status varchar)",
    "insert into marts.fct_changed values (1, 'open'), (2, 'open'), (3, 'closed')",
    "create table marts.fct_float (id integer, score double, share float)",
    "insert into marts.fct_float values (1, 0.123456789012, 0.5), (2, 1.0 / 3, 0.25)",
    "create table marts.dim_ignored (id integer, built_at timestamp)",
    "insert into marts.dim_ignored values (1, '2026-01-01 00:00:00'), (2, '2026-01-01 00:00:00')",
]

AFTER = [
    *COMMON,
    "create table marts.fct_changed (id integer, status varchar)",
    "insert into marts.fct_changed values (1, 'open'), (2, 'closed'), (3, 'closed')",
    "create table marts.fct_float (id integer, score double, share float)",
    # the 12th decimal differs: noise, not a difference
    "insert into marts.fct_float values (1, 0.123456789013, 0.5), (2, 1.0 / 3 + 1e-13, 0.25)",
    "create table marts.dim_ignored (id integer, built_at timestamp)",
    "insert into marts.dim_ignored values (1, '2026-02-02 00:00:00'), (2, '2026-02-02 00:00:00')",
    "create table marts.rpt_new (id integer)",
    "insert into marts.rpt_new values (1), (2)",
]


def make_db(path: Path, statements: list[str]) -> Path:
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return make_db(tmp_path / "before.duckdb", BEFORE), make_db(tmp_path / "after.duckdb", AFTER)


def table_lines(out: str) -> dict[str, list[str]]:
    """{table: [rows_before, rows_after, only_before, only_after, status]} from the report."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("table "))
    rows = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        cells = line.split()
        rows[cells[0]] = [*cells[1:5], " ".join(cells[5:])]
    return rows


def test_identical_files_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = make_db(tmp_path / "a.duckdb", COMMON)
    after = make_db(tmp_path / "b.duckdb", COMMON)
    assert main([str(before), str(after)]) == 0
    out = capsys.readouterr().out
    assert table_lines(out) == {"dim_same": ["3", "3", "0", "0", "identical"]}
    assert "1 tables identical, 0 differ, 0 only in one file" in out
    assert "round(x, 9)" in out


def test_differences_are_counted_per_table(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = files
    assert main([str(before), str(after)]) == 1
    out = capsys.readouterr().out
    assert table_lines(out) == {
        "dim_ignored": ["2", "2", "2", "2", "differs"],
        "dim_same": ["3", "3", "0", "0", "identical"],
        "fct_changed": ["3", "3", "1", "1", "differs"],
        "fct_float": ["2", "2", "0", "0", "identical"],
        "rpt_new": ["-", "2", "-", "-", "only in AFTER"],
    }
    assert out.rstrip().splitlines()[-1] == "2 tables identical, 2 differ, 1 only in one file"


def test_an_ignored_column_is_left_out_and_listed(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = files
    code = main([str(before), str(after), "--ignore-column", "dim_ignored.built_at"])
    out = capsys.readouterr().out
    assert code == 1  # fct_changed and rpt_new still differ
    assert "ignored columns (left out of the comparison): dim_ignored.built_at" in out
    assert table_lines(out)["dim_ignored"] == ["2", "2", "0", "0", "identical"]
    assert "3 tables identical, 1 differ, 1 only in one file" in out


def test_the_cli_runs_the_comparison(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = files
    assert cli_main(["compare-marts", str(before), str(before)]) == 0
    assert "4 tables identical, 0 differ, 0 only in one file" in capsys.readouterr().out
    assert cli_main(["compare-marts", str(before), str(after)]) == 1


def test_a_real_float_difference_shows(tmp_path: Path) -> None:
    table = "create table marts.t (x double)"
    before = make_db(
        tmp_path / "a.duckdb", ["create schema marts", table, "insert into marts.t values (0.5)"]
    )
    after = make_db(
        tmp_path / "b.duckdb",
        ["create schema marts", table, "insert into marts.t values (0.500000001)"],
    )
    [result] = compare(before, after)
    assert (result.only_before, result.only_after, result.status) == (1, 1, "differs")


def test_duplicates_columns_and_types_count(tmp_path: Path) -> None:
    before = make_db(
        tmp_path / "a.duckdb",
        [
            "create schema marts",
            "create table marts.t (id integer, gone varchar)",
            "insert into marts.t values (1, 'x'), (1, 'x'), (2, 'y')",
            "create table marts.old (id integer)",
        ],
    )
    after = make_db(
        tmp_path / "b.duckdb",
        [
            "create schema marts",
            "create table marts.t (id bigint, added varchar)",
            "insert into marts.t values (1, 'p'), (2, 'q'), (2, 'q')",
        ],
    )
    old, t = compare(before, after)
    assert (old.status, old.rows_before, old.rows_after) == ("only in BEFORE", 0, None)
    assert t.columns_only_before == ["gone"] and t.columns_only_after == ["added"]
    assert t.type_changes == [("id", "INTEGER", "BIGINT")]
    # the multisets over `id`: {1, 1, 2} against {1, 2, 2}
    assert (t.only_before, t.only_after, t.status) == (1, 1, "differs")


def test_the_files_are_opened_read_only(files: tuple[Path, Path]) -> None:
    before, after = files
    stamps = [(p.stat().st_mtime_ns, p.stat().st_size) for p in files]
    compare(before, after)
    assert [(p.stat().st_mtime_ns, p.stat().st_size) for p in files] == stamps


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--schema", "nope"], "neither file has a table in schema 'nope'"),
        (["--ignore-column", "no_dot"], "expects TABLE.COLUMN"),
    ],
)
def test_refused_arguments_exit_2(
    files: tuple[Path, Path], extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before, after = files
    assert main([str(before), str(after), *extra]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = make_db(tmp_path / "a.duckdb", COMMON)
    assert main([str(before), str(tmp_path / "missing.duckdb")]) == 2
    assert "no such warehouse file" in capsys.readouterr().err
