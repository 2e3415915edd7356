"""History is kept one way (persona.history_log, issue 17): append-only change logs that run on
every engine. Over five builds of a hand-made CRM:

1. the first build logs every key once, and every version is current;
2. a tier change and a member whose file disappeared: the tag log gets the new value and removal
   rows, the old version ends at the build's time and as-of date, the identifier log records the
   member's identifiers leaving;
3. `--full-refresh` rebuilds the marts but keeps every log row;
4. a build as of an earlier date: the audience log (as-of keyed, forward only) logs nothing;
5. `restart_history` starts every log again from the current state.

Builds 2 to 4 append to the tag log from the difference with the last build's values (kept beside
the log, macros/tags/tag_log.sql); each build's appended rows are checked against the difference
of the tracked tag values before and after it, worked out here in Python.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from conftest import run_dbt
from test_identity_pipeline import _member, _write

SELECT = [
    "--select",
    "+fct_customer_tag_history +fct_identity_changes +fct_audience_membership_history",
    "--exclude-resource-type",
    "test",
    "unit_test",
]
LOGS = ("int_identifier_one_id_log", "int_customer_tag_log", "int_audience_membership_log")


FAST_PATH = "int_customer_tag_log: compares each person's tag values with the last build's"
OUTPUTS: list[str] = []


def _build(raw: Path, workdir: Path, *args: str) -> duckdb.DuckDBPyConnection:
    result = run_dbt(["build", *SELECT, *args], raw, workdir)
    assert result.returncode == 0, result.stdout[-4000:]
    OUTPUTS.append(result.stdout)
    return duckdb.connect(str(workdir / "w.duckdb"), read_only=True)


def _tracked(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    rows = con.execute(
        "select one_id, tag_code, tag_value, tag_category"
        " from intermediate.int_customer_tags_tracked"
    ).fetchall()
    return {(one_id, code): (value, category) for one_id, code, value, category in rows}


def _tag_log(con: duckdb.DuckDBPyConnection) -> set[tuple]:
    return set(
        con.execute(
            "select one_id, tag_code, tag_value, tag_category, is_removed, recorded_at"
            " from intermediate.int_customer_tag_log"
        ).fetchall()
    )


def _assert_log_appends_the_difference(
    before: dict[tuple, tuple], after: dict[tuple, tuple], appended: set[tuple]
) -> None:
    """The rows a build appends to the tag log: each key whose value is new or changed, with its
    value now, and each key that lost its value, with its last value, as a removal."""
    expected = {
        key + now + (False,) for key, now in after.items() if before.get(key, (None,))[0] != now[0]
    }
    expected |= {key + was + (True,) for key, was in before.items() if key not in after}
    assert {row[:5] for row in appended} == expected
    assert len(appended) == len(expected), "one row per changed key"


def _log_rows(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {
        log: con.execute(f"select count(*) from intermediate.{log}").fetchone()[0] for log in LOGS
    }


def _tier_versions(con: duckdb.DuckDBPyConnection, one_id: str) -> list[tuple]:
    return con.execute(
        "select tag_value, valid_from, valid_to, valid_from_as_of_date, valid_to_as_of_date,"
        " is_current from marts.fct_customer_tag_history"
        f" where tag_code = 'member_tier' and one_id = '{one_id}' order by valid_from"
    ).fetchall()


def _one_id(con: duckdb.DuckDBPyConnection, member_id: str) -> str:
    return con.execute(
        "select one_id from marts.dim_identifiers"
        f" where identifier_type = 'member_id' and identifier_display = '{member_id}'"
    ).fetchone()[0]


def test_history_logs_over_five_builds(tmp_path: Path) -> None:
    OUTPUTS.clear()
    raw = tmp_path / "raw"
    _write(raw, "crm_members", [_member("M1", "C1", "13912340001", "2025-01-01T00:00:00Z")], "m1")
    _write(raw, "crm_members", [_member("M2", "C2", "13912340002", "2025-01-02T00:00:00Z")], "m2")

    # 1. the baseline: one row per key, nothing removed, every version current
    with _build(raw, tmp_path) as con:
        first = _log_rows(con)
        tracked, tag_log = _tracked(con), _tag_log(con)
        _assert_log_appends_the_difference({}, tracked, tag_log)
        m1 = _one_id(con, "M1")
        assert _tier_versions(con, m1)[0][0] == "silver"
        for log in LOGS[:2]:
            removed = f"select count(*) from intermediate.{log} where is_removed"
            assert con.execute(removed).fetchone()[0] == 0
        assert (
            con.execute(
                "select count(*) from marts.fct_customer_tag_history where not is_current"
            ).fetchone()[0]
            == 0
        )
        assert con.execute("select count(*) from marts.fct_identity_changes").fetchone()[0] == 0
        identifiers = con.execute("select count(*) from marts.dim_identifiers").fetchone()[0]
        assert first["int_identifier_one_id_log"] == identifiers

    # 2. M1 becomes gold (a CRM change file), M2's file disappears
    gold = dict(_member("M1", "C1", "13912340001", "2025-01-01T00:00:00Z"))
    gold.update(member_tier="gold", updated_at="2025-02-01T00:00:00Z")
    _write(raw, "crm_members", [gold], "m1-change")
    (raw / "crm_members" / "m2.parquet").unlink()
    with _build(raw, tmp_path) as con:
        second = _log_rows(con)
        _assert_log_appends_the_difference(tracked, _tracked(con), _tag_log(con) - tag_log)
        tracked, tag_log = _tracked(con), _tag_log(con)
        versions = _tier_versions(con, m1)
        m2_removed = con.execute(
            "select count(*) from intermediate.int_identifier_one_id_log"
            " where is_removed and identifier_value in ('M2', 'C2')"
        ).fetchone()[0]
        m2_current = con.execute(
            "select count(*) from marts.fct_customer_tag_history"
            " where is_current and one_id not in (select one_id from marts.dim_identifiers)"
        ).fetchone()[0]
    assert [v[0] for v in versions] == ["silver", "gold"]
    (old_value, old_from, old_to, old_as_of, old_to_as_of, old_current) = versions[0]
    (_, new_from, new_to, new_as_of, _, new_current) = versions[1]
    assert old_to == new_from and old_to_as_of == new_as_of and new_to is None
    assert not old_current and new_current
    assert str(new_as_of) == "2025-02-01" and str(old_as_of) == "2025-01-02"
    assert m2_removed == 2, "M2's member id and card number left the data"
    assert m2_current == 0, "a person who left the data holds no current tag"
    assert second["int_customer_tag_log"] > first["int_customer_tag_log"]

    # 3. --full-refresh rebuilds the marts, not the history
    with _build(raw, tmp_path, "--full-refresh") as con:
        assert _log_rows(con) == second
        assert _tier_versions(con, m1) == versions
        assert _tracked(con) == tracked

    # 4. as of an earlier date: the tier is silver again in the tag log (build order), the
    #    as-of-keyed audience log logs nothing
    with _build(raw, tmp_path, "--vars", "{as_of: '2025-01-15'}") as con:
        fourth = _log_rows(con)
        _assert_log_appends_the_difference(tracked, _tracked(con), _tag_log(con) - tag_log)
        assert [v[0] for v in _tier_versions(con, m1)] == ["silver", "gold", "silver"]
    assert fourth["int_audience_membership_log"] == second["int_audience_membership_log"]
    assert all(FAST_PATH in output for output in OUTPUTS[1:4]), (
        "builds 2-4 compare with the last values"
    )

    # 5. restart_history: every log starts again from the current state
    with _build(raw, tmp_path, "--vars", "{restart_history: true}") as con:
        for log in LOGS:
            removed, rows, builds = con.execute(
                f"select count(*) filter (where is_removed), count(*),"
                f" count(distinct recorded_at) from intermediate.{log}"
            ).fetchone()
            assert removed == 0 and builds <= 1, log
        assert [v[0] for v in _tier_versions(con, m1)] == ["gold"]
