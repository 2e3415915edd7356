"""Orchestration: chunks of persons -> one Parquet part per table per chunk, plus ``_truth``."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import resource
import shutil
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from persona.dev import identifiers as ids
from persona.dev.generate import strings as st
from persona.dev.generate.catalog import CITIES, L1_ORDER, build_catalog
from persona.dev.generate.channels import (
    BH_CAFE0,
    BH_PHONE0,
    BH_ZERO_IDFA,
    N_BH_CODES,
    Chunk,
)
from persona.dev.generate.config import (
    APPIDS,
    ARCHETYPES,
    PLACEHOLDER_PHONES,
    PLATFORMS,
    PRIVACY_RATES,
    PURCHASE_CHANNELS,
    RATES,
    SETTINGS,
    ZEROED_IDFA,
)
from persona.dev.generate.persons import (
    DAY_US,
    TZ_US,
    Context,
    add_uplift,
    build_context,
    default_design_end,
    make_persons,
    purchase_process,
)
from persona.dev.generate.privacy import CONSENT_TRUTH_SCHEMA, REQUESTS_TRUTH_SCHEMA, add_privacy
from persona.dev.generate.referrals import TRUTH_SCHEMA as REFERRALS_SCHEMA
from persona.dev.generate.referrals import add_referrals
from persona.dev.generate.truth import RateCounter, identity_table
from persona.dev.generate.writer import SCHEMAS, TRUTH_SCHEMAS, WRITE_OPTIONS, conform, reset_dir

MAX_PERSONS = 10_000_000  # identifier spellings are unique up to this many persons

PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("archetype", pa.string()),
        ("purchase_rate_per_week", pa.float64()),
        ("dropout_prob", pa.float64()),
        ("spend_level", pa.float64()),
        ("preferred_channel", pa.string()),
        ("preferred_category", pa.string()),
        ("gender", pa.string()),
        ("birth_year", pa.int64()),
        ("city", pa.string()),
        ("city_tier", pa.int64()),
        ("first_seen_at", pa.timestamp("us", tz="UTC")),
        ("dropout_at", pa.timestamp("us", tz="UTC")),
        ("is_member", pa.bool_()),
        ("member_id", pa.string()),
        ("has_web", pa.bool_()),
        ("has_app", pa.bool_()),
        ("has_miniprogram", pa.bool_()),
        ("n_orders", pa.int64()),
        ("n_uplift_orders", pa.int64()),
    ]
)


def validate(
    persons: int,
    start: date,
    end: date,
    seed: int,
    out: Path,
    workers: int = 1,
    design_end: date | None = None,
) -> None:
    """Raise ValueError with a readable message for arguments the generator refuses."""
    if not isinstance(persons, int) or persons < 1:
        raise ValueError(f"--persons must be a positive integer, got {persons!r}")
    if persons > MAX_PERSONS:
        raise ValueError(f"--persons must be at most {MAX_PERSONS:,}, got {persons:,}")
    if end < start:
        raise ValueError(f"--end ({end.isoformat()}) is before --start ({start.isoformat()})")
    design = default_design_end(start) if design_end is None else design_end
    if design < start:
        raise ValueError(f"--design-end ({design}) is before --start ({start.isoformat()})")
    last = design + timedelta(days=SETTINGS.extension_days)
    if end > last:
        raise ValueError(
            f"--end ({end.isoformat()}) is past the last day this sample can reach ({last}: "
            f"the design end {design} + {SETTINGS.extension_days} days); pass a later "
            "--design-end (which changes every file) or an earlier --end"
        )
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {seed!r}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {workers!r}")


#: the folder's record of how it was generated (ignored by the build: its name starts with "_")
META_FILE = "_generator.json"
#: bumped whenever a change of the generator changes the rows it writes
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Layout:
    """Which file a row of a given day goes to.

    A fresh run writes whole months before the month of ``end`` as ``<YYYY-MM>.parquet`` and
    each day of that last month as ``<YYYY-MM-DD>.parquet``. A run extending a folder that
    holds the days through ``after`` writes only the later days, each its own file, so an
    existing file is never rewritten nor regrouped. Names sort in time order.
    """

    start: date
    end: date
    after: date | None = None

    def labels(self, days: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per row (day index relative to ``start``): label code (-1: not written), labels."""
        uniq, inv = np.unique(days, return_inverse=True)
        names: list[str | None] = []
        last_month = (self.end.year, self.end.month)
        for d in uniq.tolist():
            day = self.start + timedelta(days=int(d))
            if day > self.end or (self.after is not None and day <= self.after):
                names.append(None)
            elif self.after is None and (day.year, day.month) < last_month:
                names.append(f"{day:%Y-%m}")
            else:
                names.append(day.isoformat())
        labels = sorted({x for x in names if x is not None})
        pos = {x: i for i, x in enumerate(labels)}
        code = np.array([pos[x] if x is not None else -1 for x in names], dtype=np.int64)
        return (code[inv] if len(days) else np.zeros(0, np.int64)), labels


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0


def _persons_truth(ctx: Context, P, B) -> pa.Table:
    names = np.array([a.name for a in ARCHETYPES], dtype=object)
    written = B.day < ctx.out_days  # as of --end
    n_orders = np.bincount(B.person[written], minlength=P.n)
    n_up = np.bincount(B.person[B.uplift & written], minlength=P.n)
    dd = P.dropout_day
    alive = (dd == np.iinfo(np.int64).max) | (dd >= ctx.out_days)
    dropout_us = ctx.day_to_utc(np.where(alive, 0, dd), np.full(P.n, 12 * 3600 * 10**6))
    return pa.table(
        {
            "person_id": P.person_id,
            "archetype": pa.array(names[P.arch].tolist(), pa.string()),
            "purchase_rate_per_week": pa.array(np.round(P.lam, 6)),
            "dropout_prob": pa.array(np.round(P.p, 6)),
            "spend_level": pa.array(np.round(P.spend, 2)),
            "preferred_channel": pa.array(
                np.array(PURCHASE_CHANNELS, dtype=object)[P.pref_channel].tolist(), pa.string()
            ),
            "preferred_category": pa.array(
                np.array(L1_ORDER, dtype=object)[P.pref_l1].tolist(), pa.string()
            ),
            "gender": pa.array(np.array(["F", "M", "U"], dtype=object)[P.gender].tolist()),
            "birth_year": pa.array(P.birth_year.astype(np.int64)),
            "city": pa.array([CITIES[c][0] for c in P.city], pa.string()),
            "city_tier": pa.array(np.array([c[1] for c in CITIES])[P.city].astype(np.int64)),
            "first_seen_at": pa.array(P.first_us, pa.timestamp("us", tz="UTC")),
            "dropout_at": pa.array(dropout_us, pa.timestamp("us", tz="UTC"), mask=alive),
            "is_member": pa.array(P.is_member),
            "member_id": st.where(~P.is_member, None, P.values["member_id"][0]),
            "has_web": pa.array(P.has_web),
            "has_app": pa.array(P.has_app),
            "has_miniprogram": pa.array(P.has_mp),
            "n_orders": pa.array(n_orders.astype(np.int64)),
            "n_uplift_orders": pa.array(n_up.astype(np.int64)),
        }
    )


def run_chunk(
    ctx: Context,
    rng: np.random.Generator,
    index: int,
    offset: int,
    n: int,
    counter: RateCounter,
    privacy_counter: RateCounter | None = None,
):
    """All tables and truth for persons [offset, offset + n)."""
    P = make_persons(ctx, rng, offset, n)
    B = purchase_process(ctx, rng, P)
    ch = Chunk(ctx, rng, P, index, counter)
    touches, tp, tc, ts = ch.touches()
    B = add_uplift(ctx, rng, P, B, tp, tc, ts)
    # the own mall needs a mini-program account; others fall back to the preferred channel
    bad = (B.channel == 0) & ~P.has_mp[B.person]
    B.channel[bad] = P.pref_channel[B.person[bad]]
    tables: dict[str, pa.Table] = {"campaign_touches": touches}
    tables["crm_members"] = ch.crm_members()
    tables.update(ch.orders(B))
    S = ch.sessions()
    tables["web_events"] = ch.web_events(S, np.flatnonzero(S["surface"] == 2))
    tables["app_events"] = ch.app_events(S, np.flatnonzero(S["surface"] == 1))
    tables["miniprogram_events"] = ch.mp_events(S, np.flatnonzero(S["surface"] == 0))
    tables["wecom_contacts"] = ch.wecom()
    tables["cs_tickets"] = ch.tickets(B)
    # last, from its own random stream: adds columns, changes nothing else (referrals.py)
    referrals = add_referrals(ctx, P, ch.event_rows, tables, index)
    # then the optional privacy tables, from a stream of their own, reading the evidence only
    privacy_counter = RateCounter() if privacy_counter is None else privacy_counter
    consent_events, requests, consent, privacy_requests = add_privacy(
        ctx, P, B, ch.ev, index, privacy_counter
    )
    tables["consent_events"] = consent_events
    tables["erasure_requests"] = requests
    days = _delivery_days(ctx, tables, ch.event_rows)
    out_us = int(ctx.start_utc_us + ctx.out_days * DAY_US)
    referrals = referrals.filter(pc.less(pc.cast(referrals["first_visit_at"], pa.int64()), out_us))
    requests_truth = privacy_requests
    privacy_requests = requests_truth.filter(
        pc.less(pc.cast(requests_truth["requested_at"], pa.int64()), out_us)
    )
    scope = {"openid": list(APPIDS), "buyer_id": list(PLATFORMS)}
    identity = identity_table(ch.ev, P.values, P.person_id, scope)
    persons = _persons_truth(ctx, P, B)
    bh = ch.ev.black_hole_counts(N_BH_CODES)
    privacy = {"consent": consent, "privacy_requests": privacy_requests}
    return tables, days, identity, persons, bh, ch.family_usage, referrals, privacy


def _utc_day(ctx: Context, col, local: bool = False) -> np.ndarray:
    t = np.asarray(pc.cast(col, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    return (t - (TZ_US if local else 0) - ctx.start_utc_us) // DAY_US


#: per table, the column whose local day files a row (items follow their order)
DAY_COLUMNS = {
    "crm_members": "updated_at",
    "miniprogram_orders": "order_at",
    "ecommerce_orders": "order_at",
    "wecom_contacts": "added_at",
    "cs_tickets": "created_at",
    "campaign_touches": "sent_at",
    "consent_events": "_deliver_at",
    "erasure_requests": "requested_at",
}
ITEM_PARENTS = {
    "miniprogram_order_items": ("miniprogram_orders", "order_id", "order_id"),
    "ecommerce_order_items": ("ecommerce_orders", "order_id", "order_id"),
    "pos_transaction_items": ("pos_transactions", "txn_id", "txn_id"),
}


def _delivery_days(ctx: Context, tables: dict[str, pa.Table], event_rows: dict) -> dict:
    """Per table, the local day (relative to the window start) of each row's export file.

    A row is filed by the day it happened: a CRM version by ``updated_at`` (a member's change is
    in that day's file), an order by ``order_at`` and its items with it, a till transaction by
    its local time, an event by its true time (also when ``event_at`` was written as 1970 or
    2099), a consent decision by ``recorded_at`` (a row with a null or far-future one by the
    decision it copies).
    """
    days: dict[str, np.ndarray] = {}
    for name, col in DAY_COLUMNS.items():
        days[name] = _utc_day(ctx, tables[name][col])
    days["pos_transactions"] = _utc_day(ctx, tables["pos_transactions"]["txn_at_local"], True)
    for name in ("web_events", "app_events", "miniprogram_events"):
        rows = event_rows[name]
        days[name] = (rows["t"][rows["row"]] - ctx.start_utc_us) // DAY_US
    for name, (parent, key, pkey) in ITEM_PARENTS.items():
        idx = pc.index_in(tables[name][key], value_set=tables[parent][pkey])
        days[name] = days[parent][np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)]
    return days


def _black_holes(ctx: Context, bh_counts: np.ndarray, family: list[np.ndarray]) -> pa.Table:
    types, values, kinds, counts = [], [], [], []
    for i, ph in enumerate(PLACEHOLDER_PHONES):
        types.append("phone")
        values.append(ids.normalize_phone(ph))
        kinds.append("cashier_placeholder_phone")
        counts.append(int(bh_counts[BH_PHONE0 + i]))
    types.append("device_id")
    values.append(ids.normalize_device_id(ZEROED_IDFA))
    kinds.append("zeroed_idfa")
    counts.append(int(bh_counts[BH_ZERO_IDFA]))
    for i, c in enumerate(ctx.catalog.cafe_cookies):
        types.append("cookie_id")
        values.append(ids.normalize_string_id(c))
        kinds.append("internet_cafe_cookie")
        counts.append(int(bh_counts[BH_CAFE0 + i]))
    pairs = np.unique(np.concatenate(family), axis=0) if family else np.zeros((0, 2), np.int64)
    if len(pairs):
        codes, n_per = np.unique(pairs[:, 0], return_counts=True)
        devs = st.to_pa(
            st.encode(st.mix64(codes.astype(np.uint64), ctx.salts["device"] ^ 0xFA), st.HEX, 16)
        ).to_pylist()
        for d, k in zip(devs, n_per, strict=True):
            types.append("device_id")
            values.append(ids.normalize_device_id(d))
            kinds.append("family_device")
            counts.append(int(k))
    keep = [i for i, c in enumerate(counts) if c > 0]
    return pa.table(
        {
            "identifier_type": pa.array([types[i] for i in keep], pa.string()),
            "identifier_value": pa.array([values[i] for i in keep], pa.string()),
            "kind": pa.array([kinds[i] for i in keep], pa.string()),
            "n_persons": pa.array([counts[i] for i in keep], pa.int64()),
        }
    )


def default_workers() -> int:
    """Worker processes when none are asked for: one per core, at most two.

    Each worker holds one chunk (about 1 GB at 25,000 persons), so more workers cost memory;
    chunks are independent, so two workers halve the time on the two cores the project targets.
    """
    return max(1, min(2, os.cpu_count() or 1))


@dataclass
class ChunkResult:
    """What a written chunk hands back: its row counts and its share of ``_truth``."""

    rows: dict[str, int]  # rows at or before --end (what the folder holds for this chunk)
    identity: pa.Table
    persons: pa.Table
    black_holes: np.ndarray  # distinct persons per global black-hole code
    family: np.ndarray  # distinct (family device code, person) pairs, shape (k, 2)
    referrals: pa.Table  # who brought whom (referrals.TRUTH_SCHEMA)
    rates: dict[str, list[int]]  # RateCounter counts of this chunk
    consent: pa.Table  # resolved consent (privacy.CONSENT_TRUTH_SCHEMA)
    privacy_requests: pa.Table  # erasure / restriction requests (privacy.REQUESTS_TRUTH_SCHEMA)
    privacy_rates: dict[str, list[int]]  # RateCounter counts of the privacy pass
    # per table, the files (labels) this run writes, in the order of the chunk's row groups
    pieces: dict[str, list[str]] = field(default_factory=dict)


PARTS_DIR = "_parts"  # chunk files before the merge (starts with "_": never read as data)
PARTS_OPTIONS = {**WRITE_OPTIONS, "compression": "none", "use_dictionary": False}
PARTS_OPTIONS.pop("compression_level")


def write_chunk(
    ctx: Context,
    seeds: np.random.SeedSequence,
    index: int,
    offset: int,
    n: int,
    out: Path,
    layout: Layout,
) -> ChunkResult:
    """Generate persons [offset, offset + n) and write their rows of the files ``layout`` says
    this run writes: one chunk file per table, one row group per target file."""
    counter = RateCounter()
    privacy_counter = RateCounter()
    rng = np.random.default_rng(seeds)
    tables, days, identity, ptab, bh, family, referrals, privacy = run_chunk(
        ctx, rng, index, offset, n, counter, privacy_counter
    )
    rows: dict[str, int] = {}
    pieces: dict[str, list[str]] = {}
    for name, tbl in sorted(tables.items()):
        tbl = conform(tbl, SCHEMAS[name])
        day = days[name]
        rows[name] = int((day < ctx.out_days).sum())
        code, labels = layout.labels(day)
        keep = np.flatnonzero(code >= 0)
        order = keep[np.argsort(code[keep], kind="stable")]
        tbl, code = tbl.take(pa.array(order)), code[order]
        pieces[name] = []
        if not len(order):
            continue
        path = out / PARTS_DIR / name / f"c{index:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        bounds = np.flatnonzero(np.diff(code)) + 1
        starts = np.concatenate([[0], bounds])
        stops = np.concatenate([bounds, [len(code)]])
        # uncompressed: the file is read back once by the merge, which compresses
        with pq.ParquetWriter(path, SCHEMAS[name], **PARTS_OPTIONS) as writer:
            for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
                writer.write_table(tbl.slice(a, b - a), row_group_size=b - a)
                pieces[name].append(labels[code[a]])
    pairs = [np.stack([f, p], axis=1).astype(np.int64) for f, p in family]
    family_pairs = np.unique(np.concatenate(pairs), axis=0) if pairs else np.zeros((0, 2), np.int64)
    return ChunkResult(
        rows,
        identity,
        conform(ptab, PERSONS_SCHEMA),
        bh,
        family_pairs,
        conform(referrals, REFERRALS_SCHEMA),
        counter.counts,
        conform(privacy["consent"], CONSENT_TRUTH_SCHEMA),
        conform(privacy["privacy_requests"], REQUESTS_TRUTH_SCHEMA),
        privacy_counter.counts,
        pieces,
    )


def _merge_table(out: Path, name: str, pieces: list[list[str]]) -> int:
    """Merge one table's chunk files into one file per label, chunks in order (so the bytes
    do not depend on the number of workers); return the number of files written.

    A file is written under a hidden name and renamed when complete, so a killed run never
    leaves a half-written data file.
    """
    labels = sorted({x for p in pieces for x in p})
    if not labels:
        return 0
    parts = []
    for index, p in enumerate(pieces):
        if p:
            pf = pq.ParquetFile(out / PARTS_DIR / name / f"c{index:05d}.parquet")
            parts.append((pf, {x: k for k, x in enumerate(p)}))
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    for label in labels:
        tmp = folder / f".{label}.parquet.tmp"
        with pq.ParquetWriter(tmp, SCHEMAS[name], **WRITE_OPTIONS) as writer:
            for pf, groups in parts:
                if label in groups:
                    piece = pf.read_row_group(groups[label])
                    writer.write_table(piece, row_group_size=max(1, piece.num_rows))
        tmp.rename(folder / f"{label}.parquet")
    for pf, _ in parts:
        pf.close()
    return len(labels)


def _merge_parts(out: Path, pieces: list[dict[str, list[str]]], workers: int) -> dict[str, int]:
    """Merge every table's chunk files (tables in parallel with ``workers`` processes); return
    the number of files written per table."""
    jobs = {name: [p.get(name, []) for p in pieces] for name in SCHEMAS}
    if workers == 1:
        files = {name: _merge_table(out, name, job) for name, job in jobs.items()}
    else:
        with ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context(START_METHOD)
        ) as pool:
            futures = {n: pool.submit(_merge_table, out, n, job) for n, job in jobs.items()}
            files = {name: f.result() for name, f in futures.items()}
    shutil.rmtree(out / PARTS_DIR, ignore_errors=True)
    return files


#: fork where it is safe and cheap (Linux): a worker starts in milliseconds with the run's context
#: already in memory; elsewhere a worker imports the package and receives the context pickled.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"

_WORKER: dict[str, object] = {}  # the run's context and output folder, in a worker process


def _start_worker(ctx: Context, out: Path, layout: Layout) -> None:
    pa.set_memory_pool(pa.system_memory_pool())  # as in the parent (see generate)
    _WORKER.update(ctx=ctx, out=out, layout=layout)


def _write_chunk_in_worker(
    seeds: np.random.SeedSequence, index: int, offset: int, n: int
) -> ChunkResult:
    return write_chunk(_WORKER["ctx"], seeds, index, offset, n, _WORKER["out"], _WORKER["layout"])


def _chunk_results(
    ctx: Context, tasks: list[tuple], out: Path, workers: int, layout: Layout
) -> Iterator[ChunkResult]:
    """Write the chunks with ``workers`` processes and yield their results in chunk order.

    Chunks have their own seeds and write their own chunk files, so the processes never share
    state; the caller merges them in chunk order, which keeps the output byte-identical to
    a run with one process. At most two chunks per worker are in flight, so memory stays bounded.
    """
    if workers == 1:
        for task in tasks:
            yield write_chunk(ctx, *task, out, layout)
        return
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(START_METHOD),
        initializer=_start_worker,
        initargs=(ctx, out, layout),
    )
    try:
        pending: deque[Future[ChunkResult]] = deque()
        for task in tasks:
            pending.append(pool.submit(_write_chunk_in_worker, *task))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def read_meta(out: Path) -> dict | None:
    """The folder's ``_generator.json``, or None when there is none."""
    path = Path(out) / META_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def check_folder(
    persons: int, start: date, end: date, seed: int, out: Path, design_end: date
) -> date | None:
    """How a run may use ``out``: None for a fresh folder, or the last day it already holds
    (the run then adds the later days). Raise ValueError when the folder holds another sample,
    data of an unknown generator, or days past ``end``."""
    out = Path(out)
    meta = read_meta(out)
    if meta is None:
        held = [p.name for p in out.iterdir() if p.name in SCHEMAS or p.name == "_truth"]
        if out.is_dir() and held:
            raise ValueError(
                f"--out {out} already holds raw data ({', '.join(sorted(held)[:3])}...) without "
                f"{META_FILE}: it was not written by this generator version. Delete it or pass "
                "--fresh to replace it"
            )
        return None
    want = {
        "format": FORMAT_VERSION,
        "persons": persons,
        "seed": seed,
        "start": start.isoformat(),
        "design_end": design_end.isoformat(),
    }
    diff = [f"{k} {meta.get(k)!r} (asked {v!r})" for k, v in want.items() if meta.get(k) != v]
    if diff:
        raise ValueError(
            f"--out {out} holds another sample: {'; '.join(diff)}. A folder can only be "
            "extended with the same persons, seed, start and design end (and generator "
            "format); delete it, pass --fresh to replace it, or choose another --out"
        )
    held_end = date.fromisoformat(meta["end"])
    if end < held_end:
        raise ValueError(
            f"--out {out} already holds the days through {held_end}; --end {end} would remove "
            "days. Pass --fresh to regenerate it through an earlier --end"
        )
    return held_end


def generate(
    persons: int,
    start: date,
    end: date,
    seed: int,
    out: Path,
    progress: bool = True,
    workers: int | None = None,
    design_end: date | None = None,
    fresh: bool = False,
) -> dict:
    """Generate the raw contract tables and ``_truth`` under ``out``; return a summary.

    Deterministic: the rows of a day depend on (persons, seed, start, design_end) only, never on
    ``end`` nor on ``workers`` (processes writing chunks in parallel; default
    :func:`default_workers`). Everything is generated through ``design_end`` (default: two years
    after ``start``) plus ``SETTINGS.extension_days`` and cut at ``end``. Files are by date
    (:class:`Layout`); ``_generator.json`` records the arguments. On a folder this generator
    wrote for the same sample, a later ``end`` adds the files of the new days and touches no
    existing data file; ``_truth/`` is rewritten as of ``end``. ``fresh`` removes what the
    folder holds first. Raises ValueError for bad arguments or a folder holding another sample.
    The summary holds ``rows`` per table (as of ``end``), ``files_written`` per table,
    ``seconds``, ``peak_rss_mb`` (this process), ``worker_peak_rss_mb`` (the largest worker, 0
    without workers), ``chunks``, ``workers``, ``added_after`` (the last day held before).
    """
    previous = pa.default_memory_pool()
    # Arrow's system allocator: the chunks allocate and free large buffers all the time, which
    # mimalloc (the default) hands back to the OS and faults in again; measured 15 % less CPU.
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        return _generate(persons, start, end, seed, out, progress, workers, design_end, fresh)
    finally:
        pa.set_memory_pool(previous)


def _generate(
    persons: int,
    start: date,
    end: date,
    seed: int,
    out: Path,
    progress: bool = True,
    workers: int | None = None,
    design_end: date | None = None,
    fresh: bool = False,
) -> dict:
    out = Path(out)
    workers = default_workers() if workers is None else workers
    validate(persons, start, end, seed, out, workers, design_end)
    design_end = default_design_end(start) if design_end is None else design_end
    t0 = time.perf_counter()
    if fresh and out.is_dir():
        for name in [*SCHEMAS, "_truth", PARTS_DIR]:
            if (out / name).exists():
                shutil.rmtree(out / name)
        (out / META_FILE).unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    held_end = check_folder(persons, start, end, seed, out, design_end)
    root = np.random.SeedSequence(seed)
    cat_ss, chunk_parent = root.spawn(2)
    cat_rng = np.random.default_rng(cat_ss)
    catalog = build_catalog(cat_rng, start)
    ctx = build_context(seed, start, end, catalog, cat_rng, design_end)
    size = SETTINGS.chunk_persons
    n_chunks = math.ceil(persons / size)
    chunk_ss = chunk_parent.spawn(n_chunks)
    merge_workers = workers
    workers = min(workers, n_chunks)
    layout = Layout(start, end, held_end)

    if (out / PARTS_DIR).exists():  # left over by a killed run
        shutil.rmtree(out / PARTS_DIR)
    reset_dir(out / "_truth")
    rows: dict[str, int] = {t: 0 for t in SCHEMAS}
    # products: one file, from the catalog (which depends on seed and start only)
    products_file = out / "products" / "products.parquet"
    if held_end is None:
        products_file.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            conform(catalog.products, SCHEMAS["products"]), products_file, **WRITE_OPTIONS
        )
    rows["products"] = catalog.products.num_rows
    pieces: list[dict[str, list[str]]] = []

    counter = RateCounter()
    bh_total = np.zeros(N_BH_CODES, dtype=np.int64)
    family: list[np.ndarray] = []
    id_writer = pq.ParquetWriter(
        out / "_truth" / "identity.parquet", TRUTH_SCHEMAS["identity"], **WRITE_OPTIONS
    )
    p_writer = pq.ParquetWriter(out / "_truth" / "persons.parquet", PERSONS_SCHEMA, **WRITE_OPTIONS)
    r_writer = pq.ParquetWriter(
        out / "_truth" / "referrals.parquet", REFERRALS_SCHEMA, **WRITE_OPTIONS
    )
    c_writer = pq.ParquetWriter(
        out / "_truth" / "consent.parquet", CONSENT_TRUTH_SCHEMA, **WRITE_OPTIONS
    )
    q_writer = pq.ParquetWriter(
        out / "_truth" / "privacy_requests.parquet", REQUESTS_TRUTH_SCHEMA, **WRITE_OPTIONS
    )
    privacy_counter = RateCounter()
    n_identity = 0
    n_referrals = 0
    n_consent = 0
    n_requests = 0
    tasks = [(chunk_ss[i], i, i * size, min(size, persons - i * size)) for i in range(n_chunks)]
    try:
        for i, result in enumerate(_chunk_results(ctx, tasks, out, workers, layout)):
            for name, n_rows in result.rows.items():
                rows[name] += n_rows
            pieces.append(result.pieces)
            id_writer.write_table(result.identity)
            p_writer.write_table(result.persons)
            r_writer.write_table(result.referrals)
            c_writer.write_table(result.consent)
            q_writer.write_table(result.privacy_requests)
            n_identity += result.identity.num_rows
            n_referrals += result.referrals.num_rows
            n_consent += result.consent.num_rows
            n_requests += result.privacy_requests.num_rows
            bh_total += result.black_holes
            family.append(result.family)
            for name, (hits, population) in result.rates.items():
                counter.add(name, hits, population)
            for name, (hits, population) in result.privacy_rates.items():
                privacy_counter.add(name, hits, population)
            del result
            if progress:
                done = tasks[i][2] + tasks[i][3]
                total_rows = sum(rows.values())
                print(
                    f"[persona.dev.generate] chunk {i + 1}/{n_chunks}  persons {done:,}/{persons:,}"
                    f"  rows {total_rows:,}  elapsed {time.perf_counter() - t0:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        id_writer.close()
        p_writer.close()
        r_writer.close()
        c_writer.close()
        q_writer.close()

    files_written = _merge_parts(out, pieces, merge_workers)
    files_written["products"] = int(held_end is None)
    bh = _black_holes(ctx, bh_total, family)
    pq.write_table(bh, out / "_truth" / "black_holes.parquet", **WRITE_OPTIONS)
    sent = [i for i, c in enumerate(ctx.campaigns) if c["sent_on"] <= end]  # as of --end
    campaigns = pa.table(
        {
            "campaign_id": pa.array([ctx.campaigns[i]["campaign_id"] for i in sent], pa.string()),
            "channel": pa.array([ctx.campaigns[i]["channel"] for i in sent], pa.string()),
            "sent_on": pa.array([ctx.campaigns[i]["sent_on"] for i in sent], pa.date32()),
            "true_uplift": pa.array(ctx.campaign_uplift[sent].astype(float), pa.float64()),
            "uplift_window_days": pa.array([RATES.uplift_window_days] * len(sent), pa.int64()),
        }
    )
    pq.write_table(campaigns, out / "_truth" / "campaigns.parquet", **WRITE_OPTIONS)
    rates = {
        "arguments": {
            "persons": persons,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "seed": seed,
            "design_end": design_end.isoformat(),
        },
        "config": RATES.to_dict(),
        "placeholder_phones": list(PLACEHOLDER_PHONES),
        "zeroed_idfa": ZEROED_IDFA,
        "timezone_offset_hours": TZ_US // 3_600_000_000,
        "realized": counter.realized(),
        "rows": dict(sorted(rows.items())),
        "truth_rows": {"identity": n_identity, "black_holes": bh.num_rows},
        # the optional privacy tables (privacy.py): their own section, the rest is unchanged
        "privacy": {
            "config": PRIVACY_RATES.to_dict(),
            "realized": privacy_counter.realized(),
            "truth_rows": {"consent": n_consent, "privacy_requests": n_requests},
        },
    }
    (out / "_truth" / "rates.json").write_text(
        json.dumps(rates, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    meta = {
        "format": FORMAT_VERSION,
        "persons": persons,
        "seed": seed,
        "start": start.isoformat(),
        "design_end": design_end.isoformat(),
        "end": end.isoformat(),
        "last_end_possible": (design_end + timedelta(days=SETTINGS.extension_days)).isoformat(),
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - t0
    summary = {
        "out": str(out),
        "persons": persons,
        "chunks": n_chunks,
        "workers": workers,
        "added_after": None if held_end is None else held_end.isoformat(),
        "files_written": dict(sorted(files_written.items())),
        "rows": dict(sorted(rows.items())),
        "truth_rows": {
            "identity": n_identity,
            "black_holes": bh.num_rows,
            "persons": persons,
            "referrals": n_referrals,
            "consent": n_consent,
            "privacy_requests": n_requests,
        },
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(_peak_rss_mb(resource.RUSAGE_CHILDREN), 1),
    }
    if progress:
        print(
            f"[persona.dev.generate] done: {sum(rows.values()):,} rows in {seconds:.1f}s, "
            f"peak RSS {summary['peak_rss_mb']:.0f} MB -> {out}",
            file=sys.stderr,
            flush=True,
        )
    return summary
