"""The golden record (dim_customers) and the PII scan of the marts.

- On the default sample (10,000 persons, seed 42): one row per OneID of dim_identifiers; gender,
  city, birth year and age agree with the generator's truth for >= 95% of the members that have
  them (and most members have them); no mart value of dim_customers is a raw phone or e-mail.
- On the small fixture: a mart that selects a raw phone and e-mail makes the singular test
  tests/privacy/assert_no_raw_pii_in_marts.sql fail, naming exactly that mart and those columns,
  while dim_customers (hashed and masked) passes it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from conftest import copy_project, run_dbt
from make_raw_fixture import write_fixture

PHONE = re.compile(r"(?<![0-9A-Za-z])(\+?86[ -]?)?1[3-9][0-9]([ -]?[0-9]{4}){2}(?![0-9A-Za-z])")
EMAIL = re.compile(r"[^@\s*]+@[^@\s]+\.[A-Za-z]{2,}")


@pytest.fixture(scope="module")
def warehouse(default_sample: tuple[Path, Path]) -> duckdb.DuckDBPyConnection:
    tmp, _ = default_sample
    con = duckdb.connect(str(tmp / "w.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def truth_members(default_sample: tuple[Path, Path]) -> str:
    """SQL for the generator's persons keyed by their CRM member id."""
    truth = default_sample[1] / "_truth"
    return (
        "select identity.identifier_value as member_id, persons.*"
        f" from '{truth / 'identity.parquet'}' as identity"
        f" inner join '{truth / 'persons.parquet'}' as persons"
        " on identity.person_id = persons.person_id"
        " where identity.identifier_type = 'member_id'"
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    return con.sql(sql).fetchall()[0]


def test_one_row_per_one_id(warehouse: duckdb.DuckDBPyConnection) -> None:
    n_rows, n_one_ids = _one(
        warehouse,
        "select count(*), count(distinct one_id) from marts.dim_customers",
    )
    expected = _one(
        warehouse,
        "select count(distinct one_id) from marts.dim_identifiers where one_id is not null",
    )[0]
    assert n_rows == n_one_ids == expected
    missing = _one(
        warehouse,
        "select count(*) from (select distinct one_id from marts.dim_identifiers"
        " where one_id is not null) as identifiers anti join marts.dim_customers using (one_id)",
    )[0]
    assert missing == 0
    # prospects are in too: people who never bought
    n_buyers, n_prospects = _one(
        warehouse,
        "select count(*) filter (where n_orders > 0), count(*) filter (where n_orders = 0)"
        " from marts.dim_customers",
    )
    assert n_buyers > 1000 and n_prospects > 1000


def test_attributes_agree_with_truth(
    warehouse: duckdb.DuckDBPyConnection, truth_members: str
) -> None:
    row = _one(
        warehouse,
        f"""
        with truth_members as ({truth_members})
        select
            count(*) as n_members,
            count(customers.gender) filter (where truth.gender in ('F', 'M')) as n_gender,
            avg(case when customers.gender is not null and truth.gender in ('F', 'M')
                then (customers.gender = truth.gender)::int end) as gender_agreement,
            count(customers.city) as n_city,
            avg(case when customers.city is not null then (customers.city = truth.city)::int end)
                as city_agreement,
            avg(case when customers.city_tier is not null
                then (customers.city_tier = truth.city_tier)::int end) as city_tier_agreement,
            count(customers.age) as n_age,
            avg(case when customers.birth_year is not null
                then (customers.birth_year = truth.birth_year)::int end) as birth_year_agreement,
            avg(case when customers.age is not null
                then (customers.age between year(customers.as_of_date) - truth.birth_year - 1
                    and year(customers.as_of_date) - truth.birth_year)::int end) as age_agreement
        from marts.dim_customers as customers
        inner join truth_members as truth on customers.member_id = truth.member_id
        """,
    )
    names = [
        "n_members",
        "n_gender",
        "gender_agreement",
        "n_city",
        "city_agreement",
        "city_tier_agreement",
        "n_age",
        "birth_year_agreement",
        "age_agreement",
    ]
    measured = dict(zip(names, row, strict=True))
    print(measured)
    n_members = measured["n_members"]
    assert n_members > 3000, measured
    # most members carry each attribute (the CRM leaves some empty or unusable)
    assert measured["n_gender"] >= 0.85 * n_members, measured
    assert measured["n_city"] >= 0.95 * n_members, measured
    assert measured["n_age"] >= 0.90 * n_members, measured
    for key in [
        "gender_agreement",
        "city_agreement",
        "city_tier_agreement",
        "birth_year_agreement",
        "age_agreement",
    ]:
        assert measured[key] >= 0.95, (key, measured)


def test_consents_and_contacts_are_informative(warehouse: duckdb.DuckDBPyConnection) -> None:
    sms, email, wecom, members, phones = _one(
        warehouse,
        "select avg(is_sms_opt_in::int) filter (where is_member),"
        " avg(is_email_opt_in::int) filter (where is_member),"
        " count(*) filter (where has_wecom), count(*) filter (where is_member),"
        " count(phone_sha256) from marts.dim_customers",
    )
    assert 0.2 < sms < 0.95 and 0.05 < email < 0.9
    assert wecom > 100 and phones > members


def test_no_raw_phone_or_email_in_dim_customers(warehouse: duckdb.DuckDBPyConnection) -> None:
    columns = [
        name
        for name, column_type, *_ in warehouse.sql("describe marts.dim_customers").fetchall()
        if column_type == "VARCHAR"
    ]
    leaks = []
    for column in columns:
        values = warehouse.sql(
            f"select distinct {column} from marts.dim_customers where {column} is not null"
        ).fetchall()
        leaks += [
            (column, value) for (value,) in values if PHONE.search(value) or EMAIL.search(value)
        ]
    assert not leaks, leaks[:10]
    # the masked forms are there, and are not mistaken for the real thing
    masked = _one(
        warehouse,
        "select count(*) filter (where phone_masked similar to '1[3-9][0-9][*]{4}[0-9]{4}'),"
        " count(*) filter (where email_masked like '_***@%') from marts.dim_customers",
    )
    assert masked[0] > 1000 and masked[1] > 100


LEAK_MODEL = """
{{ config(schema='marts', access='public') }}
-- a careless mart: the CRM's phone and e-mail in the clear
select member_id, phone, email from {{ ref('stg_crm__members') }}
"""


def test_pii_scan_fails_on_a_mart_with_raw_phone(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    (project / "models" / "core" / "customers" / "zz_pii_leak.sql").write_text(
        LEAK_MODEL, encoding="utf-8"
    )
    # a new mart is listed in the scan's depends_on, so that one build runs the scan after it
    scan = project / "tests" / "privacy" / "assert_no_raw_pii_in_marts.sql"
    scan.write_text(
        scan.read_text(encoding="utf-8") + "\n-- depends_on: {{ ref('zz_pii_leak') }}\n",
        encoding="utf-8",
    )
    raw = tmp_path / "raw"
    write_fixture(raw)

    result = run_dbt(
        [
            "build",
            "-s",
            "+zz_pii_leak",
            "+dim_customers",
            "assert_no_raw_pii_in_marts",
            "--indirect-selection",
            "empty",
            "--store-failures",
        ],
        raw,
        tmp_path,
        project_dir=project,
    )
    assert result.returncode != 0, result.stdout[-4000:]
    assert "Failure in test assert_no_raw_pii_in_marts" in result.stdout, result.stdout[-4000:]
    assert "ERROR=1 " in result.stdout, "only the scan fails; every model builds"

    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        leaked = _one(con, "select count(phone), count(email) from marts.zz_pii_leak")
        found = con.sql(
            "select model_name, column_name, pii_kind"
            " from dbt_test__audit.assert_no_raw_pii_in_marts order by all"
        ).fetchall()
        n_customers = _one(con, "select count(*) from marts.dim_customers")[0]
    assert leaked[0] > 0 and leaked[1] > 0
    assert n_customers > 0, "dim_customers was built and scanned"
    # the leak is named, column by column; dim_customers' hashes and masked forms pass
    assert found == [("zz_pii_leak", "email", "email"), ("zz_pii_leak", "phone", "phone")]
