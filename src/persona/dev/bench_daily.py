"""`make bench-daily SCALE=<persons>`: a full build through day D, then one new day, timed.

Generates `--scale` persons through D (the generator's default window), builds them with
`persona run` on a scratch warehouse (the full build), generates the same persons again through
D+1 into the same folder (which adds only the new day's files), runs `persona run` again (the daily
build) and prints both wall times, their ratio, the peak memory of each and the daily build's time
per stage and the slowest nodes of the day beside their time in the full build, from dbt's
run_results.json (each build's copy is kept in the work folder as run_results-<build>.json).
`--days K` appends K days one at a time. Every build runs the models and their data tests, as
`make run` does. Nothing is asserted: a benchmark, not a test.
The goals of issue 17: a day in at most 10 % of the full build at 1M persons, 20 % at 100k.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

from persona.dev.bench import PROJECT_DIR, SAMPLE_SECONDS, run_measured, stage_of
from persona.dev.generate import generate
from persona.run import FIRST_ATTEMPT_RESULTS

DEFAULT_START = date(2024, 11, 1)


def stage_times(target: Path, results_file: Path) -> dict[str, float]:
    """Seconds per stage (staging, intermediate, marts, tests, ...) of a build's kept results
    (`results_file`: both attempts when it was retried), staged by the manifest in `target`."""
    manifest = json.loads((target / "manifest.json").read_text())
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    results = json.loads(results_file.read_text())["results"]
    totals: dict[str, float] = {}
    for result in results:
        stage = stage_of(result, nodes)
        totals[stage] = totals.get(stage, 0.0) + float(result.get("execution_time") or 0.0)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


def node_times(results_file: Path) -> dict[str, float]:
    """Seconds per node (model, test, seed, ...) of one build, by its unique id (a node that ran
    in both attempts of a retried build counts both)."""
    results = json.loads(results_file.read_text())["results"]
    times: dict[str, float] = {}
    for result in results:
        seconds = float(result.get("execution_time") or 0.0)
        times[result["unique_id"]] = times.get(result["unique_id"], 0.0) + seconds
    return times


def slowest_nodes(full: dict[str, float], day: dict[str, float], top: int = 20) -> list[str]:
    """The day's slowest nodes, each with its time in the full build (lines of a table)."""
    lines = [f"{'node':<58}{'full s':>10}{'day s':>10}"]
    for unique_id, seconds in sorted(day.items(), key=lambda item: -item[1])[:top]:
        kind, name = unique_id.split(".")[0], unique_id.split(".")[2]
        label = name if kind == "model" else f"{kind}: {name}"
        before = f"{full[unique_id]:>10.1f}" if unique_id in full else f"{'-':>10}"
        lines.append(f"{label[:56]:<58}{before}{seconds:>10.1f}")
    return lines


def _keep_results(target: Path, work: Path, build: str) -> Path:
    """A copy of the last build's run results that the next build will not overwrite. When
    `persona run` retried steps that ran out of memory, the first attempt's results come first."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    first = target / FIRST_ATTEMPT_RESULTS
    if first.is_file():
        results = json.loads(first.read_text())["results"] + results
    kept = work / f"run_results-{build}.json"
    kept.write_text(json.dumps({"results": results}))
    return kept


def _file_stamps(raw: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every raw data file (evaluation truth left out)."""
    return {
        str(f.relative_to(raw)): (f.stat().st_size, f.stat().st_mtime_ns)
        for f in raw.glob("*/*.parquet")
        if not f.parent.name.startswith("_")
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona bench-daily", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--scale", type=int, required=True, help="persons to generate")
    parser.add_argument("--days", type=int, default=1, help="days to append, one build each")
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / ".bench")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the scratch data afterwards")
    args = parser.parse_args(argv)
    if args.scale < 1 or args.days < 1:
        parser.error("--scale and --days must be positive")

    work = args.workdir / f"daily-{args.scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw, db, target = work / "raw", work / "bench.duckdb", work / "target"
    end = DEFAULT_START + timedelta(days=2 * 365 - 1)
    persona = str(Path(sys.executable).with_name("persona"))
    run = [persona, "run", "--db", str(db), "--raw", str(raw), "--build-only"]
    run += ["--target-path", str(target), "--log-path", str(work / "logs")]
    env = dict(os.environ)

    print(f"== generating {args.scale:,} persons through {end}", flush=True)
    generate(args.scale, DEFAULT_START, end, args.seed, raw, progress=False)
    print(f"== full build through {end} (persona run on an empty warehouse)", flush=True)
    full, full_peak = run_measured(run, env, PROJECT_DIR, [])
    # printed now, so that the figure stays in the output when a day fails
    print(f"== full build: {full:.1f} s, peak {full_peak:.0f} MB", flush=True)
    full_results = _keep_results(target, work, "full")
    full_stages, full_nodes = stage_times(target, full_results), node_times(full_results)
    rows = []
    for day in range(1, args.days + 1):
        new_end = end + timedelta(days=day)
        before = _file_stamps(raw)
        generate(args.scale, DEFAULT_START, new_end, args.seed, raw, progress=False)
        after = _file_stamps(raw)
        rewritten = sorted(p for p in before if after.get(p) != before[p])
        if rewritten:
            raise SystemExit(
                f"bench-daily: generating through {new_end} rewrote {len(rewritten)} existing "
                f"file(s) ({', '.join(rewritten[:3])}, ...) instead of adding the new day's files: "
                "this generator does not write days as files, so a daily build cannot be measured."
            )
        added = len(set(after) - set(before))
        print(f"== day {new_end}: {added} new file(s); daily build (persona run)", flush=True)
        daily, daily_peak = run_measured(run, env, PROJECT_DIR, [])
        print(f"== day {new_end}: {daily:.1f} s, peak {daily_peak:.0f} MB", flush=True)
        day_results = _keep_results(target, work, f"day-{day}")
        rows.append((new_end, added, daily, daily_peak, stage_times(target, day_results)))
        day_nodes = node_times(day_results)

    print(f"\npersons {args.scale:,}; memory read every {SAMPLE_SECONDS} s")
    print(f"{'build':<28}{'wall s':>10}{'peak MB':>10}{'/ full':>9}")
    print(f"{'full through ' + str(end):<28}{full:>10.1f}{full_peak:>10.0f}{'':>9}")
    for new_end, _added, daily, peak, _ in rows:
        print(f"{'day ' + str(new_end):<28}{daily:>10.1f}{peak:>10.0f}{daily / full:>9.1%}")
    print("\nseconds per stage (sum over nodes), full build vs the last daily build:")
    last = rows[-1][4]
    for stage in sorted(set(full_stages) | set(last), key=lambda s: -full_stages.get(s, 0.0)):
        print(f"  {stage:<22}{full_stages.get(stage, 0.0):>10.1f}{last.get(stage, 0.0):>10.1f}")
    print("\nthe last daily build's slowest nodes (seconds), beside the full build's:")
    print("\n".join(f"  {line}" for line in slowest_nodes(full_nodes, day_nodes)))
    if not args.keep:
        shutil.rmtree(raw, ignore_errors=True)
        db.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
