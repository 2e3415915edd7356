"""`persona run`: build the warehouse, safe to run every day (what `make run` calls).

    persona run [--db data/persona.duckdb] [--raw data/raw] [--full-refresh] [--build-only]
                [--target-path DIR --log-path DIR] [-- EXTRA DBT ARGS]

In order, under one lock:

1. **One build at a time.** An exclusive lock on ``<db>.lock`` (``flock``: the system releases it
   when the process ends, however it ends). A second build on the same warehouse stops here with
   a clear message and touches nothing.
2. **What changed.** Every raw file (``<raw>/<folder>/*.parquet``, names starting with ``.`` or
   ``_`` left out, as the build does) is compared with the load manifest of the last complete build
   (``loads.raw_files`` in the warehouse: path, size, modification time and SHA-256 of the
   content; a file is read and hashed again only when its size or time changed). The build says,
   before it starts, how many files are new, changed (re-exported) and removed.
3. **Nothing to do.** No new, changed or removed file, and the same project (models, macros, seeds,
   the persona package, the ``PERSONA_*`` settings, the extra dbt arguments) as the last complete
   build: the build is skipped and no row changes.
4. **The build.** ``dbt build`` (``--full-refresh`` with ``--full-refresh``): every model and its
   data tests. Unit tests are left out (``DBT_EXCLUDE_RESOURCE_TYPES=unit_test`` unless that
   variable is set or an ``--exclude-resource-type`` is passed): they test the code on fixed
   inputs, not the day's data, so ``make test`` runs them and a daily build would only repeat
   them. Then, unless ``--build-only``, the docs site, the audience exports and the API's
   published copy.
   **Steps starved of memory run again alone.** When the only failures are DuckDB's ``Out of
   Memory Error`` (two heavy steps side by side can together need more than
   ``PERSONA_MEMORY_LIMIT``, though each fits alone), ``dbt retry --threads 1`` runs the failed
   steps and those skipped after them once more, one at a time. Any other failure ends the build.
5. **The manifest moves on only when the build succeeded.** A build that fails or is killed
   half-way records nothing: the next run finds the same files new and builds again.

``loads.builds`` keeps one row per complete build (when, which mode, how many files).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

import persona
from persona.cli import main as persona_cli

#: what a build reads besides the raw files: a change in any of them is a reason to build
PROJECT_INPUTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "python_models")
#: settings that change how fast a build runs, not what it computes
SETTINGS_WITHOUT_EFFECT = frozenset(
    {
        "PERSONA_DB",
        "PERSONA_RAW_DIR",
        "PERSONA_THREADS",
        "PERSONA_MEMORY_LIMIT",
        "PERSONA_TEMP_DIR",
        "PERSONA_PUBLISHED_DB",
    }
)
SCHEMA = "loads"
EXIT_LOCKED = 3
#: DuckDB's message when a query cannot get memory within its limit (PERSONA_MEMORY_LIMIT)
OUT_OF_MEMORY = "Out of Memory Error"
#: the first attempt's run_results.json, kept beside dbt's when the build was retried
FIRST_ATTEMPT_RESULTS = "run_results-first-attempt.json"


class RunError(RuntimeError):
    """The build cannot start; the message says what to do."""


class BuildRunning(RunError):
    """Another build holds the warehouse's lock."""


@dataclass(frozen=True)
class RawFile:
    path: str  # relative to the raw folder: <folder>/<file>.parquet
    size: int
    mtime_ns: int
    sha256: str


@dataclass
class Plan:
    """The raw files of this build against the last complete build's manifest."""

    files: dict[str, RawFile]
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    last_build: dict | None = None  # the last complete build's row of loads.builds
    fingerprint: str = ""

    @property
    def has_file_changes(self) -> bool:
        return bool(self.new or self.changed or self.removed)

    @property
    def project_changed(self) -> bool:
        return self.last_build is not None and self.last_build["fingerprint"] != self.fingerprint


# --- the lock -------------------------------------------------------------------------------------


class BuildLock:
    """An exclusive, non-blocking lock on ``<db>.lock`` for the length of a build."""

    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + ".lock")
        self.handle = None

    def __enter__(self) -> BuildLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")  # noqa: SIM115 - held for the whole build
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise BuildRunning(
                f"another build is running on this warehouse ({holder}). This build stops here "
                "and has changed nothing; run it again when that one has finished."
            ) from None
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(f"pid {os.getpid()}, started {started}")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc) -> None:
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()


# --- what changed ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_raw(raw: Path, known: dict[str, RawFile]) -> dict[str, RawFile]:
    """Every raw data file with its size, time and content digest; a file whose size and time
    match the manifest keeps its known digest (it is not read again)."""
    if not raw.is_dir():
        raise RunError(f"no raw folder at {raw}: set PERSONA_RAW_DIR or run `make run` once.")
    found: dict[str, RawFile] = {}
    # a folder starting with `.` or `_` is not a raw table (the generator's `_truth`, notes)
    tables = (p for p in raw.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for folder in sorted(tables):
        for file in sorted(folder.glob("*.parquet")):
            if file.name.startswith((".", "_")) or not file.is_file():
                continue
            relative = f"{folder.name}/{file.name}"
            stat = file.stat()
            before = known.get(relative)
            if before and before.size == stat.st_size and before.mtime_ns == stat.st_mtime_ns:
                digest = before.sha256
            else:
                digest = _sha256(file)
            found[relative] = RawFile(relative, stat.st_size, stat.st_mtime_ns, digest)
    return found


def project_fingerprint(project_dir: Path, extra_args: list[str]) -> str:
    """A digest of everything besides the raw files that decides what a build computes."""
    digest = hashlib.sha256()
    package = Path(persona.__file__).resolve().parent
    roots = [project_dir / name for name in PROJECT_INPUTS] + [package]
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(str(file.relative_to(root.parent)).encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    settings = {
        k: v
        for k, v in os.environ.items()
        if k.startswith("PERSONA_") and k not in SETTINGS_WITHOUT_EFFECT
    }
    digest.update(json.dumps([sorted(settings.items()), extra_args]).encode())
    return digest.hexdigest()


def _read_manifest(db: Path) -> tuple[dict[str, RawFile], dict | None]:
    """The last complete build's files and its row of loads.builds (none before the first)."""
    if not db.exists():
        return {}, None
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as error:
        raise RunError(
            f"cannot open the warehouse {db} ({error}). If another program (a BI tool, the "
            "dashboard) holds it open for writing, close it and run again."
        ) from error
    try:
        tables = {
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [SCHEMA],
            ).fetchall()
        }
        if not {"raw_files", "builds"} <= tables:
            return {}, None
        files = {
            row[0]: RawFile(*row)
            for row in con.execute(
                f"select path, size, mtime_ns, sha256 from {SCHEMA}.raw_files"
            ).fetchall()
        }
        last = con.execute(
            f"select build_id, finished_at, mode, fingerprint, raw_dir from {SCHEMA}.builds "
            "order by finished_at desc limit 1"
        ).fetchone()
    finally:
        con.close()
    keys = ("build_id", "finished_at", "mode", "fingerprint", "raw_dir")
    return files, (dict(zip(keys, last, strict=True)) if last else None)


def make_plan(db: Path, raw: Path, fingerprint: str, full_refresh: bool) -> Plan:
    known, last_build = _read_manifest(db)
    files = scan_raw(raw, known)
    plan = Plan(files=files, last_build=last_build, fingerprint=fingerprint)
    previous = {} if full_refresh else known
    for path, file in files.items():
        if path not in previous:
            plan.new.append(path)
        elif previous[path].sha256 != file.sha256:
            plan.changed.append(path)
        else:
            plan.unchanged.append(path)
    plan.removed = sorted(set(previous) - set(files))
    return plan


def _listing(paths: list[str], limit: int = 6) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f", and {len(paths) - limit} more" if len(paths) > limit else "")


def describe(plan: Plan, full_refresh: bool) -> list[str]:
    """What the build will do, in a few lines."""
    counts = (
        f"{len(plan.new)} new, {len(plan.changed)} changed, {len(plan.removed)} removed, "
        f"{len(plan.unchanged)} unchanged"
    )
    if full_refresh:
        lines = [f"full refresh: every model rebuilt from all {len(plan.files)} raw files"]
    elif plan.last_build is None:
        lines = [f"first build of this warehouse: {len(plan.files)} raw files"]
    else:
        since = plan.last_build["finished_at"]
        lines = [f"raw files since the last complete build ({since:%Y-%m-%d %H:%M} UTC): {counts}"]
    for label, paths in (("new", plan.new), ("changed", plan.changed), ("removed", plan.removed)):
        if paths and plan.last_build is not None and not full_refresh:
            lines.append(f"  {label}: {_listing(paths)}")
    if plan.changed and not full_refresh:
        lines.append("  (a changed file is a re-export: its rows replace the earlier version's)")
    if plan.removed and not full_refresh:
        lines.append("  (the rows of a removed file are removed)")
    return lines


def _files_to_recheck(con: duckdb.DuckDBPyConnection, raw: Path) -> set[str]:
    """Files holding a row set aside as dated in the future whose time has come, or nearly: a full
    build today would find it valid, so the file is read again. A row is due when every timestamp
    of it is before now + the build's future tolerance (PERSONA_FUTURE_TOLERANCE_HOURS, 24) + two
    days of margin (reading a file early is harmless; reading it late would not be). A row dated
    in 2099 is not due, so its file is not read again every day."""
    tolerance = os.environ.get("PERSONA_FUTURE_TOLERANCE_HOURS", "24")
    hours = int(tolerance) + 48 if tolerance.isdigit() else 10**6  # unknown: always due
    tables = con.execute(
        "select table_schema, table_name, "
        "list(column_name) filter (where data_type like 'TIMESTAMP%') "
        "from information_schema.columns "
        "where table_name like 'base\\_%' escape '\\' and table_catalog = current_database() "
        "group by all "
        "having bool_or(column_name = 'quarantine_reason') and bool_or(column_name = '_raw_file')"
    ).fetchall()
    prefix = f"{raw}/"
    found: set[str] = set()
    for schema, table, stamps in tables:
        latest = (
            f"greatest({', '.join(f'cast({c} as timestamptz)' for c in stamps)})"
            if stamps
            else "null"
        )
        query = (
            f'select distinct _raw_file from "{schema}"."{table}" '
            "where quarantine_reason = 'future_timestamp' "
            f"and ({latest} is null or {latest} <= current_timestamp + to_hours({hours}))"
        )
        files = [f for (f,) in con.execute(query).fetchall() if f.startswith(prefix)]
        found |= {f[len(prefix) :] for f in files}
    return found


def write_plan(db: Path, raw: Path, plan: Plan) -> None:
    """The files this build must read or forget, for the base models (loads.raw_file_plan; see
    macros/raw/incremental_raw.sql). Only into a warehouse that exists: a first build reads all."""
    if not db.exists():
        return
    con = duckdb.connect(str(db))
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(
            f"create or replace table {SCHEMA}.raw_file_plan "
            "(path varchar primary key, action varchar)"
        )
        rows = [[p, "new"] for p in plan.new] + [[p, "changed"] for p in plan.changed]
        rows += [[p, "removed"] for p in plan.removed]
        planned = {p for p, _ in rows}
        rows += [[p, "changed"] for p in _files_to_recheck(con, raw) - planned if p in plan.files]
        if rows:
            con.executemany(f"insert into {SCHEMA}.raw_file_plan values (?, ?)", rows)
    finally:
        con.close()


def clear_plan(db: Path) -> None:
    """No plan: every base model reads all raw files (as a plain `dbt build` does)."""
    if db.exists():
        con = duckdb.connect(str(db))
        try:
            con.execute(f"drop table if exists {SCHEMA}.raw_file_plan")
        finally:
            con.close()


def record_build(db: Path, raw: Path, plan: Plan, mode: str, started: datetime) -> None:
    """After a complete build: the files it read become the manifest, and the build is logged."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.execute(
            f"create table if not exists {SCHEMA}.raw_files (path varchar primary key, "
            "size bigint, mtime_ns bigint, sha256 varchar, loaded_by varchar)"
        )
        con.execute(
            f"create table if not exists {SCHEMA}.builds (build_id varchar, started_at timestamp, "
            "finished_at timestamp, mode varchar, files_new integer, files_changed integer, "
            "files_removed integer, files_unchanged integer, fingerprint varchar)"
        )
        con.execute(f"alter table {SCHEMA}.builds add column if not exists raw_dir varchar")
        build_id = uuid.uuid4().hex
        con.execute("begin transaction")
        query = f"select path, loaded_by from {SCHEMA}.raw_files"
        loaded_by = dict(con.execute(query).fetchall())
        con.execute(f"delete from {SCHEMA}.raw_files")
        fresh = set(plan.new) | set(plan.changed)
        con.executemany(
            f"insert into {SCHEMA}.raw_files values (?, ?, ?, ?, ?)",
            [
                [
                    f.path,
                    f.size,
                    f.mtime_ns,
                    f.sha256,
                    build_id if f.path in fresh else loaded_by.get(f.path, build_id),
                ]
                for f in plan.files.values()
            ],
        )
        con.execute(
            f"insert into {SCHEMA}.builds values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                build_id,
                started.replace(tzinfo=None),
                datetime.now(UTC).replace(tzinfo=None),
                mode,
                len(plan.new),
                len(plan.changed),
                len(plan.removed),
                len(plan.unchanged),
                plan.fingerprint,
                str(raw),
            ],
        )
        con.execute(f"drop table if exists {SCHEMA}.raw_file_plan")
        con.execute("commit")
    finally:
        con.close()


# --- the build ------------------------------------------------------------------------------------


def _dbt(args: list[str], env: dict[str, str], options: argparse.Namespace) -> int:
    dbt = Path(sys.executable).with_name("dbt")
    paths = []
    if options.target_path:
        paths += ["--target-path", options.target_path]
    if options.log_path:
        paths += ["--log-path", options.log_path]
    print(f"== dbt {' '.join(args)}", flush=True)
    return subprocess.run([str(dbt), *args, *paths], cwd=options.project_dir, env=env).returncode


def out_of_memory_failures(run_results: Path, since: float = 0.0) -> list[str]:
    """The names of the steps that failed, when every failure of the build is DuckDB running out
    of memory; else none (no results written since `since`, a time.time(), or a failure of another
    kind: a wrong model, a failed data test), and the build is not retried."""
    if not run_results.is_file() or run_results.stat().st_mtime < since:
        return []
    results = json.loads(run_results.read_text())["results"]
    failed = [r for r in results if r.get("status") in ("error", "fail", "runtime error")]
    if not failed or any(OUT_OF_MEMORY not in (r.get("message") or "") for r in failed):
        return []
    return [r["unique_id"].split(".")[2] for r in failed]  # <type>.<project>.<name>[.<hash>]


def _target_dir(options: argparse.Namespace) -> Path:
    """Where dbt writes run_results.json (its --target-path, relative to the project)."""
    return Path(options.project_dir) / (options.target_path or "target")


def run(options: argparse.Namespace) -> int:
    project = Path(options.project_dir)
    if not (project / "dbt_project.yml").is_file():
        raise RunError(
            f"{project} is not the persona project (no dbt_project.yml): use --project-dir."
        )
    db, raw = Path(options.db), Path(options.raw)
    if Path.cwd().resolve() != project.resolve():
        # dbt runs in the project folder: paths given relative to here must still mean the same
        db, raw = db.resolve(), raw.resolve()
    started = datetime.now(UTC)
    with BuildLock(db):
        fingerprint = project_fingerprint(project, options.dbt_args)
        plan = make_plan(db, raw, fingerprint, options.full_refresh)
        print(f"== persona run: warehouse {db}, raw data {raw}")
        for line in describe(plan, options.full_refresh):
            print(line)
        if (
            not options.full_refresh
            and plan.last_build is not None
            and not plan.has_file_changes
            and not plan.project_changed
        ):
            print(
                "nothing to do: no raw file is new, changed or removed and the project is the "
                "same as at the last complete build; the warehouse is untouched "
                "(make run FULL_REFRESH=1 rebuilds it from scratch)."
            )
            return 0
        # without a plan the base models read every raw file again: when the rows' locators name
        # another folder, or the rules that typed the rows already staged may have changed
        reread = None
        if plan.last_build is not None and plan.last_build["raw_dir"] != str(raw):
            reread = f"the raw folder was {plan.last_build['raw_dir']}"
        elif plan.project_changed:
            reread = "the project or its settings changed"
        if reread and not options.full_refresh:
            print(f"  {reread}: every raw file is read again")
            clear_plan(db)
        else:
            write_plan(db, raw, plan)
        env = dict(os.environ, PERSONA_DB=str(db), PERSONA_RAW_DIR=str(raw))
        env.setdefault("DBT_EXCLUDE_RESOURCE_TYPES", "unit_test")  # the code's tests: make test
        build = ["build", *(["--full-refresh"] if options.full_refresh else []), *options.dbt_args]
        clock = time.perf_counter()
        target = _target_dir(options)
        (target / FIRST_ATTEMPT_RESULTS).unlink(missing_ok=True)
        attempt = time.time()
        code = _dbt(build, env, options)
        starved = out_of_memory_failures(target / "run_results.json", attempt) if code else []
        if starved:
            print(
                f"persona run: {len(starved)} step(s) ran out of DuckDB's memory "
                f"(PERSONA_MEMORY_LIMIT, default 5GB) beside other steps: {', '.join(starved)}. "
                "Running them and the steps skipped after them again, one at a time "
                "(dbt retry --threads 1).",
                flush=True,
            )
            # dbt retry reads run_results.json; the copy keeps the first attempt's timings
            shutil.copyfile(target / "run_results.json", target / FIRST_ATTEMPT_RESULTS)
            code = _dbt(["retry", "--threads", "1"], env, options)
        if code != 0:
            print(
                f"persona run: the build failed (dbt exit {code}); the load manifest is unchanged, "
                "so the next run builds these files again.",
                file=sys.stderr,
            )
            return code
        mode = (
            "full_refresh"
            if options.full_refresh
            else "first"
            if plan.last_build is None
            else "incremental"
        )
        record_build(db, raw, plan, mode, started)
        print(f"== build complete in {time.perf_counter() - clock:.1f} s ({mode})")
        if options.build_only:
            return 0
        code = _dbt(["docs", "generate", "--static"], env, options)
        if code != 0:
            return code
        for step in (
            ["export-audiences", "--db", str(db), "--out", options.exports],
            ["publish", "--db", str(db), "--out", options.published],
        ):
            print(f"== persona {' '.join(step)}", flush=True)
            code = persona_cli(step)
            if code != 0:
                return code
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    dbt_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, dbt_args = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(
        prog="persona run",
        description=(
            "Build the warehouse from the raw files; safe to run every day: one build at a time, "
            "it says first which raw files are new, changed or removed, and does nothing when "
            "nothing changed."
        ),
    )
    parser.add_argument("--db", default=os.environ.get("PERSONA_DB", "data/persona.duckdb"))
    parser.add_argument("--raw", default=os.environ.get("PERSONA_RAW_DIR", "data/raw"))
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every model from all raw files (after a bad day, or a change of rules)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="no docs site, exports or API publication"
    )
    parser.add_argument("--project-dir", default=".", help="the dbt project (default: here)")
    parser.add_argument("--target-path")
    parser.add_argument("--log-path")
    parser.add_argument("--exports", default="data/exports")
    parser.add_argument(
        "--published", default=os.environ.get("PERSONA_PUBLISHED_DB", "data/published/marts.duckdb")
    )
    options = parser.parse_args(argv)
    options.dbt_args = dbt_args
    try:
        return run(options)
    except BuildRunning as error:
        print(f"persona run: {error}", file=sys.stderr)
        return EXIT_LOCKED
    except RunError as error:
        print(f"persona run: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
