"""Shared pytest helpers: running dbt against a scratch warehouse and raw directory."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DBT = str(Path(sys.executable).with_name("dbt"))

# the fixture writer (tests/fixtures/make_raw_fixture.py) is a script, importable by the tests
sys.path.insert(0, str(PROJECT_DIR / "tests" / "fixtures"))


def run_dbt(
    args: list[str], raw: Path, workdir: Path, project_dir: Path = PROJECT_DIR
) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` in the project on the raw directory `raw`, with the warehouse, target and
    logs under `workdir` (never the developer's own), as `make run` does with PERSONA_RAW_DIR.
    `project_dir` is a copy of the project when a test edits seeds (see copy_project).

    dbt runs in `workdir` with the warehouse named relatively (`w.duckdb`), so that every test's
    profile is the same and a fresh target can start from the parse of an earlier one (dbt's
    partial parsing; a full parse of the project takes about 17 s, a partial one 3-4 s)."""
    env = dict(os.environ, PERSONA_RAW_DIR=str(raw), PERSONA_DB="w.duckdb")
    workdir.mkdir(parents=True, exist_ok=True)
    saved_parse = workdir / "target" / PARTIAL_PARSE
    shares_parse = project_dir == PROJECT_DIR and "--vars" not in args
    if shares_parse and _PARSE_CACHE and not saved_parse.exists():
        saved_parse.parent.mkdir(parents=True, exist_ok=True)
        saved_parse.write_bytes(_PARSE_CACHE[0])
    result = subprocess.run(
        [
            DBT,
            *args,
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if shares_parse and not _PARSE_CACHE and saved_parse.exists():
        _PARSE_CACHE.append(saved_parse.read_bytes())
    return result


# the project's saved parse (target/partial_parse.msgpack) from the first run_dbt of the session on
# the project itself with no --vars; dbt reparses on its own whatever differs (another raw
# directory, a memory limit, an edited file)
_PARSE_CACHE: list[bytes] = []
PARTIAL_PARSE = "partial_parse.msgpack"


def copy_project(dest: Path) -> Path:
    """A copy of the dbt project (code, seeds, tests; no data, venv or build output) whose seeds a
    test may edit, e.g. to add an override to seeds/identity/."""
    import shutil

    dest.mkdir(parents=True, exist_ok=True)
    for name in [
        "dbt_project.yml",
        "profiles.yml",
        "models",
        "macros",
        "seeds",
        "analyses",
        "tests",
        "python_models",
    ]:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, dest / name)
    return dest


def show_json(stdout: str) -> list[dict]:
    """The rows of `dbt show --output json` from stdout, wherever the log lines put them."""
    text = ANSI.sub("", stdout)
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", text):
        try:
            found, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict) and isinstance(found.get("show"), list):
            return found["show"]
    raise AssertionError(f"no JSON result in dbt show output:\n{stdout[-4000:]}")


def one_id_owners_cte(truth: Path) -> str:
    """SQL for a CTE `owners (one_id, person_id, n)`: the generator's person who owns most of each
    OneID's identifiers (ties: the lower person_id). Identifiers seen once (a marketplace buyer id,
    say) are not in the truth, so about half the buyers map to a person."""
    return f"""
        owners as (
            select identifiers.one_id, identity.person_id, count(*) as n
            from marts.dim_identifiers as identifiers
            inner join '{truth / "identity.parquet"}' as identity
                on identifiers.identifier_type = identity.identifier_type
                and identifiers.identifier_value = identity.identifier_value
            where identifiers.one_id is not null
            group by identifiers.one_id, identity.person_id
            qualify row_number() over (
                partition by identifiers.one_id order by n desc, person_id
            ) = 1
        )"""


SAMPLE_BUILD = ["build", "--exclude-resource-type", "test", "unit_test"]


@pytest.fixture(scope="session")
def default_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The default sample (10,000 persons, seed 42, 2024-11-01..2026-10-31) generated and built
    once per test session: (workdir holding w.duckdb and target/, raw directory). Tests open the
    warehouse read-only; a test that edits data builds its own copy."""
    from datetime import date

    from persona.dev.generate import generate

    tmp = tmp_path_factory.mktemp("default_sample")
    raw = tmp / "raw"
    generate(10_000, date(2024, 11, 1), date(2026, 10, 31), 42, raw, progress=False)
    result = run_dbt(SAMPLE_BUILD, raw, tmp)
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]
    return tmp, raw
