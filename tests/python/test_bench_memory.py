"""`make bench` says when the build's resident memory peaked and which nodes ran then."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from persona.dev.bench import memory_report, node_windows, run_measured


def result(unique_id: str, start: str, end: str) -> dict:
    return {
        "unique_id": unique_id,
        "timing": [
            {"name": "compile", "started_at": f"2026-12-04T10:00:{start}Z", "completed_at": None},
            {"name": "execute", "started_at": None, "completed_at": f"2026-12-04T10:00:{end}Z"},
        ],
    }


def stamp(second: float) -> float:
    return node_windows([result("model.p.x", f"{second:06.3f}", f"{second:06.3f}")])[0][1]


def test_the_peak_names_the_nodes_running_then_and_each_node_its_highest_memory() -> None:
    results = [
        result("model.persona.fct_events", "00.000", "10.000"),
        result("model.persona.int_propensity_scores", "05.000", "20.000"),
        result("test.persona.unique_fct_events_event_id.abc123", "21.000", "22.000"),
        {"unique_id": "model.persona.no_timing", "timing": []},
    ]
    samples = [(stamp(1), 900.0), (stamp(7), 4000.0), (stamp(15), 2500.0), (stamp(21.5), 300.0)]

    text = memory_report(results, samples)

    assert "peak 4000 MB" in text
    assert "while running: fct_events, int_propensity_scores" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[3:]}
    assert rows["fct_events"][0] == "4000"
    assert rows["int_propensity_scores"][0] == "4000"
    assert rows["unique_fct_events_event_id"] == ["300", "1.0"]
    assert "no_timing" not in rows


def test_no_samples_says_so() -> None:
    assert "no resident-memory samples" in memory_report([], [])


def test_run_measured_reads_the_resident_memory_of_the_running_process(tmp_path: Path) -> None:
    samples: list = []
    code = "import time; block = b'x' * (300 * 2**20); time.sleep(1.5)"  # written, so resident
    wall, peak = run_measured([sys.executable, "-c", code], dict(os.environ), tmp_path, samples)
    assert wall >= 1.5
    assert peak >= 300
    assert samples, "no sample was read while the process ran"
    assert max(mb for _, mb in samples) >= 300


def test_run_measured_adds_up_the_process_tree(tmp_path: Path) -> None:
    """Spark's JVM is a child of dbt's process: the bench counts the tree, not one process."""
    samples: list = []
    child = "import time; block = b'x' * (200 * 2**20); time.sleep(2)"
    code = (
        "import subprocess, sys, time; block = b'x' * (200 * 2**20);"
        f" subprocess.run([sys.executable, '-c', {child!r}])"
    )
    _, peak = run_measured([sys.executable, "-c", code], dict(os.environ), tmp_path, samples)
    assert max(mb for _, mb in samples) >= 400, "parent and child resident together"
    assert peak >= 400
