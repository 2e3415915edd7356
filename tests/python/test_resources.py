"""The build's resource settings (threads, memory limit, spill folder) from the environment.

A malformed value stopping dbt without a stack trace is tested with the other settings in
test_hostile_input.test_a_malformed_setting_stops_the_build_naming_it."""

from __future__ import annotations

import pytest
from conftest import ANSI, run_dbt
from make_raw_fixture import write_fixture

from persona.models.resources import resource_problems


def test_well_formed_settings_pass() -> None:
    assert resource_problems({}) == []
    assert (
        resource_problems(
            {"PERSONA_THREADS": "4", "PERSONA_MEMORY_LIMIT": "1.5GB", "PERSONA_TEMP_DIR": "/tmp/x"}
        )
        == []
    )
    assert resource_problems({"PERSONA_MEMORY_LIMIT": "800 MiB"}) == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PERSONA_THREADS", "0", "must be a whole number of threads"),
        ("PERSONA_THREADS", "two", "must be a whole number of threads"),
        ("PERSONA_MEMORY_LIMIT", "lots", "must be an amount of memory with its unit"),
        ("PERSONA_MEMORY_LIMIT", "5", "must be an amount of memory with its unit"),
        ("PERSONA_TEMP_DIR", " ", "give a folder where DuckDB may spill"),
    ],
)
def test_each_malformed_setting_is_named(variable: str, value: str, message: str) -> None:
    (problem,) = resource_problems({variable: value})
    assert variable in problem and message in problem


def test_a_small_memory_limit_still_builds(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DuckDB spills to PERSONA_TEMP_DIR instead of failing (the fixture fits in far less)."""
    raw = tmp_path / "raw"
    write_fixture(raw, ["products", "ecommerce_orders", "ecommerce_order_items"])
    monkeypatch.setenv("PERSONA_MEMORY_LIMIT", "64MB")
    monkeypatch.setenv("PERSONA_THREADS", "1")
    monkeypatch.setenv("PERSONA_TEMP_DIR", str(tmp_path / "spill"))
    result = run_dbt(["run", "-s", "+stg_ecommerce__orders"], raw, tmp_path)
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-3000:]
    assert "Concurrency: 1 threads" in ANSI.sub("", result.stdout)
