"""No model, test or analysis body holds SQL that only DuckDB understands (issue 18).

What differs between engines lives in macros behind `adapter.dispatch`: a macro whose body holds
DuckDB-only SQL is either a `duckdb__` branch or a `default__` branch with a `spark__` sibling
(or another engine's branch). The Spark build (`make test-spark`) is the full proof; this test is
the quick guard that a new model did not write `x::int` or `select * exclude (...)` into SQL.
The patterns are the DuckDB habits Spark refuses or reads differently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
BODY_ROOTS = ("models", "tests", "analyses")

#: name -> regular expression (case-insensitive) of a DuckDB-only construct
DUCKDB_ONLY = {
    "x::type cast": r"::\s*[a-z]",
    "strptime / strftime": r"\b(try_)?str[pf]time\s*\(",
    "regexp_matches() (Spark: rlike)": r"(?<![._a-z])regexp_matches\s*\(",
    "list functions": r"(?<![._a-z])list(_[a-z_]+)?\s*\(",
    "string_agg()": r"\bstring_agg\s*\(",
    "epoch()": r"\bepoch(_ms|_us)?\s*\(",
    "date_diff('part', a, b) (Spark: datediff(end, start))": r"\bdate_diff\s*\(\s*'",
    "group by all": r"\bgroup\s+by\s+all\b",
    "select * exclude (...)": r"\bexclude\s*\(",
    "qualify": r"\bqualify\b",
    "generate_series() / range() as a table": r"(?<![._a-z])(generate_series|range)\s*\(",
    "unnest() (Spark: explode)": r"(?<![._a-z])unnest\s*\(",
    "hash() (a different hash on each engine)": r"(?<![._a-z])hash\s*\(",
    "arg_max() / arg_min() (Spark: max_by / min_by)": r"\barg_(max|min)\s*\(",
    "list[1] (DuckDB counts from 1, Spark from 0)": r"[a-z_)]\[\d+\]",
    "{'key': value} struct literal": r"\{\s*'[a-z_]+'\s*:",
}
#: engines whose own macro branches may use their own SQL
ENGINE_PREFIXES = ("duckdb__", "spark__", "postgres__", "snowflake__", "bigquery__", "databricks__")
MACRO = re.compile(
    r"\{%-?\s*macro\s+([a-z_0-9]+)\s*\(.*?%\}(.*?)\{%-?\s*endmacro\s*-?%\}", re.S | re.I
)


def sql_outside_jinja(text: str) -> str:
    """The SQL a file writes itself: Jinja comments, tags and expressions and SQL line comments
    removed (what a macro renders is that macro's business)."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"--[^\n]*", " ", text)
    return re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)


def duckdb_only(sql: str) -> list[str]:
    return [name for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, sql, re.I)]


def body_problems(root: Path = PROJECT_DIR) -> list[str]:
    problems = []
    for folder in BODY_ROOTS:
        for path in sorted((root / folder).rglob("*.sql")):
            found = duckdb_only(sql_outside_jinja(path.read_text(encoding="utf-8")))
            if found:
                problems.append(f"{path.relative_to(root)}: {', '.join(found)}")
    return problems


def macro_problems(root: Path = PROJECT_DIR) -> list[str]:
    macros = {}
    for path in sorted((root / "macros").rglob("*.sql")):
        for name, body in MACRO.findall(path.read_text(encoding="utf-8")):
            macros[name] = (path, body)
    problems = []
    for name, (path, body) in sorted(macros.items()):
        found = duckdb_only(sql_outside_jinja(body))
        if not found or name.startswith(ENGINE_PREFIXES):
            continue
        if name.startswith("default__") and "spark__" + name.removeprefix("default__") in macros:
            continue
        problems.append(
            f"{path.relative_to(root)}: macro {name} ({', '.join(found)}): make it a dispatched"
            " macro with a spark__ branch"
        )
    return problems


def test_model_bodies_hold_no_duckdb_only_sql() -> None:
    assert body_problems() == []


def test_macros_with_duckdb_only_sql_have_a_spark_branch() -> None:
    assert macro_problems() == []


@pytest.mark.parametrize(
    "sql",
    [
        "select amount::int from orders",
        "select * exclude (phone) from customers",
        "select one_id from t qualify row_number() over (partition by one_id order by x) = 1",
        "select list(x)[1] from t group by all",
        "select strftime(ordered_at, '%Y') from t",
    ],
)
def test_the_lint_catches_duckdb_habits(tmp_path: Path, sql: str) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "macros").mkdir()
    (tmp_path / "models" / "m.sql").write_text(
        "{{ config(materialized='table') }}\n-- a comment::int is fine\n" + sql
    )
    (tmp_path / "macros" / "x.sql").write_text(
        "{% macro x() %}" + sql + "{% endmacro %}\n"
        "{% macro default__y() %}" + sql + "{% endmacro %}\n"
        "{% macro duckdb__z() %}" + sql + "{% endmacro %}\n"
    )
    assert len(body_problems(tmp_path)) == 1
    assert [p.split("macro ")[1].split(" ")[0] for p in macro_problems(tmp_path)] == [
        "default__y",
        "x",
    ]


def test_jinja_and_comments_are_not_sql() -> None:
    text = "{# x::int #} -- y::int\n{{ persona.regexp_matches('a', 'b') }} {% set d = {'k': 1} %}"
    assert duckdb_only(sql_outside_jinja(text)) == []
