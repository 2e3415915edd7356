"""`persona run` (what `make run` calls) is safe to run every day (issue 17, items 2 and 6).

One small warehouse is built through day D, then:
- run again with no new file: nothing to do, the warehouse file is not even opened for writing;
- a second build while the lock is held: it stops at the start with a clear message;
- day D+1 arrives (the generator adds its files); a build of it is killed half-way; the next run
  finds the same files new and builds them; then day D+2 arrives, a file is re-exported and
  another removed; the warehouse built day by day passes every data test, and every current-state
  mart equals a fresh full build of the same files.
The planning of new, changed and removed files is checked on its own, without dbt.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import ANSI, PROJECT_DIR, run_dbt

from persona import run as persona_run
from persona.dev.compare import compare
from persona.dev.generate import generate
from persona.run import (
    FIRST_ATTEMPT_RESULTS,
    BuildLock,
    _files_to_recheck,
    describe,
    make_plan,
    out_of_memory_failures,
    project_fingerprint,
    record_build,
)

PERSONA = str(Path(sys.executable).with_name("persona"))
START, END = date(2025, 1, 1), date(2025, 6, 30)
D = END - timedelta(days=1)  # the first build is through day D; the generator then adds END, END+1
PERSONS, SEED = 600, 5
# histories: one row per change over the builds a warehouse has seen; compared by their current rows
HISTORIES = {
    "fct_customer_tag_history": "select one_id, tag_code, tag_value from {t} where is_current",
    "fct_audience_membership_history": "select audience_code, one_id from {t} where is_current",
    "fct_identity_changes": None,  # the changes between builds: a fresh warehouse has had none
    "fct_experiment_arm_changes": None,
}
# columns that say when a build ran, or count what the builds saw (arm changes between builds)
BUILD_TIMES = [
    "fct_customer_tag_history.valid_from",
    "rpt_privacy_requests.applied_at",
    "rpt_experiment_srm.n_arm_changes",
]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _persona_run(workdir: Path, raw: Path, *extra: str, **popen) -> subprocess.Popen:
    args = [PERSONA, "run", "--db", str(workdir / "w.duckdb"), "--raw", str(raw), "--build-only"]
    args += ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
    # the models only: the data tests run in `make fixture-build`
    extra = (*extra, "--", "--exclude-resource-type", "test", "unit_test")
    return subprocess.Popen(
        [*args, *extra],
        cwd=PROJECT_DIR,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def _run(workdir: Path, raw: Path, *extra: str) -> tuple[int, str]:
    process = _persona_run(workdir, raw, *extra)
    out, _ = process.communicate(timeout=900)
    return process.returncode, out


def _same(a: Path, b: Path, query: str) -> bool:
    """Whether a query gives the same rows (as a multiset) on two warehouses."""
    rows = []
    for db in (a, b):
        con = duckdb.connect(str(db), read_only=True)
        rows.append(sorted(map(repr, con.execute(query).fetchall())))
        con.close()
    return rows[0] == rows[1]


def _raw_files(raw: Path) -> set[str]:
    """The raw data files (folders starting with `_`, the generator's truth, left out)."""
    return {
        f"{f.parent.name}/{f.name}"
        for f in raw.glob("*/*.parquet")
        if not f.parent.name.startswith(("_", "."))
    }


def _extend(raw: Path, through: date) -> list[str]:
    """Generate the same persons through a later day: the generator adds only the new days' files
    and leaves every existing file as it was (issue 17, item 1). The files it added."""
    before = {f: (raw / f).read_bytes() for f in _raw_files(raw)}
    generate(PERSONS, START, through, SEED, raw, progress=False, design_end=END)
    after = _raw_files(raw)
    assert all((raw / f).read_bytes() == content for f, content in before.items())
    return sorted(after - set(before))


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("daily")
    raw = tmp / "raw"
    generate(PERSONS, START, D, SEED, raw, progress=False, design_end=END)
    paths = {"raw": raw, "daily": tmp / "daily", "full": tmp / "full"}
    for name in ("daily", "full"):
        paths[name].mkdir()
    code, out = _run(paths["daily"], raw)
    assert code == 0, out[-4000:]
    paths["first_output"] = out
    return paths


def test_the_first_build_says_what_it_reads(daily) -> None:
    out = daily["first_output"]
    n = len(_raw_files(daily["raw"]))
    assert "first build of this warehouse" in out
    assert "build complete" in out
    con = duckdb.connect(str(daily["daily"] / "w.duckdb"), read_only=True)
    files = con.execute("select count(*) from loads.raw_files").fetchone()[0]
    builds = con.execute("select mode, files_new from loads.builds").fetchall()
    assert files == n
    con.close()
    assert builds[0][0] == "first" and len(builds) == 1


def test_no_new_files_changes_nothing(daily) -> None:
    warehouse = daily["daily"] / "w.duckdb"
    before = (_file_digest(warehouse), warehouse.stat().st_mtime_ns)
    code, out = _run(daily["daily"], daily["raw"])
    assert code == 0, out[-4000:]
    assert "nothing to do" in out and "0 new, 0 changed, 0 removed" in out
    assert "== dbt build" not in out
    assert (_file_digest(warehouse), warehouse.stat().st_mtime_ns) == before


def test_a_second_build_stops_at_the_start(daily) -> None:
    warehouse = daily["daily"] / "w.duckdb"
    before = _file_digest(warehouse)
    with BuildLock(warehouse):
        code, out = _run(daily["daily"], daily["raw"])
    assert code == 3, out
    assert "another build is running on this warehouse" in out and "changed nothing" in out
    assert f"pid {os.getpid()}" in out
    assert _file_digest(warehouse) == before


def test_daily_steps_equal_a_full_build(daily) -> None:
    """Several daily steps in a row, then one fresh full build of the files left; every current-
    state mart is identical, and the daily warehouse passes every data test.
    1. Day D+1 arrives as new files from the generator (with five web events of earlier days
       delivered again in its web file, and twelve new ones that happened months ago); its build
       is killed half-way; the next run builds the same new files.
    2. Day D+2 arrives, a month file is re-exported with rows missing, and one mini-program day
       file is withdrawn."""
    raw = daily["raw"]
    delivered = _extend(raw, END)
    assert f"web_events/{END.isoformat()}.parquet" in delivered, delivered
    con = duckdb.connect()
    web_day = raw / "web_events" / f"{END.isoformat()}.parquet"
    month = raw / "web_events" / f"{START:%Y-%m}.parquet"
    # and twelve new events that arrive late, months after they happened, three minutes after an
    # event of the same visitor: the sessions of their owners change from the middle of history
    con.execute(
        f"copy (select * from '{web_day}' union all by name "
        f"(select * from '{month}' order by event_id limit 5) union all by name "
        f"(select * replace (event_id || '-late' as event_id, "
        f"event_at + interval 3 minute as event_at, "
        f"(select min(ingested_at) from '{web_day}') as ingested_at) "
        f"from '{month}' where member_id is not null "
        f"order by event_id desc limit 12)) to '{web_day}'"
    )
    process = _persona_run(daily["daily"], raw, start_new_session=True)
    deadline = time.monotonic() + 300
    lines = []
    assert process.stdout is not None
    for line in process.stdout:  # kill once the build is well under way
        lines.append(line)
        if sum(" OK created " in seen for seen in lines) >= 40 or time.monotonic() > deadline:
            break
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    killed = "".join(lines)
    assert f"{len(delivered)} new, 0 changed, 0 removed" in killed, killed[-3000:]
    assert "build complete" not in killed

    code, out = _run(daily["daily"], raw)
    assert code == 0, out[-4000:]
    assert f"{len(delivered)} new, 0 changed, 0 removed" in out  # the manifest had not moved on
    # most owners of a new event are sessionized again from their last session before it only
    found = re.search(r"of (\d+) owners whole and (\d+) owners from their last session", out)
    assert found, out[-3000:]
    whole, tails = map(int, found.groups())
    assert 0 < whole < tails, (whole, tails)

    # step 2: the next day, a re-export of a month file without 2% of its rows, a day file withdrawn
    added = _extend(raw, END + timedelta(days=1))
    assert added, "the generator added no file for the next day"
    con.execute(f"create table kept as select * from '{month}' where hash(event_id) % 50 != 0")
    con.execute(f"copy kept to '{month}'")
    con.close()
    (raw / "miniprogram_events" / f"{END.isoformat()}.parquet").unlink()
    code, out = _run(daily["daily"], raw)
    assert code == 0, out[-4000:]
    assert f"{len(added)} new, 1 changed, 1 removed" in out, out[-3000:]
    # OneID by component (item 3): the identity components the day reached, not the whole graph
    found = re.search(r"computes again (\d+) of (\d+) identifiers", out)
    assert found, out[-3000:]
    again, total = map(int, found.groups())
    assert 0 < again < total, (again, total)
    # the events: only the owners the day touched are sessionized again, and fct_events copies them
    events = "int_events_sessionized"
    assert f"{events}: sessionizes again only the people and devices" in out, out[-3000:]
    found = re.search(rf"{events}: sessionized again (\d+) of (\d+) events", out)
    assert found, out[-3000:]
    again, total = map(int, found.groups())
    assert 0 < again < total, (again, total)
    for copying in ("fct_events", "fct_sessions", "int_session_paths"):
        assert f"{copying}: copies only the events {events} rewrote" in out, out[-3000:]
    # the per-person models that read the events compute again only some people
    for per_person in ("int_customer_activity_days", "int_customer_event_features"):
        found = re.search(rf"{per_person}: computed again (\d+) of (\d+) people", out)
        assert found, out[-3000:]
        again, total = map(int, found.groups())
        assert 0 < again < total, (per_person, again, total)
    con = duckdb.connect(str(daily["daily"] / "w.duckdb"), read_only=True)
    query = "select mode from loads.builds order by finished_at"
    modes = [m for (m,) in con.execute(query).fetchall()]
    con.close()
    assert modes == ["first", "incremental", "incremental"]

    # every data test on the warehouse built day by day (a daily `make run` runs them)
    result = run_dbt(["test", "--exclude-resource-type", "unit_test"], raw, daily["daily"])
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]

    # the tag history, updated key by key on each daily build, is what a rebuild from its log gives
    rebuilt = daily["daily"].parent / "rebuilt"
    rebuilt.mkdir()
    shutil.copy(daily["daily"] / "w.duckdb", rebuilt / "w.duckdb")
    args = ["run", "-s", "fct_customer_tag_history", "--full-refresh"]
    result = run_dbt(args, raw, rebuilt)
    assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]
    query = "select * from marts.fct_customer_tag_history"
    assert _same(daily["daily"] / "w.duckdb", rebuilt / "w.duckdb", query)
    con = duckdb.connect(str(rebuilt / "w.duckdb"), read_only=True)
    closed = con.execute(query.replace("*", "count(*)") + " where not is_current").fetchone()[0]
    con.close()
    assert closed > 0, "the daily steps closed no tag period: the key-by-key update went untested"

    code, out = _run(daily["full"], raw)
    assert code == 0, out[-4000:]
    full, incremental = daily["full"] / "w.duckdb", daily["daily"] / "w.duckdb"
    tables = compare(full, incremental, ignore=BUILD_TIMES)
    assert len(tables) > 50
    differ = {t.table for t in tables if not t.identical}
    # the cluster marts included: model state is a function of the data and the as-of date
    # (DECISIONS.md, 2026-12-06), so a warehouse built day by day has no state a fresh one lacks
    assert differ - set(HISTORIES) == set(), sorted(differ - set(HISTORIES))
    for table, current in HISTORIES.items():
        if current:
            assert _same(full, incremental, current.format(t=f"marts.{table}")), table
    # the staged rows themselves, locators included
    for table in ("staging.base_web__events", "staging.base_miniprogram__events"):
        rows = []
        for build in ("daily", "full"):
            con = duckdb.connect(str(daily[build] / "w.duckdb"), read_only=True)
            rows.append(con.execute(f"select * from {table} order by all").fetchall())
            con.close()
        assert rows[0] == rows[1], table


def test_planning_new_changed_and_removed_files(tmp_path) -> None:
    """Without dbt: a re-exported file is `changed` (same name, other content), a touched file
    with the same content is not, a vanished file is `removed`; a full refresh reads all."""
    raw, db = tmp_path / "raw", tmp_path / "w.duckdb"
    for name in ("a", "b", "c"):
        (raw / "web_events").mkdir(parents=True, exist_ok=True)
        (raw / "web_events" / f"{name}.parquet").write_bytes(name.encode() * 10)
    (raw / "web_events" / "_notes.parquet").write_bytes(b"ignored")
    (raw / "_truth").mkdir()  # the generator's evaluation truth: not a raw table
    (raw / "_truth" / "persons.parquet").write_bytes(b"truth")
    plan = make_plan(db, raw, "f1", full_refresh=False)
    assert plan.new == ["web_events/a.parquet", "web_events/b.parquet", "web_events/c.parquet"]
    assert plan.last_build is None and "first build" in describe(plan, False)[0]
    duckdb.connect(str(db)).close()
    record_build(db, raw, plan, "first", datetime.now(UTC))

    (raw / "web_events" / "a.parquet").write_bytes(b"re-exported")  # changed
    later = time.time() + 5
    os.utime(raw / "web_events" / "b.parquet", (later, later))  # touched, same content
    (raw / "web_events" / "c.parquet").unlink()  # removed
    (raw / "web_events" / "d.parquet").write_bytes(b"new day")  # new
    (raw / "_truth" / "persons.parquet").write_bytes(b"truth as of the new day")  # not counted
    plan = make_plan(db, raw, "f1", full_refresh=False)
    assert (plan.new, plan.changed, plan.removed, plan.unchanged) == (
        ["web_events/d.parquet"],
        ["web_events/a.parquet"],
        ["web_events/c.parquet"],
        ["web_events/b.parquet"],
    )
    text = "\n".join(describe(plan, False))
    assert "1 new, 1 changed, 1 removed, 1 unchanged" in text and "re-export" in text
    full = make_plan(db, raw, "f1", full_refresh=True)
    assert len(full.new) == 3 and not (full.changed or full.removed)
    assert make_plan(db, raw, "f2", full_refresh=False).project_changed


def test_the_fingerprint_follows_the_project_and_settings(tmp_path, monkeypatch) -> None:
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "models" / "m.sql").write_text("select 1")
    first = project_fingerprint(project, [])
    assert project_fingerprint(project, []) == first
    monkeypatch.setenv("PERSONA_THREADS", "7")  # speed only
    assert project_fingerprint(project, []) == first
    monkeypatch.setenv("PERSONA_EARLIEST_VALID_DATE", "1995-01-01")
    assert project_fingerprint(project, []) != first
    monkeypatch.delenv("PERSONA_EARLIEST_VALID_DATE")
    (project / "models" / "m.sql").write_text("select 2")
    assert project_fingerprint(project, []) != first
    assert project_fingerprint(project, ["--vars", "{as_of: 2025-01-01}"]) != project_fingerprint(
        project, []
    )


def test_future_rows_are_read_again_only_when_their_time_has_come(tmp_path) -> None:
    """A file holding a row set aside as `future_timestamp` is read again by a daily build once
    that row could be valid (within the tolerance and a margin), not while it is dated years
    ahead: every event file of the sample holds a few rows dated 2099."""
    raw = tmp_path / "raw"
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema staging")
    con.execute(
        "create table staging.base_web__events (event_at timestamp, ingested_at timestamp, "
        "quarantine_reason varchar, _raw_file varchar)"
    )
    rows = [
        ("2099-06-18 17:15:30", "2026-11-01 00:00:00", "future_timestamp", "web_events/a.parquet"),
        ("now", "now", "future_timestamp", "web_events/b.parquet"),  # due: valid within the hour
        (None, None, "future_timestamp", "web_events/c.parquet"),  # undated: always read again
        ("now", "now", None, "web_events/d.parquet"),  # a kept row
        ("2099-01-01 00:00:00", None, "future_timestamp", "elsewhere/e.parquet"),
    ]
    for event_at, ingested_at, reason, file in rows:
        stamp = "current_localtimestamp() + interval 1 hour"
        con.execute(
            "insert into staging.base_web__events values ("
            + ", ".join(
                stamp if v == "now" else "null" if v is None else f"'{v}'"
                for v in (event_at, ingested_at, reason)
            )
            + f", '{raw}/{file}')"
        )
    assert _files_to_recheck(con, raw) == {"web_events/b.parquet", "web_events/c.parquet"}


def _results(target: Path, *failures: tuple[str, str, str]) -> None:
    """A dbt run_results.json with one passing model and the given (unique id, status, message)."""
    target.mkdir(parents=True, exist_ok=True)
    rows = [{"unique_id": "model.persona.fct_orders", "status": "success", "message": "OK"}]
    rows += [{"unique_id": u, "status": s, "message": m} for u, s, m in failures]
    (target / "run_results.json").write_text(json.dumps({"results": rows}))


OOM = "Out of Memory Error: failed to pin block of size 256.0 KiB (4.6 GiB/4.6 GiB used)"


def test_only_out_of_memory_failures_are_retried(tmp_path) -> None:
    """Two heavy steps side by side can run out of DuckDB's memory though each fits alone: those
    failures are retried; any other failure (a wrong model, a failed data test) is not."""
    target = tmp_path / "target"
    assert out_of_memory_failures(target / "run_results.json") == []  # no results at all
    _results(
        target,
        ("model.persona.int_customer_features_at_cutoffs", "error", f"Runtime Error\n  {OOM}"),
        ("model.persona.int_recommendation_related_products", "error", OOM),
        ("test.persona.unique_fct_events_event_id.355e3ede35", "error", OOM),
    )
    assert out_of_memory_failures(target / "run_results.json") == [
        "int_customer_features_at_cutoffs",
        "int_recommendation_related_products",
        "unique_fct_events_event_id",
    ]
    assert out_of_memory_failures(target / "run_results.json", since=time.time() + 60) == [], (
        "results older than this build are an earlier build's"
    )
    _results(
        target,
        ("model.persona.int_customer_features_at_cutoffs", "error", OOM),
        ("test.persona.unique_fct_orders_order_id.ab12", "fail", "Got 3 results"),
    )
    assert out_of_memory_failures(target / "run_results.json") == []
    _results(target, ("model.persona.dim_customers", "error", 'Binder Error: column "x" not found'))
    assert out_of_memory_failures(target / "run_results.json") == []


def test_a_build_out_of_memory_is_retried_one_step_at_a_time(tmp_path, monkeypatch, capsys) -> None:
    """`persona run` without dbt: the build fails out of memory, `dbt retry --threads 1` succeeds,
    and the build is recorded as complete, with the first attempt's results kept for the bench."""
    project, raw, db = tmp_path / "project", tmp_path / "raw", tmp_path / "w.duckdb"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: p\n")
    (raw / "web_events").mkdir(parents=True)
    (raw / "web_events" / "2026-11-01.parquet").write_bytes(b"a day")
    calls: list[list[str]] = []

    def fake_dbt(args, env, options) -> int:
        calls.append(args)
        if args[0] == "build":
            _results(project / "target", ("model.persona.int_cluster_runs", "error", OOM))
            return 1
        _results(project / "target")
        return 0

    monkeypatch.setattr(persona_run, "_dbt", fake_dbt)
    code = persona_run.main(
        ["--db", str(db), "--raw", str(raw), "--project-dir", str(project), "--build-only"]
    )
    assert code == 0
    assert [args[0] for args in calls] == ["build", "retry"] and calls[1][1:] == ["--threads", "1"]
    assert "1 step(s) ran out of DuckDB's memory" in capsys.readouterr().out
    first = json.loads((project / "target" / FIRST_ATTEMPT_RESULTS).read_text())["results"]
    assert first[-1]["unique_id"] == "model.persona.int_cluster_runs"
    assert make_plan(db, raw, "", full_refresh=False).new == []  # recorded as complete

    calls.clear()
    (raw / "web_events" / "2026-11-02.parquet").write_bytes(b"another day")

    def failing_dbt(args, env, options) -> int:
        calls.append(args)
        _results(project / "target", ("model.persona.fct_orders", "error", "Binder Error"))
        return 1

    monkeypatch.setattr(persona_run, "_dbt", failing_dbt)
    options = ["--db", str(db), "--raw", str(raw), "--project-dir", str(project), "--build-only"]
    assert persona_run.main(options) == 1
    assert [args[0] for args in calls] == ["build"], "another failure is not retried"
    assert not (project / "target" / FIRST_ATTEMPT_RESULTS).exists()
