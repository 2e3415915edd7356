"""Shared pytest helpers: running dbt against a scratch warehouse and raw directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))

# the fixture writer (tests/fixtures/make_raw_fixture.py) is a script, importable by the tests
sys.path.insert(0, str(PROJECT_DIR / "tests" / "fixtures"))


def run_dbt(args: list[str], raw: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run `dbt <args>` in the project on the raw directory `raw`, with the warehouse, target and
    logs under `workdir` (never the developer's own), as `make run` does with PERSONA_RAW_DIR."""
    env = dict(os.environ, PERSONA_RAW_DIR=str(raw), PERSONA_DB=str(workdir / "w.duckdb"))
    return subprocess.run(
        [DBT, *args, "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
