"""The `persona` command line (persona.cli): the help lists every command, an unknown command
names them all, and every command's module imports and has a `main`."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from persona.cli import BY_NAME, COMMANDS, main

PERSONA = str(Path(sys.executable).with_name("persona"))

#: every command the command line has; a command added to or removed from persona.cli.COMMANDS
#: must be added to or removed from here too
EXPECTED = {
    "export-marts",
    "export-audiences",
    "validate",
    "tags",
    "docs-check",
    "generate",
    "bench",
    "compare-marts",
    "dbt-spark",
    "publish",
    "serve",
    "bench-api",
    "run",
    "bench-daily",
}


def test_the_table_holds_the_expected_commands_once() -> None:
    names = [command.name for _, commands in COMMANDS for command in commands]
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED == set(BY_NAME)


def test_help_lists_every_command() -> None:
    result = subprocess.run([PERSONA, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for name, command in BY_NAME.items():
        assert f"persona {name} {command.usage}" in result.stdout
        assert command.help in result.stdout
    for audience, _ in COMMANDS:
        assert f"{audience}:" in result.stdout


def test_no_command_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    out = capsys.readouterr().out
    assert all(f"persona {name} " in out for name in EXPECTED)


def test_an_unknown_command_exits_2_and_names_every_command() -> None:
    result = subprocess.run([PERSONA, "frobnicate"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    for name in EXPECTED:
        assert f"'{name}'" in result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_command_module_imports_and_has_a_main(name: str) -> None:
    module = importlib.import_module(BY_NAME[name].module)
    assert callable(getattr(module, "main", None)), f"{module.__name__} has no main"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_command_answers_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The dispatcher reaches the command's own argument parser."""
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_the_generator_runs_as_a_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "persona.dev.generate", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "python -m persona.dev.generate" in result.stdout
