"""Orchestration: chunks of persons -> one Parquet part per table per chunk, plus ``_truth``."""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import resource
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
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
    TZ_US,
    Context,
    add_uplift,
    build_context,
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


def validate(persons: int, start: date, end: date, seed: int, out: Path, workers: int = 1) -> None:
    """Raise ValueError with a readable message for arguments the generator refuses."""
    if not isinstance(persons, int) or persons < 1:
        raise ValueError(f"--persons must be a positive integer, got {persons!r}")
    if persons > MAX_PERSONS:
        raise ValueError(f"--persons must be at most {MAX_PERSONS:,}, got {persons:,}")
    if end < start:
        raise ValueError(f"--end ({end.isoformat()}) is before --start ({start.isoformat()})")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {seed!r}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} exists and is not a directory")
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {workers!r}")


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024.0


def _persons_truth(ctx: Context, P, B) -> pa.Table:
    names = np.array([a.name for a in ARCHETYPES], dtype=object)
    n_orders = np.bincount(B.person, minlength=P.n)
    n_up = np.bincount(B.person[B.uplift], minlength=P.n)
    dd = P.dropout_day
    alive = dd == np.iinfo(np.int64).max
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
    scope = {"openid": list(APPIDS), "buyer_id": list(PLATFORMS)}
    identity = identity_table(ch.ev, P.values, P.person_id, scope)
    persons = _persons_truth(ctx, P, B)
    bh = ch.ev.black_hole_counts(N_BH_CODES)
    privacy = {"consent": consent, "privacy_requests": privacy_requests}
    return tables, identity, persons, bh, ch.family_usage, referrals, privacy


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

    rows: dict[str, int]
    identity: pa.Table
    persons: pa.Table
    black_holes: np.ndarray  # distinct persons per global black-hole code
    family: np.ndarray  # distinct (family device code, person) pairs, shape (k, 2)
    referrals: pa.Table  # who brought whom (referrals.TRUTH_SCHEMA)
    rates: dict[str, list[int]]  # RateCounter counts of this chunk
    consent: pa.Table  # resolved consent (privacy.CONSENT_TRUTH_SCHEMA)
    privacy_requests: pa.Table  # erasure / restriction requests (privacy.REQUESTS_TRUTH_SCHEMA)
    privacy_rates: dict[str, list[int]]  # RateCounter counts of the privacy pass


def write_chunk(
    ctx: Context, seeds: np.random.SeedSequence, index: int, offset: int, n: int, out: Path
) -> ChunkResult:
    """Generate persons [offset, offset + n) and write their part of every table."""
    counter = RateCounter()
    privacy_counter = RateCounter()
    rng = np.random.default_rng(seeds)
    tables, identity, ptab, bh, family, referrals, privacy = run_chunk(
        ctx, rng, index, offset, n, counter, privacy_counter
    )
    rows = {}
    for name, tbl in sorted(tables.items()):
        tbl = conform(tbl, SCHEMAS[name])
        pq.write_table(tbl, out / name / f"part-{index:05d}.parquet", **WRITE_OPTIONS)
        rows[name] = tbl.num_rows
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
    )


#: fork where it is safe and cheap (Linux): a worker starts in milliseconds with the run's context
#: already in memory; elsewhere a worker imports the package and receives the context pickled.
START_METHOD = "fork" if sys.platform == "linux" else "spawn"

_WORKER: dict[str, object] = {}  # the run's context and output folder, in a worker process


def _start_worker(ctx: Context, out: Path) -> None:
    pa.set_memory_pool(pa.system_memory_pool())  # as in the parent (see generate)
    _WORKER.update(ctx=ctx, out=out)


def _write_chunk_in_worker(
    seeds: np.random.SeedSequence, index: int, offset: int, n: int
) -> ChunkResult:
    return write_chunk(_WORKER["ctx"], seeds, index, offset, n, _WORKER["out"])


def _chunk_results(
    ctx: Context, tasks: list[tuple], out: Path, workers: int
) -> Iterator[ChunkResult]:
    """Write the chunks with ``workers`` processes and yield their results in chunk order.

    Chunks have their own seeds and write their own part files, so the processes never share
    state; the caller merges the truth in chunk order, which keeps the output byte-identical to
    a run with one process. At most two chunks per worker are in flight, so memory stays bounded.
    """
    if workers == 1:
        for task in tasks:
            yield write_chunk(ctx, *task, out)
        return
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context(START_METHOD),
        initializer=_start_worker,
        initargs=(ctx, out),
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


def generate(
    persons: int,
    start: date,
    end: date,
    seed: int,
    out: Path,
    progress: bool = True,
    workers: int | None = None,
) -> dict:
    """Generate the raw contract tables and ``_truth`` under ``out``; return a summary.

    Deterministic: the same arguments give byte-identical files, whatever ``workers`` (processes
    writing chunks in parallel; default :func:`default_workers`). Raises ValueError for bad
    arguments. The summary holds ``rows`` per table, ``seconds``, ``peak_rss_mb`` (this process),
    ``worker_peak_rss_mb`` (the largest worker, 0 without workers), ``chunks``, ``workers``.
    """
    previous = pa.default_memory_pool()
    # Arrow's system allocator: the chunks allocate and free large buffers all the time, which
    # mimalloc (the default) hands back to the OS and faults in again; measured 15 % less CPU.
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        return _generate(persons, start, end, seed, out, progress, workers)
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
) -> dict:
    out = Path(out)
    workers = default_workers() if workers is None else workers
    validate(persons, start, end, seed, out, workers)
    t0 = time.perf_counter()
    root = np.random.SeedSequence(seed)
    cat_ss, chunk_parent = root.spawn(2)
    cat_rng = np.random.default_rng(cat_ss)
    catalog = build_catalog(cat_rng, start)
    ctx = build_context(seed, start, end, catalog, cat_rng)
    size = SETTINGS.chunk_persons
    n_chunks = math.ceil(persons / size)
    chunk_ss = chunk_parent.spawn(n_chunks)
    workers = min(workers, n_chunks)

    out.mkdir(parents=True, exist_ok=True)
    for table in SCHEMAS:
        reset_dir(out / table)
    reset_dir(out / "_truth")
    rows: dict[str, int] = {t: 0 for t in SCHEMAS}
    pq.write_table(
        conform(catalog.products, SCHEMAS["products"]),
        out / "products" / "part-00000.parquet",
        **WRITE_OPTIONS,
    )
    rows["products"] = catalog.products.num_rows

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
        for i, result in enumerate(_chunk_results(ctx, tasks, out, workers)):
            for name, n_rows in result.rows.items():
                rows[name] += n_rows
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

    bh = _black_holes(ctx, bh_total, family)
    pq.write_table(bh, out / "_truth" / "black_holes.parquet", **WRITE_OPTIONS)
    campaigns = pa.table(
        {
            "campaign_id": pa.array([c["campaign_id"] for c in ctx.campaigns], pa.string()),
            "channel": pa.array([c["channel"] for c in ctx.campaigns], pa.string()),
            "sent_on": pa.array([c["sent_on"] for c in ctx.campaigns], pa.date32()),
            "true_uplift": pa.array(ctx.campaign_uplift.astype(float), pa.float64()),
            "uplift_window_days": pa.array(
                [RATES.uplift_window_days] * len(ctx.campaigns), pa.int64()
            ),
        }
    )
    pq.write_table(campaigns, out / "_truth" / "campaigns.parquet", **WRITE_OPTIONS)
    rates = {
        "arguments": {
            "persons": persons,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "seed": seed,
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
    seconds = time.perf_counter() - t0
    summary = {
        "out": str(out),
        "persons": persons,
        "chunks": n_chunks,
        "workers": workers,
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
