"""``persona bench-api``: latency and throughput of the profile API on loopback.

Starts ``persona serve`` on the published marts in one process and, from this process (a second
one), sends requests over HTTP keep-alive connections on 127.0.0.1:

1. lookups by phone, one at a time: phones of the generator's truth
   (``<raw>/_truth/identity.parquet``; the marts hold only their SHA-256), typed as people type
   them (``139 1234 5678``, ``+86-139-1234-5678``, ``13912345678``);
2. the same with ``--concurrency`` clients at once (requests per second);
3. a mix of the other endpoints (profile, tags, audiences, membership) for the OneIDs found.

Reports p50/p95/p99 latency (milliseconds) and requests per second for each, and checks that
every answer was a 200. The goal it is read against (issue 21): p95 <= 20 ms for a lookup by phone
at 1M persons on 2 cores.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

__all__ = ["main", "run_bench"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _typed(phone: str, style: int) -> str:
    """A mainland phone (+86 and 11 digits) as a person types it."""
    digits = phone[3:]
    return [
        f"{digits[:3]} {digits[3:7]} {digits[7:]}",
        f"+86-{digits[:3]}-{digits[3:7]}-{digits[7:]}",
        digits,
    ][style % 3]


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3

    return {
        "n": len(ordered),
        "p50_ms": round(at(0.50), 2),
        "p95_ms": round(at(0.95), 2),
        "p99_ms": round(at(0.99), 2),
        "mean_ms": round(statistics.fmean(ordered) * 1e3, 2),
    }


class _Client:
    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes, float]:
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        return response.status, body, time.perf_counter() - started


def _run(paths: list[str], port: int, concurrency: int) -> tuple[list[float], int, float, list]:
    """Send ``paths`` with ``concurrency`` keep-alive clients; latencies, errors, wall time."""
    latencies: list[float] = []
    bodies: list = []
    errors = 0
    lock = threading.Lock()
    chunks = [paths[i::concurrency] for i in range(concurrency)]

    def worker(chunk: list[str]) -> None:
        nonlocal errors
        client = _Client(port)
        mine, my_bodies, my_errors = [], [], 0
        for path in chunk:
            status, body, elapsed = client.get(path)
            mine.append(elapsed)
            my_bodies.append(body)
            my_errors += status != 200
        with lock:
            latencies.extend(mine)
            bodies.extend(my_bodies)
            errors += my_errors

    threads = [threading.Thread(target=worker, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started, bodies


def _phones(raw: Path, n: int, seed: int) -> list[str]:
    import pyarrow.parquet as pq

    path = raw / "_truth" / "identity.parquet"
    if not path.exists():
        raise SystemExit(
            f"persona bench-api: no {path}: the bench takes its phones from the generator's truth "
            "(persona generate writes it); pass --raw with a generated folder."
        )
    truth = pq.read_table(path, columns=["identifier_type", "identifier_value"]).to_pydict()
    phones = sorted(
        {
            value
            for kind, value in zip(truth["identifier_type"], truth["identifier_value"], strict=True)
            if kind == "phone" and value and value.startswith("+86")
        }
    )
    if not phones:
        raise SystemExit(f"persona bench-api: no phone in {raw}/_truth/identity.parquet")
    generator = random.Random(seed)
    return [generator.choice(phones) for _ in range(n)]


def run_bench(
    published: Path, raw: Path, requests: int, concurrency: int, seed: int = 7, workers: int = 1
) -> dict[str, object]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "persona.cli", "serve", "--published", str(published),
         "--port", str(port), "--log-level", "warning", "--workers", str(workers)],
    )  # fmt: skip
    try:
        started = time.perf_counter()
        while True:
            try:
                if _Client(port).get("/health")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("persona bench-api: the server did not start")
            time.sleep(0.1)
        startup_s = time.perf_counter() - started
        warm_up = min(200, requests)
        phones = _phones(raw, requests + warm_up, seed)
        paths = [
            "/v1/lookup?" + urllib.parse.urlencode({"identifier": _typed(phone, i)})
            for i, phone in enumerate(phones)
        ]
        _run(paths[:warm_up], port, 1)  # warm-up: first touches of the file's blocks
        results: dict[str, object] = {
            "published": str(published),
            "server_workers": workers,
            "startup_s": round(startup_s, 2),
        }
        latencies, errors, wall, bodies = _run(paths[warm_up:], port, 1)
        statuses: dict[str, int] = {}
        one_ids: list[str] = []
        for body in bodies:
            answer = json.loads(body)
            statuses[answer["status"]] = statuses.get(answer["status"], 0) + 1
            if answer.get("one_id"):
                one_ids.append(answer["one_id"])
        results["lookup_by_phone_sequential"] = _percentiles(latencies) | {
            "rps": round(len(latencies) / wall, 1),
            "errors": errors,
            "answers": statuses,
        }
        latencies, errors, wall, _ = _run(paths[warm_up:], port, concurrency)
        results[f"lookup_by_phone_concurrency_{concurrency}"] = _percentiles(latencies) | {
            "rps": round(len(latencies) / wall, 1),
            "errors": errors,
        }
        client = _Client(port)
        audience = _first_audience(client, one_ids)
        generator = random.Random(seed)
        mixed: list[tuple[str, str]] = []
        for one_id in generator.sample(one_ids, min(len(one_ids), max(1, requests // 4))):
            mixed += [
                ("profile", f"/v1/profiles/{one_id}"),
                ("tags", f"/v1/profiles/{one_id}/tags"),
                ("audiences", f"/v1/profiles/{one_id}/audiences"),
            ]
            if audience is not None:
                mixed.append(("membership", f"/v1/audiences/{audience}/members/{one_id}"))
        latencies_by: dict[str, list[float]] = {}
        errors = 0
        for kind, path in mixed:
            status, _, elapsed = client.get(path)
            errors += status != 200
            latencies_by.setdefault(kind, []).append(elapsed)
        for kind, samples in latencies_by.items():
            results[f"{kind}_sequential"] = _percentiles(samples)
        results["other_endpoints_errors"] = errors
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def _first_audience(client: _Client, one_ids: list[str]) -> str | None:
    for one_id in one_ids[:50]:
        status, body, _ = client.get(f"/v1/profiles/{one_id}/audiences")
        audiences = json.loads(body).get("audiences") if status == 200 else None
        if audiences:
            return audiences[0]["audience_code"]
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona bench-api",
        description=(
            "Latency (p50/p95/p99) and requests per second of the profile API: persona serve in "
            "one process, requests from this one on loopback. Lookups by phone use the "
            "generator's truth phones in --raw (the marts hold only digests)."
        ),
    )
    parser.add_argument(
        "--published",
        default=os.environ.get("PERSONA_PUBLISHED_DB", "data/published/marts.duckdb"),
        help="the published marts (persona publish)",
    )
    parser.add_argument(
        "--db", help="publish this warehouse to --published first (persona publish --db)"
    )
    parser.add_argument(
        "--raw", default=os.environ.get("PERSONA_RAW_DIR", "data/raw"), help="the raw folder"
    )
    parser.add_argument("--requests", type=int, default=2000, help="lookups per run (2000)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients at once (4)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (1)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.db:
        from persona.consumers.publish import PublishError, publish

        try:
            publish(args.db, args.published)
        except PublishError as error:
            print(f"persona bench-api: {error}", file=sys.stderr)
            return 1
    if not Path(args.published).exists():
        print(f"persona bench-api: no published marts at {args.published}", file=sys.stderr)
        return 1
    results = run_bench(
        Path(args.published), Path(args.raw), args.requests, args.concurrency, args.seed,
        args.workers,
    )  # fmt: skip
    for name, value in results.items():
        print(f"{name}: {json.dumps(value, ensure_ascii=False)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
