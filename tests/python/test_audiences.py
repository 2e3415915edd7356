"""Audiences (人群圈选) end to end on the default sample, and the rule compiler's errors.

- every shipped audience has members on the sample, and its exports hold only people with consent
  for the channel's purpose as it stands at build time (marketing; separate consent to third-party
  sharing for ad_platform) and no one under a restriction, with no raw phone or e-mail, in one
  Parquet and one CSV file per audience and channel;
- the export re-checks consent by purpose and restriction on a hand-made warehouse;
- the files agree with marts.fct_audience_exports row for row;
- a typo in a rule (unknown operator) or a channel without consent rules stops the build with a
  message that names the audience.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml
from conftest import ANSI, PROJECT_DIR, copy_project, run_dbt
from make_raw_fixture import write_fixture

from persona.consumers.audiences import ExportError, _check, export_audiences

DEFINITIONS = PROJECT_DIR / "models" / "activation" / "audiences" / "audience_definitions.yml"
PHONE = re.compile(r"(?<![0-9a-f])(\+?86)?1[3-9][0-9]{9}(?![0-9a-f])")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def _audiences() -> list[dict]:
    models = yaml.safe_load(DEFINITIONS.read_text())["models"]
    (model,) = [m for m in models if m["name"] == "int_audience_rule_members"]
    return model["config"]["meta"]["audiences"]


def _audiences_with_expansions() -> list[dict]:
    """The rule audiences and, for each lookalike seed, its expansion '<seed>_lookalike' (same
    channels)."""
    rules = _audiences()
    expansions = [
        {"code": f"{a['code']}_lookalike", "channels": a["channels"]}
        for a in rules
        if a.get("lookalike_seed")
    ]
    return rules + expansions


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]) -> Path:
    workdir, _ = default_sample
    return workdir / "w.duckdb"


def test_at_least_eight_audiences_all_with_members(warehouse: Path) -> None:
    assert len(_audiences()) >= 8
    audiences = _audiences_with_expansions()
    assert any(a["code"].endswith("_lookalike") for a in audiences), "no lookalike seed shipped"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sizes = dict(
            con.sql("select audience_code, n_members from marts.rpt_audience_summary").fetchall()
        )
    assert set(sizes) == {a["code"] for a in audiences}
    empty = [code for code, n in sizes.items() if n == 0]
    assert not empty, f"audiences without members on the sample: {empty}"


def test_exports_hold_only_consented_people_and_no_raw_pii(warehouse: Path, tmp_path: Path) -> None:
    files = export_audiences(warehouse, tmp_path / "exports")
    expected = {(a["code"], c) for a in _audiences_with_expansions() for c in a["channels"]}
    assert {(f.audience_code, f.channel) for f in files} == expected
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # consent as it stands at build time, per channel's purpose (what exports must respect)
        consent = {
            (one_id, channel): is_consented
            for one_id, channel, is_consented in con.sql(
                """
                select one_id, channel, is_consented and (
                    channel <> 'ad_platform' or legal_basis = 'separate_consent')
                from marts.dim_customer_consents
                where purpose = case channel
                    when 'ad_platform' then 'third_party_sharing' else 'marketing' end
                """
            ).fetchall()
        }
        restricted = {
            one_id
            for (one_id,) in con.sql(
                "select one_id from marts.dim_customers where is_restricted"
            ).fetchall()
        }
        mart_rows = dict(
            con.sql(
                "select audience_code || '/' || channel, count(*) "
                "from marts.fct_audience_exports group by 1"
            ).fetchall()
        )
    total = 0
    for f in files:
        parquet = pq.read_table(tmp_path / "exports" / f.parquet)
        csv = pacsv.read_csv(tmp_path / "exports" / f.csv)
        assert (
            parquet.num_rows
            == csv.num_rows
            == f.rows
            == mart_rows.get(f"{f.audience_code}/{f.channel}", 0)
        )
        for column in parquet.column_names:
            for value in parquet.column(column).to_pylist():
                text = str(value)
                assert not PHONE.search(text) and not EMAIL.search(text), (f.parquet, column, text)
        for one_id in parquet.column("one_id").to_pylist():
            assert consent.get((one_id, f.channel)) is True, (f.parquet, one_id)
            assert one_id not in restricted, (f.parquet, one_id)
        total += f.rows
    assert total > 0


def test_export_refuses_raw_phone() -> None:
    table = pa.table({"identifier_value": ["9f86d081884c7d659a2feaa0c55ad015", "13800138000"]})
    with pytest.raises(ExportError, match="raw phone, e-mail or ID-card"):
        _check(table)


@pytest.mark.parametrize(
    "value", ["+852 9123 4567", "11010119900307123X", "wm_[x] bob@example.com", "0085366123456"]
)
def test_export_refuses_any_personal_data_in_any_column(value: str) -> None:
    hashed = "9f86d081884c7d659a2feaa0c55ad015"
    table = pa.table({"identifier_value": [hashed, hashed], "one_id": ["oid_1", value]})
    with pytest.raises(ExportError, match="raw phone, e-mail or ID-card"):
        _check(table)
    _check(pa.table({"identifier_value": [hashed], "one_id": ["oid_1"]}))


def _tiny_warehouse(path: Path, export_rows: list[tuple], restricted: set[str]) -> Path:
    """A warehouse with only the marts the export reads: p1 has marketing consent on sms,
    p2 third-party sharing on ad_platform with plain consent (not separate), p3 with separate
    consent; p4 is under a restriction request (with consent on sms)."""
    with duckdb.connect(str(path)) as con:
        con.sql("create schema marts")
        con.sql(
            "create table marts.dim_audiences as select 'vip' as audience_code, "
            "'sms,ad_platform' as channels, date '2026-10-31' as as_of_date"
        )
        con.sql(
            "create table marts.dim_customers (one_id varchar, is_restricted boolean);"
            "insert into marts.dim_customers values "
            + ", ".join(f"('{p}', {p in restricted})" for p in ("p1", "p2", "p3", "p4"))
        )
        con.sql(
            "create table marts.dim_customer_consents as select * from (values "
            "('p1', 'marketing', 'sms', true, 'consent'), "
            "('p2', 'third_party_sharing', 'ad_platform', true, 'consent'), "
            "('p3', 'third_party_sharing', 'ad_platform', true, 'separate_consent'), "
            "('p4', 'marketing', 'sms', true, 'consent')"
            ") as t(one_id, purpose, channel, is_consented, legal_basis)"
        )
        con.sql(
            "create table marts.fct_audience_exports (audience_code varchar, channel varchar, "
            "one_id varchar, identifier_type varchar, identifier_value varchar, as_of_date date)"
        )
        for one_id, channel in export_rows:
            con.execute(
                "insert into marts.fct_audience_exports values "
                "('vip', ?, ?, 'phone_sha256', ?, date '2026-10-31')",
                [channel, one_id, "ab" * 32],
            )
    return path


def test_export_rechecks_consent_by_purpose_and_restriction(tmp_path: Path) -> None:
    ok = _tiny_warehouse(tmp_path / "ok.duckdb", [("p1", "sms"), ("p3", "ad_platform")], {"p4"})
    files = export_audiences(ok, tmp_path / "out")
    assert {(f.channel, f.rows) for f in files} == {("sms", 1), ("ad_platform", 1)}
    for name, rows in [
        ("no_marketing", [("p3", "sms")]),  # third-party consent is not marketing consent
        ("not_separate", [("p2", "ad_platform")]),  # sharing needs separate consent
        ("no_sharing", [("p1", "ad_platform")]),  # marketing consent is not sharing consent
        ("restricted", [("p4", "sms")]),  # consented, but under a restriction request
    ]:
        bad = _tiny_warehouse(tmp_path / f"{name}.duckdb", rows, {"p4"})
        with pytest.raises(ExportError, match="1 export rows lack consent"):
            export_audiences(bad, tmp_path / f"out-{name}")


def test_export_without_warehouse_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="make run"):
        export_audiences(tmp_path / "missing.duckdb", tmp_path / "out")


@pytest.mark.parametrize(
    ("rule", "channels", "message"),
    [
        (
            {"field": "total_purchases", "op": "like", "value": 1},
            ["sms"],
            "unknown operator 'like'",
        ),
        ({"all": []}, ["sms"], "all/any needs a non-empty list"),
        ({"field": "total_purchases", "op": "=", "value": 0}, ["billboard"], "channel 'billboard'"),
    ],
)
def test_bad_audience_definition_stops_the_build(tmp_path: Path, rule, channels, message) -> None:
    project = copy_project(tmp_path / "project")
    path = project / DEFINITIONS.relative_to(PROJECT_DIR)
    document = yaml.safe_load(path.read_text())
    document["models"][0]["config"]["meta"]["audiences"].append(
        {
            "code": "broken_audience",
            "name_zh": "错误",
            "name_en": "Broken",
            "description": "a rule with a mistake",
            "channels": channels,
            "purpose": "test",
            "owner": "test",
            "rule": rule,
        }
    )
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    raw = tmp_path / "raw"
    write_fixture(raw)
    result = run_dbt(
        ["compile", "-s", "int_audience_rule_members"], raw, tmp_path, project_dir=project
    )
    output = ANSI.sub("", result.stdout)
    assert result.returncode != 0
    assert "broken_audience" in output and message in output, output[-3000:]


def test_every_audience_declares_its_kind() -> None:
    """kind (segment | trigger) is explicit on every shipped definition; cart abandoners is the
    trigger list the catalog has always described as one."""
    kinds = {a["code"]: a.get("kind") for a in _audiences()}
    assert set(kinds.values()) == {"segment", "trigger"}, kinds
    assert kinds["cart_abandoners"] == "trigger"


def test_an_audience_of_an_unknown_kind_stops_the_build(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    path = project / DEFINITIONS.relative_to(PROJECT_DIR)
    document = yaml.safe_load(path.read_text())
    document["models"][0]["config"]["meta"]["audiences"][0]["kind"] = "billboard"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    raw = tmp_path / "raw"
    write_fixture(raw)
    result = run_dbt(["compile", "-s", "dim_audiences"], raw, tmp_path, project_dir=project)
    output = ANSI.sub("", result.stdout)
    assert result.returncode != 0
    assert "kind must be segment or trigger, got billboard" in output, output[-3000:]
