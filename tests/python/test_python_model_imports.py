"""The dbt-duckdb plugin imports every package module the dbt Python models use, once, before
dbt's threads run the models: two threads importing scikit-learn for the first time at once fail
with "cannot import name 'clone' from partially initialized module 'sklearn.base'"."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from persona.models.raw_files import PYTHON_MODEL_MODULES

PYTHON_MODELS = Path(__file__).resolve().parents[2] / "python_models"


def test_every_module_the_python_models_import_is_preloaded() -> None:
    imported = set()
    for path in PYTHON_MODELS.rglob("*.py"):
        imported |= set(re.findall(r"^\s*from (persona\.[\w.]+) import", path.read_text(), re.M))
        imported |= set(re.findall(r"^\s*import (persona\.[\w.]+)", path.read_text(), re.M))
    assert imported, "no persona import found under python_models/: has the folder moved?"
    missing = sorted(imported - set(PYTHON_MODEL_MODULES))
    assert not missing, f"add to PYTHON_MODEL_MODULES in persona/models/raw_files.py: {missing}"


def test_plugin_initialize_imports_scikit_learn_in_a_fresh_interpreter() -> None:
    code = (
        "import sys\n"
        "from persona.models.raw_files import Plugin\n"
        "assert 'sklearn.base' not in sys.modules\n"
        "Plugin.__new__(Plugin).initialize({})\n"
        "print('sklearn.base' in sys.modules, 'persona.models.propensity' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True"]
