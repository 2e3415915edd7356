"""Raw files are checked one by one before a table folder is read (raw contract version 2).

dbt-duckdb loads `Plugin` (profiles.yml, `plugins:`) on every connection it opens; the plugin
registers the SQL function `persona_raw_file_problem(path)`, which the raw-source hook
(macros/raw/register_raw_sources.sql) calls for every data file of a table folder. It returns null
for a readable Parquet file and otherwise what is wrong with it, so that the hook can stop the
build with one message that names the file, instead of a decoder error that names none.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import weakref

import pyarrow as pa
import pyarrow.parquet as pq
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from persona.models.resources import resource_problems

FUNCTION = "persona_raw_file_problem"
#: the package modules the dbt Python models (python_models/) import, imported here once, before
#: dbt's threads run them: two threads importing scikit-learn for the first time at once can each
#: meet the other's half-initialised module ("cannot import name 'clone' from partially
#: initialized module 'sklearn.base'"). tests/python/test_raw_files.py keeps this list complete.
PYTHON_MODEL_MODULES = (
    "persona.models.clusters",
    "persona.models.clv",
    "persona.models.features",
    "persona.models.identity",
    "persona.models.lookalike",
    "persona.models.propensity",
    "persona.models.runtime",
)
#: connections the function is registered on, unregistered at exit: a Python function still
#: held by an open DuckDB connection when the interpreter ends makes DuckDB print leak warnings
_CONNECTIONS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _unregister() -> None:
    for conn in list(_CONNECTIONS):
        # a closed connection has nothing left to remove
        with contextlib.suppress(Exception):
            conn.remove_function(FUNCTION)


def raw_file_problem(path: str) -> str | None:
    """None when `path` is a Parquet file of text and values whose every page decodes; else what
    is wrong with it and what to do, as the end of a sentence that starts with the file's name.

    Every row group is read (one at a time, so memory stays bounded by the largest row group):
    a damaged page header or compressed page fails here, where reading the footer alone passes.
    A column of raw bytes (Parquet BYTE_ARRAY without the UTF-8 string annotation), as written by
    a tool exporting GBK or Latin-1 text, is refused too: persona reads text, and DuckDB cannot
    combine such a column with the same column written as text in another file.
    """
    try:
        parquet = pq.ParquetFile(path)
        for index in range(parquet.num_row_groups):
            parquet.read_row_group(index)
        schema = parquet.schema_arrow
    except Exception as error:  # any reader failure is a problem of this file, reported by name
        message = " ".join(str(error).split())
        return (
            f"cannot be read ({type(error).__name__}: {message}). It is damaged or not really"
            " Parquet: export it again"
        )
    binary = [
        field.name
        for field in schema
        if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type)
    ]
    if binary:
        return (
            f"holds bytes, not text, in column(s) {', '.join(binary)} (an export in GBK or"
            " Latin-1?): export those columns as UTF-8 text (Parquet strings)"
        )
    return None


class Plugin(BasePlugin):
    """Registers persona's SQL functions on each DuckDB connection dbt opens, after checking the
    build's resource settings (persona.models.resources), which DuckDB applies right after, and
    importing the Python models' modules in one thread (PYTHON_MODEL_MODULES)."""

    def initialize(self, plugin_config) -> None:
        problems = resource_problems()
        if problems:
            raise DbtRuntimeError("\n".join(problems))
        for module in PYTHON_MODEL_MODULES:
            importlib.import_module(module)

    def configure_connection(self, conn) -> None:
        conn.create_function(
            FUNCTION,
            raw_file_problem,
            ["VARCHAR"],
            "VARCHAR",
            null_handling="special",
            exception_handling="return_null",
            side_effects=True,
        )
        # a connection type without weak references: nothing to clean up at exit
        with contextlib.suppress(TypeError):
            _CONNECTIONS.add(conn)
