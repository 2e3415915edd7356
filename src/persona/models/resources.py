"""The build's resources come from the environment: threads, memory limit, spill folder.

profiles.yml reads `PERSONA_THREADS` (default 2), `PERSONA_MEMORY_LIMIT` (default 5GB) and
`PERSONA_TEMP_DIR` (default: the warehouse file's name + `.tmp`). DuckDB would reject a malformed
memory limit with a parser error and a stack trace before any persona code runs, so the dbt-duckdb
plugin (persona.models.raw_files) checks them first and stops with one message that names the
variable and says what to write.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

#: DuckDB's memory sizes: a number and a unit (500MB, 5GB, 1.5GiB), or a percentage of the RAM
MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib|%)\s*$", re.IGNORECASE)


def resource_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """What is wrong with the resource settings in `environ` (default: os.environ); [] when fine."""
    environ = os.environ if environ is None else environ
    problems = []
    threads = environ.get("PERSONA_THREADS")
    if threads is not None and not (threads.strip().isdigit() and int(threads) >= 1):
        problems.append(
            f"PERSONA_THREADS={threads!r} must be a whole number of threads, 1 or more"
            " (e.g. PERSONA_THREADS=2; unset it for the default, 2)."
        )
    memory = environ.get("PERSONA_MEMORY_LIMIT")
    if memory is not None and not MEMORY.match(memory):
        problems.append(
            f"PERSONA_MEMORY_LIMIT={memory!r} must be an amount of memory with its unit, such as"
            " 5GB or 800MB (unset it for the default, 5GB)."
        )
    temp_dir = environ.get("PERSONA_TEMP_DIR")
    if temp_dir is not None and not temp_dir.strip():
        problems.append(
            "PERSONA_TEMP_DIR is empty: give a folder where DuckDB may spill to disk"
            " (unset it for the default, the warehouse file's name + .tmp)."
        )
    return problems
