"""Erasure (PIPL art. 47) reaches every table: a warehouse built without the requests, then the
same raw data with the generator's erasure requests built on it (the request arrives on a later
day) and on a fresh warehouse (a full build).

The people to erase are found in the first warehouse, through its own OneID: each request's
identifier, normalized by the reference normalizer, and every identifier of its OneID. The scan
then looks, in every text column of every table and view of every schema but `raw`, and in every
exported file, for any of their identifiers in normal form, their digests (SHA-256 of
`<type>:<value>` and the public SHA-256 of a phone or e-mail) and every OneID they had. In the
schema `privacy`, the suppression list and the staged requests may hold digests and nothing else.

The fixture adds a second request by one of those people, by another identifier, a second later:
the person is erased once, and the second request is reported as `person_already_erased`.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_dbt

from persona.consumers.audiences import export_audiences
from persona.dev.generate import generate
from persona.dev.identifiers import identifier_digest, normalize_identifier

BUILD = ["build", "--exclude-resource-type", "test", "unit_test"]


REPEAT_REQUEST_ID = "DSR-REPEAT-1"


def _add_repeat_request(raw: Path) -> None:
    """A second erasure request of the first erased person, by an identifier of another type."""
    truth = pq.read_table(raw / "_truth" / "privacy_requests.parquet").to_pylist()
    identity = pq.read_table(raw / "_truth" / "identity.parquet").to_pylist()
    # the first erased person who has an identifier of another of these types
    kind, value, first = next(
        (r["identifier_type"], r["identifier_value"], request)
        for request in truth
        if request["request_type"] == "erasure" and request["person_id"]
        for r in identity
        if r["person_id"] == request["person_id"]
        and r["identifier_type"] in {"phone", "email", "member_id", "device_id"}
        and r["identifier_type"] != request["identifier_type"]
    )
    row = {
        "request_id": [REPEAT_REQUEST_ID],
        "identifier_type": [kind],
        "identifier_value": [value],
        "request_type": ["erasure"],
        "requested_at": [first["requested_at"] + timedelta(seconds=1)],
    }
    # the generator's schema, so the folder still reads as one table
    schema = pq.read_schema(next((raw / "erasure_requests").glob("*.parquet")))
    table = pa.table({name: row[name] for name in schema.names}).cast(schema)
    pq.write_table(table, raw / "erasure_requests" / "zz-repeat.parquet")


def _build(raw: Path, workdir: Path) -> None:
    result = run_dbt(BUILD, raw, workdir)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("erasure")
    raw = tmp / "raw"
    generate(
        3000,
        date(2025, 1, 1),
        date(2025, 12, 31),
        11,
        raw,
        progress=False,
        design_end=date(2025, 12, 31),
    )
    _add_repeat_request(raw)
    # the same data without the requests: the day before they arrive
    before_raw = tmp / "raw_before"
    before_raw.mkdir()
    for folder in raw.iterdir():
        if folder.name != "erasure_requests":
            (before_raw / folder.name).symlink_to(folder)
    paths = {"raw": raw}
    for name in ("before", "daily", "full"):
        paths[name] = tmp / name
        paths[name].mkdir()
    _build(before_raw, paths["before"])
    shutil.copy(paths["before"] / "w.duckdb", paths["daily"] / "w.duckdb")
    _build(raw, paths["daily"])
    _build(raw, paths["full"])
    return paths


@pytest.fixture(scope="module")
def erased(builds) -> dict[str, object]:
    """The requests, and the identifiers, digests and OneIDs of the people they erase, as the
    warehouse built before the requests knew them."""
    requests = pq.read_table(builds["raw"] / "erasure_requests").to_pylist()
    con = duckdb.connect(str(builds["before"] / "w.duckdb"), read_only=True)
    clusters = con.execute(
        "select identifier_type, identifier_value, one_id from intermediate.int_identity_clusters"
    ).fetchall()
    con.close()
    one_id_of = {(t, v): o for t, v, o in clusters}
    erasures = {}
    for request in requests:
        if request["request_type"] != "erasure":
            continue
        kind = str(request["identifier_type"]).strip().lower()
        value = normalize_identifier(kind, request["identifier_value"])
        erasures[request["request_id"]] = (kind, value, one_id_of.get((kind, value)))
    one_ids = {one_id for _, _, one_id in erasures.values() if one_id}
    identifiers = {(t, v) for t, v, o in clusters if o in one_ids}
    values = {v for _, v in identifiers} | {v for _, v, _ in erasures.values() if v}
    digests = {identifier_digest(t, v) for t, v in identifiers}
    digests |= {identifier_digest(t, v) for t, v, _ in erasures.values() if v}
    public_hashes = {
        hashlib.sha256(v.encode()).hexdigest() for t, v in identifiers if t in {"phone", "email"}
    }
    return {
        "requests": requests,
        "erasures": erasures,
        "one_ids": one_ids,
        "identifiers": identifiers,
        "values": values,
        "needles": values | digests | public_hashes | one_ids,
        "digests": digests,
    }


def _leaks(db: Path, needles: set[str]) -> list[str]:
    """Every (schema.table.column, rows) holding a needle, outside `raw`; in `privacy`, only the
    suppression list's identifier_digest may hold one."""
    con = duckdb.connect(str(db), read_only=True)
    con.execute("create temp table needles (needle varchar)")
    con.executemany("insert into needles values (?)", [[n] for n in sorted(needles)])
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where table_schema not in ('raw') and data_type = 'VARCHAR' "
        "and table_catalog = current_database() order by 1, 2, 3"
    ).fetchall()
    found = []
    for schema, table, column in columns:
        if schema == "privacy" and column == "identifier_digest":
            continue
        n = con.execute(
            f'select count(*) from "{schema}"."{table}" as t where exists '
            f'(select 1 from needles where contains(t."{column}", needles.needle))'
        ).fetchone()[0]
        if n:
            found.append(f"{schema}.{table}.{column}: {n} rows")
    con.close()
    return found


def test_the_sample_erases_by_several_identifier_types(erased) -> None:
    kinds = {kind for kind, _, _ in erased["erasures"].values()}
    assert {"phone", "openid", "member_id"} <= kinds, kinds
    raw_phones = [
        r["identifier_value"]
        for r in erased["requests"]
        if r["request_type"] == "erasure" and r["identifier_type"] == "phone"
    ]
    # a phone arrives as a person types it, not in its normal form
    assert any(normalize_identifier("phone", p) != p for p in raw_phones)
    assert len(erased["one_ids"]) >= 3
    assert len(erased["identifiers"]) > len(erased["one_ids"])  # whole people, not one identifier


@pytest.mark.parametrize("build", ["daily", "full"])
def test_nothing_about_an_erased_person_remains(builds, erased, build) -> None:
    assert _leaks(builds[build] / "w.duckdb", erased["needles"]) == []


@pytest.mark.parametrize("build", ["daily", "full"])
def test_exports_hold_nobody_erased(builds, erased, build, tmp_path) -> None:
    files = export_audiences(builds[build] / "w.duckdb", tmp_path)
    assert files
    text = "\n".join(
        p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.suffix in {".csv", ".json"}
    )
    assert [n for n in erased["needles"] if n in text] == []


def test_the_suppression_list_holds_their_digests(builds, erased) -> None:
    con = duckdb.connect(str(builds["daily"] / "w.duckdb"), read_only=True)
    query = "select identifier_digest from privacy.erased_identifiers"
    listed = {r[0] for r in con.execute(query).fetchall()}
    con.close()
    assert erased["digests"] <= listed


@pytest.mark.parametrize("build", ["daily", "full"])
def test_the_ledger_has_one_row_per_request(builds, erased, build) -> None:
    con = duckdb.connect(str(builds[build] / "w.duckdb"), read_only=True)
    ledger = con.execute(
        "select request_id, is_person_found, rows_removed, rows_removed_by_table "
        "from privacy.erasure_ledger"
    ).fetchall()
    query = "select request_id, status from marts.rpt_privacy_requests"
    report = dict(con.execute(query).fetchall())
    reconciliation = con.execute(
        "select sum(rows_erased), bool_and(is_reconciled) from marts.rpt_raw_reconciliation"
    ).fetchone()
    con.close()
    found = {rid for rid, (_, _, one_id) in erased["erasures"].items() if one_id}
    # two requests of one person: the first erases them, the second finds them gone
    by_ledger = {rid: (person, removed, tables) for rid, person, removed, tables in ledger}
    assert set(by_ledger) <= set(erased["erasures"])
    # every request is reported, the repeated one included (it outlives the person it names)
    assert set(erased["erasures"]) <= set(report)
    assert report[REPEAT_REQUEST_ID] == "person_already_erased"
    assert REPEAT_REQUEST_ID not in by_ledger
    for rid in found:
        assert report[rid] in {"erased", "person_already_erased"}, (rid, report[rid])
    erased_by_ledger = [rid for rid in found if report[rid] == "erased"]
    assert erased_by_ledger
    for rid in erased_by_ledger:
        person, removed, tables = by_ledger[rid]
        assert person and removed > 0 and "staging.base_" in tables, by_ledger[rid]
    for request in erased["requests"]:
        if request["request_type"] == "restriction":
            expected = {"restricted", "pending", "person_already_erased"}
            assert report[request["request_id"]] in expected
    rows_erased, reconciled = reconciliation
    assert rows_erased > 0 and reconciled


# the staged event tables and their identifier columns (macros/privacy/erasure.sql, erasure_targets)
EVENT_SOURCES = {
    "web": ("stg_web__events", ["cookie_id", "member_id"]),
    "app": ("stg_app__events", ["device_id", "member_id", "login_phone"]),
    "miniprogram": ("stg_miniprogram__events", ["openid", "unionid", "phone"]),
}


def test_everyone_else_is_unchanged(builds, erased) -> None:
    """The orders, identifiers and events of everyone not erased are the same before and after the
    requests arrive, except an event row that itself carried an identifier of an erased person (a
    link the OneID guards cut: the row is attributed to someone else but holds the erased person's
    phone): it is set aside like every row that carries one (DECISIONS.md 2026-12-05)."""
    gone = erased["one_ids"]
    queries = {
        "fct_orders": "select * exclude (one_id), one_id from marts.fct_orders",
        "fct_events": "select event_id, event_at, one_id from marts.fct_events",
        "dim_identifiers": "select identifier_type, identifier_display, one_id "
        "from marts.dim_identifiers",
    }
    rows = {}
    for build in ("before", "daily"):
        con = duckdb.connect(str(builds[build] / "w.duckdb"), read_only=True)
        for name, query in queries.items():
            rows[name, build] = {
                r for r in con.execute(query).fetchall() if r[-1] is not None and r[-1] not in gone
            }
        con.close()
    assert rows["fct_orders", "before"] == rows["fct_orders", "daily"]
    assert rows["dim_identifiers", "before"] == rows["dim_identifiers", "daily"]
    assert rows["fct_events", "daily"] <= rows["fct_events", "before"]
    lost = rows["fct_events", "before"] - rows["fct_events", "daily"]
    con = duckdb.connect(str(builds["before"] / "w.duckdb"), read_only=True)
    con.execute("create temp table erased_values (v varchar)")
    con.executemany("insert into erased_values values (?)", [[v] for v in erased["values"]])
    for event_id, _, _ in lost:
        channel, raw_id = event_id.split(":", 1)
        model, columns = EVENT_SOURCES[channel]
        carried = " or ".join(f"{c} in (select v from erased_values)" for c in columns)
        hit = con.execute(
            f"select count(*) from staging.{model} where event_id = ? and ({carried})", [raw_id]
        ).fetchone()[0]
        assert hit, f"{event_id} of someone not erased was removed, not carrying their identifier"
    con.close()
    assert len(lost) <= len(rows["fct_events", "before"]) * 0.001


def test_a_later_build_keeps_them_out(builds, erased, tmp_path) -> None:
    """The next build over the same files: the suppression list keeps them out before staging,
    nothing is purged again and the ledger does not grow."""
    workdir = tmp_path / "again"
    workdir.mkdir()
    shutil.copy(builds["daily"] / "w.duckdb", workdir / "w.duckdb")
    _build(builds["raw"], workdir)
    assert _leaks(workdir / "w.duckdb", erased["needles"]) == []
    counts = []
    for db in (builds["daily"] / "w.duckdb", workdir / "w.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        counts.append(con.execute("select count(*) from privacy.erasure_ledger").fetchone()[0])
        con.close()
    assert counts[0] == counts[1]
