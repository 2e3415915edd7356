"""`make bench-daily` names the day's slowest nodes beside their time in the full build."""

from __future__ import annotations

import json
from pathlib import Path

from persona.dev.bench_daily import _keep_results, node_times, slowest_nodes
from persona.run import FIRST_ATTEMPT_RESULTS


def test_the_slowest_nodes_of_the_day_come_first_with_their_full_build_time(tmp_path: Path) -> None:
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.persona.fct_events", "execution_time": 2.5},
                    {
                        "unique_id": "test.persona.unique_fct_events_event_id.ab12",
                        "execution_time": 9,
                    },
                    {"unique_id": "model.persona.new_model", "execution_time": 4.0},
                    {"unique_id": "seed.persona.channels", "execution_time": None},
                ]
            }
        )
    )
    day = node_times(results)
    full = {"model.persona.fct_events": 60.0, "test.persona.unique_fct_events_event_id.ab12": 9.5}

    lines = slowest_nodes(full, day, top=3)

    assert day["seed.persona.channels"] == 0.0
    assert [line.split()[0] for line in lines] == ["node", "test:", "new_model", "fct_events"]
    assert lines[1].split()[1:] == ["unique_fct_events_event_id", "9.5", "9.0"]
    assert lines[2].split()[1:] == ["-", "4.0"], "a node the full build did not run has no time"
    assert lines[3].split()[1:] == ["60.0", "2.5"]


def test_a_retried_build_counts_both_attempts(tmp_path: Path) -> None:
    """When `persona run` retried steps that ran out of memory, the day's kept results hold both
    attempts: a step that failed and then ran counts the time of both."""
    target = tmp_path / "target"
    target.mkdir()
    (target / FIRST_ATTEMPT_RESULTS).write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.persona.fct_events", "execution_time": 10.0},
                    {"unique_id": "model.persona.int_cluster_runs", "execution_time": 20.0},
                    {"unique_id": "model.persona.dim_customer_clusters", "execution_time": 0},
                ]
            }
        )
    )
    (target / "run_results.json").write_text(
        json.dumps(
            {
                "results": [
                    {"unique_id": "model.persona.int_cluster_runs", "execution_time": 30.0},
                    {"unique_id": "model.persona.dim_customer_clusters", "execution_time": 2.0},
                ]
            }
        )
    )

    day = node_times(_keep_results(target, tmp_path, "day-1"))

    assert day == {
        "model.persona.fct_events": 10.0,
        "model.persona.int_cluster_runs": 50.0,
        "model.persona.dim_customer_clusters": 2.0,
    }
    (target / FIRST_ATTEMPT_RESULTS).unlink()
    assert node_times(_keep_results(target, tmp_path, "day-2")) == {
        "model.persona.int_cluster_runs": 30.0,
        "model.persona.dim_customer_clusters": 2.0,
    }
