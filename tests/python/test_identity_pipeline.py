"""OneID end to end, through the raw contract and `dbt build`:

- on the default sample (10,000 persons, seed 42) pairwise precision >= 0.995 and recall >= 0.98
  against the generator's ground truth, no black hole merges people, the largest OneID is one
  person, and rebuilding from scratch gives an identical dim_identifiers;
- on a hand-made history: appending a row that links two people merges exactly those OneIDs and
  logs the merge with its evidence; a force-separate override splits them again on the next build,
  logs the split, and the split-off part gets its old OneID back.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import copy_project, run_dbt, show_json
from make_raw_fixture import TABLES

BUILD = ["build", "--exclude-resource-type", "test", "unit_test"]


def _metrics(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    return dict(con.sql("select metric, metric_value from marts.rpt_identity_quality").fetchall())


@pytest.fixture(scope="module")
def sample(default_sample: tuple[Path, Path]) -> tuple[Path, Path]:
    return default_sample


def test_default_sample_meets_precision_and_recall(sample) -> None:
    tmp, _ = sample
    with duckdb.connect(str(tmp / "w.duckdb"), read_only=True) as con:
        metrics = _metrics(con)
    assert metrics["truth_identifiers"] > 30_000
    assert metrics["pairwise_precision"] >= 0.995
    assert metrics["pairwise_recall"] >= 0.98
    assert metrics["true_persons_in_largest_one_id"] == 1
    # the ceiling is what the data connects at all; recall of persons cannot exceed it
    assert metrics["pairwise_recall_of_persons"] <= metrics["pairwise_recall_ceiling"] + 1e-9
    assert metrics["identifiers_excluded:shared_identifier"] >= 1
    assert metrics["identifiers_excluded:blocked_value"] >= 1


def test_no_black_hole_merges_people(sample) -> None:
    tmp, _ = sample
    with duckdb.connect(str(tmp / "w.duckdb"), read_only=True) as con:
        fates = con.sql(
            "select black_hole_kind, fate, count(*)"
            " from marts.rpt_identity_black_holes group by all"
        ).fetchall()
    assert fates, "the generator writes black holes"
    assert not [f for f in fates if f[1] == "merged_people"], fates
    # placeholders and the zeroed IDFA are seen and excluded, whatever they link to
    for kind in ("cashier_placeholder_phone", "zeroed_idfa"):
        assert {f[1] for f in fates if f[0] == kind} == {"excluded"}, fates


def test_marts_carry_no_raw_phone_or_email(sample) -> None:
    tmp, _ = sample
    with duckdb.connect(str(tmp / "w.duckdb"), read_only=True) as con:
        leaked = con.sql(
            """
            select identifier_value from marts.dim_identifiers
            where regexp_matches(identifier_value, '\\+86|@')
            union all
            select identifier_value_a from marts.fct_identity_links
            where regexp_matches(identifier_value_a || identifier_value_b, '\\+86|@')
            """
        ).fetchall()
    assert leaked == []


def test_rebuild_from_scratch_gives_identical_dim_identifiers(sample, tmp_path: Path) -> None:
    tmp, raw = sample
    result = run_dbt(["build", "--select", "+dim_identifiers", *BUILD[1:]], raw, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    query = "select * from marts.dim_identifiers order by identifier_type, identifier_value"
    with duckdb.connect(str(tmp / "w.duckdb"), read_only=True) as con:
        first = con.sql(query).fetchall()
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        second = con.sql(query).fetchall()
    assert len(first) > 40_000
    assert first == second


# ---- merge and split on a hand-made history ------------------------------------------------


def _write(raw: Path, table: str, rows: list[dict[str, str]], part: str) -> None:
    """Append one Parquet file of text rows to a raw table (columns from the contract fixture)."""
    columns = TABLES[table][0]
    folder = raw / table
    folder.mkdir(parents=True, exist_ok=True)
    arrays = [pa.array([row.get(c) for row in rows], type=pa.string()) for c in columns]
    pq.write_table(pa.table(arrays, names=columns), folder / f"{part}.parquet")


def _member(member_id: str, card: str, phone: str, at: str) -> dict[str, str]:
    return {
        "member_id": member_id,
        "member_card_no": card,
        "phone": phone,
        "register_at": at,
        "updated_at": at,
        "gender": "f",
        "member_tier": "silver",
    }


def _mp_event(event_id: str, openid: str, unionid: str, phone: str, at: str) -> dict[str, str]:
    return {
        "event_id": event_id,
        "appid": "wxmall",
        "openid": openid,
        "unionid": unionid,
        "phone": phone,
        "event_name": "mp_open",
        "event_at": at,
    }


def _one_ids(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.sql(
        "select identifier_type || ':' || identifier_display, one_id from marts.dim_identifiers"
    ).fetchall()
    return dict(rows)


def _changes(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.sql(
        "select change_type, one_id, other_one_id, evidence from marts.fct_identity_changes"
        " where change_type in ('merge', 'split') order by changed_at, change_type"
    ).fetchall()


def test_append_merges_and_override_splits(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    raw = tmp_path / "raw"
    _write(
        raw,
        "crm_members",
        [
            _member("M1", "C1", "13912340001", "2025-01-01T00:00:00Z"),
            _member("M3", "C3", "13912340003", "2025-01-03T00:00:00Z"),
        ],
        "2025-01",
    )
    _write(
        raw,
        "miniprogram_events",
        [_mp_event("E1", "o-2", "u-2", "", "2025-02-01T00:00:00Z")],
        "2025-02",
    )

    def build() -> duckdb.DuckDBPyConnection:
        result = run_dbt(BUILD, raw, tmp_path, project_dir=project)
        assert result.returncode == 0, result.stdout[-4000:]
        return duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)

    with build() as con:
        before = _one_ids(con)
    member_one_id, wechat_one_id = before["member_id:M1"], before["unionid:u-2"]
    assert member_one_id != wechat_one_id
    assert before["openid:wxmall:o-2"] == wechat_one_id

    # the WeChat user authorizes member M1's phone: the two are one person
    _write(
        raw,
        "miniprogram_events",
        [_mp_event("E2", "o-2", "u-2", "13912340001", "2025-03-01T00:00:00Z")],
        "2025-03",
    )
    with build() as con:
        merged = _one_ids(con)
        changes = _changes(con)
    moved = {key for key in before if before[key] != merged.get(key)}
    assert moved == {"openid:wxmall:o-2", "unionid:u-2"}, "exactly the absorbed identifiers move"
    assert merged["unionid:u-2"] == member_one_id, "the member's OneID (an earlier anchor) survives"
    assert merged["member_id:M3"] == before["member_id:M3"]
    assert [c[:3] for c in changes] == [("merge", member_one_id, wechat_one_id)]
    assert changes[0][3] is not None and "stg_miniprogram__events" in changes[0][3]
    # and why: member M1 -> phone (CRM) -> unionid (the mini-program authorization)
    explain = "{{ persona.explain_identity_link('member_id', 'M1', 'unionid', 'u-2') }}"
    shown = run_dbt(
        ["show", "--inline", explain, "--limit", "-1", "--output", "json"],
        raw,
        tmp_path,
        project_dir=project,
    )
    assert shown.returncode == 0, shown.stdout[-4000:]
    path = {(row["hop"], row["source_model"]) for row in show_json(shown.stdout)}
    assert path == {(1, "stg_crm__members"), (2, "stg_miniprogram__events")}

    # a reviewer says the WeChat account is someone else: the next build splits them again
    seed = project / "seeds" / "identity" / "identity_force_separate.csv"
    with seed.open("a", encoding="utf-8") as handle:
        handle.write("member_id,M1,unionid,u-2,shared family phone,analyst@brand,2025-03-02\n")
    with build() as con:
        split = _one_ids(con)
        changes = _changes(con)
        audit = con.sql(
            "select exclusion_reason from marts.rpt_identity_audit where excluded_object = 'link'"
        ).fetchall()
    assert split == before, "the split-off part gets its old OneID back; nothing else moves"
    assert [c[:3] for c in changes] == [
        ("merge", member_one_id, wechat_one_id),
        ("split", member_one_id, wechat_one_id),
    ]
    assert "force_separated" in changes[1][3]
    assert ("force_separated",) in audit
