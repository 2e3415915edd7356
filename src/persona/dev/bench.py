"""`make bench SCALE=<persons>`: generate data at a scale, build it, print where the time went.

Generates `--scale` persons into a scratch directory, runs `dbt build` on it with a scratch
warehouse, and prints: the generator's wall time and peak memory, dbt's wall time and peak
memory, the floor (the time DuckDB takes to read every raw file of that scale once and
materialize it, with the build's threads and memory limit) and the build's ratio to it, the time
per stage (hooks, seeds, staging, intermediate, marts, snapshots, tests) and per
model, from dbt's `run_results.json`, when the build's resident memory peaked (read every half
second) and which nodes ran then, then the OneID comparison: the identity models' time, the
connected-components model's time, and scipy's `connected_components` on the same edge list read
from the warehouse, with their ratio and whether the two partitions agree. Nothing is asserted:
this is a benchmark, not a test.

`--target spark` (make bench BENCH_TARGET=spark, from the Spark environment) builds with
`persona dbt-spark build --target spark` on a local PySpark instead; its memory is the sum over the
build's process tree (dbt's Python process and Spark's JVM), and the OneID comparison reads the
Spark warehouse's Parquet tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[3]
RESOURCE_SETTINGS = ["PERSONA_THREADS", "PERSONA_MEMORY_LIMIT", "PERSONA_TEMP_DIR"]


#: seconds between two readings of the build's resident memory
SAMPLE_SECONDS = 0.5


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it (Spark's JVM is a child of dbt's Python process)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                queue += [int(child) for child in children.read_text().split()]
            except OSError:  # the task ended between the listing and the read
                continue
    return found


def tree_resident_mb(pid: int) -> float | None:
    """The resident memory of process `pid` and its descendants in MB; None once `pid` ended."""
    total, alive = 0.0, False
    for process in _descendants(pid):
        try:
            text = Path(f"/proc/{process}/status").read_text()
        except OSError:  # ended (or no /proc on this system)
            continue
        for line in text.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
                alive = alive or process == pid
    return total if alive else None


def sample_resident_memory(pid: int, samples: list, stop: threading.Event) -> None:
    """Append (unix time, resident MB of `pid` and its descendants) to `samples` until `stop`."""
    while not stop.wait(SAMPLE_SECONDS):
        resident = tree_resident_mb(pid)
        if resident is None:  # the process has ended (or /proc is not there)
            return
        samples.append((time.time(), resident))


def run_measured(
    cmd: list[str], env: dict[str, str], cwd: Path, samples: list | None = None
) -> tuple[float, float]:
    """Run `cmd`; return (wall seconds, peak resident memory in MB). With a list as `samples`, the
    resident memory of the process and its descendants is also read every SAMPLE_SECONDS into that
    list, and the peak is the larger of that sum and the largest single process's own peak."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, cwd=cwd)
    stop = threading.Event()
    sampler = None
    if samples is not None:
        sampler = threading.Thread(
            target=sample_resident_memory, args=(process.pid, samples, stop), daemon=True
        )
        sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    stop.set()
    if sampler is not None:
        sampler.join()
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"bench: {Path(cmd[0]).name} {cmd[1]} ... failed with exit code {code}")
    peak = max([usage.ru_maxrss / 1024, *(mb for _, mb in samples or [])])
    return wall, peak


FLOOR_SCRIPT = """
import os, sys
from pathlib import Path
import duckdb
raw, db = Path(sys.argv[1]), sys.argv[2]
con = duckdb.connect(db)
con.execute(f"set threads = {int(os.environ.get('PERSONA_THREADS', '2'))}")
con.execute(f"set memory_limit = '{os.environ.get('PERSONA_MEMORY_LIMIT', '5GB')}'")
rows = 0
for folder in sorted(p for p in raw.iterdir() if p.is_dir() and any(p.glob('*.parquet'))):
    con.execute(
        f"create table {folder.name} as select * from"
        f" read_parquet('{folder}/*.parquet', union_by_name = true)"
    )
    rows += con.sql(f"select count(*) from {folder.name}").fetchall()[0][0]
print(f"floor: {rows:,} raw rows read and materialized")
"""


def read_floor(raw: Path, work: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall s, peak MB) of reading every raw Parquet file once into DuckDB tables."""
    scratch = work / "floor.duckdb"
    command = [sys.executable, "-c", FLOOR_SCRIPT, str(raw.resolve()), str(scratch.resolve())]
    measured = run_measured(command, env, work)
    scratch.unlink(missing_ok=True)
    return measured


def stage_of(result: dict, nodes: dict) -> str:
    """The stage a run result belongs to: a layer for models, else the resource type."""
    unique_id = result["unique_id"]
    resource_type = unique_id.split(".")[0]
    if resource_type == "model":
        path = nodes.get(unique_id, {}).get("original_file_path", "")
        parts = Path(path).parts
        if parts and parts[0] == "python_models":  # python_models/<stage>/[<domain>/]<model>.py
            return "python models"
        return f"models: {parts[1]}" if len(parts) > 2 else "models"
    return {
        "test": "tests",
        "unit_test": "unit tests",
        "seed": "seeds",
        "snapshot": "snapshots",
    }.get(resource_type, resource_type)


def report(
    target: Path,
    generator: tuple[float, float] | None,
    floor: tuple[float, float],
    dbt: tuple[float, float],
    top: int,
) -> str:
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = manifest["nodes"]
    per_stage: dict[str, list[float]] = defaultdict(list)
    per_model: list[tuple[float, str, str]] = []
    per_test: list[tuple[float, str]] = []
    for result in results:
        stage = stage_of(result, nodes)
        per_stage[stage].append(result["execution_time"])
        if result["unique_id"].startswith("model."):
            per_model.append((result["execution_time"], result["unique_id"].split(".")[-1], stage))
        elif result["unique_id"].startswith("test."):
            per_test.append((result["execution_time"], result["unique_id"].split(".")[2]))
    lines = ["", "== persona bench ==", f"{'step':<40}{'wall s':>10}{'peak MB':>10}"]
    if generator is None:
        lines.append(f"{'generator':<40}{'(skipped: --raw)':>20}")
    else:
        lines.append(f"{'generator':<40}{generator[0]:>10.1f}{generator[1]:>10.0f}")
    lines.append(f"{'floor (read every raw file once)':<40}{floor[0]:>10.1f}{floor[1]:>10.0f}")
    lines.append(f"{'dbt build (whole process)':<40}{dbt[0]:>10.1f}{dbt[1]:>10.0f}")
    lines.append(f"{'build / floor':<40}{dbt[0] / floor[0]:>10.1f}")
    lines += ["", f"{'stage (sum of node times; 2 threads)':<40}{'nodes':>10}{'s':>10}"]
    for stage in sorted(per_stage, key=lambda s: -sum(per_stage[s])):
        lines.append(f"{stage:<40}{len(per_stage[stage]):>10}{sum(per_stage[stage]):>10.1f}")
    lines += ["", f"{'model':<50}{'stage':<24}{'s':>8}"]
    for seconds, name, stage in sorted(per_model, reverse=True)[:top]:
        lines.append(f"{name:<50}{stage:<24}{seconds:>8.2f}")
    if per_test:
        lines += ["", f"{'slowest data tests':<74}{'s':>8}"]
        for seconds, name in sorted(per_test, reverse=True)[:10]:
            lines.append(f"{name[:72]:<74}{seconds:>8.2f}")
    python_models = sorted(m for m in per_model if m[2] == "python models")
    if python_models:
        lines += ["", f"{'python model (CLV, clusters, propensity, ...)':<50}{'':<24}{'s':>8}"]
        for seconds, name, _ in sorted(python_models, reverse=True):
            lines.append(f"{name:<50}{'':<24}{seconds:>8.2f}")
    return "\n".join(lines)


def node_windows(results: list[dict]) -> list[tuple[str, float, float]]:
    """(node name, start, end) in unix time of every run result that has timings."""
    windows = []
    for result in results:
        times = [
            datetime.fromisoformat(stamp).timestamp()
            for step in result.get("timing", [])
            for stamp in (step.get("started_at"), step.get("completed_at"))
            if stamp
        ]
        if times:
            parts = result["unique_id"].split(".")
            name = parts[2] if parts[0] == "test" else parts[-1]
            windows.append((name, min(times), max(times)))
    return windows


def memory_report(results: list[dict], samples: list[tuple[float, float]], top: int = 10) -> str:
    """When the build's resident memory peaked and which nodes were running then, and the nodes
    with the highest resident memory while they ran (shared with any node running beside them)."""
    if not samples:
        return "\n== memory ==\nno resident-memory samples (no /proc on this system?)"
    windows = node_windows(results)
    peak_time, peak_mb = max(samples, key=lambda sample: sample[1])
    running = sorted(name for name, start, end in windows if start <= peak_time <= end)
    at = datetime.fromtimestamp(peak_time).strftime("%H:%M:%S")
    lines = ["", f"== memory (resident, read every {SAMPLE_SECONDS} s) =="]
    lines.append(
        f"peak {peak_mb:.0f} MB at {at} while running: {', '.join(running) or '(between nodes)'}"
    )
    highest = []
    for name, start, end in windows:
        during = [mb for stamp, mb in samples if start <= stamp <= end]
        if during:
            highest.append((max(during), end - start, name))
    lines.append(f"{'node (highest resident MB while it ran)':<60}{'MB':>8}{'s':>8}")
    for mb, seconds, name in sorted(highest, reverse=True)[:top]:
        lines.append(f"{name[:58]:<60}{mb:>8.0f}{seconds:>8.1f}")
    return "\n".join(lines)


def _open_warehouse(warehouse: Path):
    """A read-only DuckDB connection on a DuckDB warehouse file, or on a Spark warehouse folder
    (its Parquet tables as views)."""
    import duckdb

    if warehouse.is_dir():
        from persona.dev.compare import _attach_spark_warehouse

        con = duckdb.connect(":memory:")
        _attach_spark_warehouse(con, warehouse, "spark_warehouse")
        con.execute("use spark_warehouse")
        return con
    return duckdb.connect(str(warehouse), read_only=True)


def identity_report(target: Path, warehouse: Path) -> str:
    """OneID's stage time from run_results.json against scipy on the same edge list."""
    import numpy as np

    from persona.models.identity import connected_components

    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    identity = {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
        and "/identity/" in nodes.get(r["unique_id"], {}).get("original_file_path", "")
    }
    sql_cc = identity.get("int_identity_components", float("nan"))
    with _open_warehouse(warehouse) as con:
        started = time.perf_counter()
        node_ids = con.sql(
            "select node_id from intermediate.int_identifiers_screened"
            " where exclusion_reason is null order by node_id"
        ).fetchnumpy()["node_id"]
        edges = con.sql(
            "select node_id_a, node_id_b from intermediate.int_identifier_links_screened"
            " where exclusion_reason is null"
        ).fetchnumpy()
        load = time.perf_counter() - started
        started = time.perf_counter()
        scipy_labels = connected_components(node_ids, edges["node_id_a"], edges["node_id_b"])
        scipy_cc = time.perf_counter() - started
        sql_labels = con.sql(
            "select node_id, component_id from intermediate.int_identity_components"
            " order by node_id"
        ).fetchnumpy()
    agree = np.array_equal(sql_labels["node_id"], scipy_labels["node_id"].to_numpy()) and (
        np.array_equal(sql_labels["component_id"], scipy_labels["component_id"].to_numpy())
    )
    lines = ["", "== OneID (identity stage) =="]
    lines.append(f"{'identity models, sum of node times':<50}{sum(identity.values()):>10.2f} s")
    for name, seconds in sorted(identity.items(), key=lambda item: -item[1]):
        lines.append(f"  {name:<48}{seconds:>10.2f} s")
    lines.append(
        f"graph: {len(node_ids):,} usable identifiers, {len(edges['node_id_a']):,} usable links"
    )
    lines.append(f"{'connected components, SQL (int_identity_components)':<50}{sql_cc:>10.2f} s")
    lines.append(f"{'connected components, scipy (same edge list)':<50}{scipy_cc:>10.2f} s")
    lines.append(f"{'  (loading that edge list into numpy)':<50}{load:>10.2f} s")
    lines.append(f"{'ratio SQL / scipy':<50}{sql_cc / scipy_cc:>10.1f} x")
    lines.append(f"{'ratio SQL / (scipy + loading)':<50}{sql_cc / (scipy_cc + load):>10.1f} x")
    lines.append(f"partitions identical: {'yes' if agree else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="persona bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True, help="persons to generate")
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / ".bench")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--target",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="build on DuckDB (default) or on a local Spark (run from the Spark environment)",
    )
    parser.add_argument("--top", type=int, default=40, help="models to list")
    parser.add_argument("--keep", action="store_true", help="keep the scratch data afterwards")
    parser.add_argument(
        "--raw",
        type=Path,
        help="build this raw folder (written by persona generate --persons SCALE) instead of"
        " generating one; it is never deleted",
    )
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error("--scale must be a positive number of persons")

    work = args.workdir / f"scale-{args.scale}"
    if args.raw is not None:
        if not any(args.raw.glob("*/*.parquet")):
            parser.error(f"--raw {args.raw}: no <table>/*.parquet files there")
        if args.raw.resolve().is_relative_to(work.resolve()):
            parser.error(f"--raw {args.raw} is inside {work}, which the bench clears first")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw, target = (args.raw.resolve() if args.raw else work / "raw"), work / "target"
    env = dict(os.environ, PERSONA_RAW_DIR=str(raw), PERSONA_DB=str(work / "bench.duckdb"))
    python = sys.executable
    build = [str(Path(python).with_name("dbt")), "build"]
    warehouse = work / "bench.duckdb"
    if args.target == "spark":
        warehouse = work / "spark" / "warehouse"
        build = [str(Path(python).with_name("persona")), "dbt-spark", "build", "--target", "spark"]
        env.update(
            PERSONA_SPARK_DIR=str(work / "spark"),
            PERSONA_SPARK_CATALOG="in-memory",
            PYSPARK_PYTHON=python,
        )
        if importlib.util.find_spec("dbt.adapters.spark") is None:
            parser.error(
                "--target spark needs the Spark environment: make bench BENCH_TARGET=spark"
            )

    generator = (
        None
        if args.raw is not None
        else run_measured(
            [
                python,
                "-m",
                "persona.dev.generate",
                "--persons",
                str(args.scale),
                "--out",
                str(raw),
                "--seed",
                str(args.seed),
            ],
            env,
            PROJECT_DIR,
        )
    )
    floor = read_floor(raw, work, env)
    samples: list[tuple[float, float]] = []
    dbt_build = run_measured(
        [*build, "--target-path", str(target), "--log-path", str(work / "logs")],
        env,
        PROJECT_DIR,
        samples,
    )
    print(report(target, generator, floor, dbt_build, args.top))
    results = json.loads((target / "run_results.json").read_text())["results"]
    print(memory_report(results, samples))
    settings = {name: os.environ.get(name, "(default)") for name in RESOURCE_SETTINGS}
    print("settings: " + ", ".join(f"{name}={value}" for name, value in settings.items()))
    print(identity_report(target, warehouse))
    raw_mb = sum(f.stat().st_size for f in raw.rglob("*.parquet")) / 2**20
    files = [warehouse] if warehouse.is_file() else list(warehouse.rglob("*"))
    db_mb = sum(f.stat().st_size for f in files if f.is_file()) / 2**20
    print(
        f"\nraw Parquet {raw_mb:.0f} MB, warehouse {db_mb:.0f} MB ({args.target}),"
        f" persons {args.scale:,}"
    )
    if not args.keep:
        if args.raw is None:
            shutil.rmtree(raw, ignore_errors=True)
        (work / "bench.duckdb").unlink(missing_ok=True)
        shutil.rmtree(work / "spark", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
