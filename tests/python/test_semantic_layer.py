"""The semantic layer (issue "consumers", part 4): MetricFlow semantic models and metrics over the
marts (models/semantic), queried with the real `mf` CLI against the default sample's warehouse
and checked against the marts computed independently in SQL.

`mf` reads the semantic manifest from `<dbt project dir>/target/semantic_manifest.json` (it does
not honour --target-path or DBT_TARGET_PATH), so the tests give it a scratch project directory:
links to the project's dbt_project.yml and profiles.yml, and `target` linked to the fixture's
target directory (written by `dbt build`). The warehouse is a copy, so `mf` (which opens DuckDB
read-write through dbt-duckdb) never touches the fixture's file; it keeps the name w.duckdb
because the manifest names relations by the file's catalog ("w").
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from conftest import ANSI, PROJECT_DIR, run_dbt

MF = str(Path(sys.executable).with_name("mf"))


class Mf:
    """The `mf` CLI on a scratch project directory and a copy of the warehouse."""

    def __init__(self, project: Path, warehouse: Path, raw: Path) -> None:
        self.project = project
        self.warehouse = warehouse
        self.env = dict(
            os.environ,
            PERSONA_DB=str(warehouse),
            PERSONA_RAW_DIR=str(raw),
            DBT_PROJECT_DIR=str(project),
            DBT_PROFILES_DIR=str(project),
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [MF, *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def query(self, *args: str) -> list[dict[str, str]]:
        """`mf query <args> --csv`: the rows, as text by column name."""
        out = self.project / "query.csv"
        out.unlink(missing_ok=True)
        result = self.run("query", *args, "--csv", str(out))
        output = ANSI.sub("", result.stdout + result.stderr)
        assert result.returncode == 0 and out.exists(), output[-4000:]
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def mf(default_sample: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Mf:
    workdir, raw = default_sample
    tmp = tmp_path_factory.mktemp("semantic")
    target = workdir / "target"
    if not (target / "semantic_manifest.json").exists():
        # dbt build writes it; parse into a target of our own if an older build did not
        result = run_dbt(["parse"], raw, tmp)
        assert result.returncode == 0, ANSI.sub("", result.stdout)[-4000:]
        target = tmp / "target"
    project = tmp / "project"
    project.mkdir()
    for name in ["dbt_project.yml", "profiles.yml"]:
        (project / name).symlink_to(PROJECT_DIR / name)
    (project / "target").symlink_to(target, target_is_directory=True)
    shutil.copy2(workdir / "w.duckdb", tmp / "w.duckdb")
    return Mf(project, tmp / "w.duckdb", raw)


def sql(mf: Mf, query: str) -> list[tuple]:
    # opened and closed around each query: `mf` needs the file free (DuckDB locks it)
    with duckdb.connect(str(mf.warehouse), read_only=True) as con:
        return con.execute(query).fetchall()


def close(value: str, expected: float) -> bool:
    return abs(float(value) - float(expected)) <= 1e-6 * max(abs(float(expected)), 1.0)


def test_kpis_equal_the_marts(mf: Mf) -> None:
    rows = mf.query(
        "--metrics",
        "customers,active_customers,revenue,purchases,aov,buyers,repurchase_rate,average_clv",
    )
    assert len(rows) == 1
    got = rows[0]
    [(customers,)] = sql(mf, "select count(*) from marts.dim_customers")
    [(active,)] = sql(
        mf,
        "select count(*) from marts.dim_customer_lifecycle where days_since_last_purchase <= 90",
    )
    [(revenue, purchases, paid, buyers)] = sql(
        mf,
        """
        select sum(net_amount), count(*) filter (where is_purchase),
            sum(paid_amount) filter (where is_purchase),
            count(distinct one_id) filter (where is_purchase)
        from marts.fct_orders""",
    )
    [(repurchase_rate,)] = sql(
        mf,
        """
        select avg(case when n_purchases >= 2 then 1.0 else 0.0 end)
        from (
            select one_id, count(*) as n_purchases from marts.fct_orders
            where is_purchase and one_id is not null group by one_id
        )""",
    )
    [(average_clv,)] = sql(mf, "select avg(clv_12m) from marts.dim_customer_clv")
    assert int(got["customers"]) == customers
    assert int(got["active_customers"]) == active
    assert int(got["purchases"]) == purchases
    assert int(got["buyers"]) == buyers
    assert close(got["revenue"], revenue)
    assert close(got["aov"], paid / purchases)
    assert close(got["repurchase_rate"], repurchase_rate)
    assert close(got["average_clv"], average_clv)
    # the sample is large enough that every KPI means something
    assert customers > buyers > active > 0 and 0 < float(got["repurchase_rate"]) < 1


def test_revenue_buyers_and_new_buyers_by_month(mf: Mf) -> None:
    rows = mf.query(
        "--metrics",
        "revenue,buyers,buyers_to_date,repeat_buyers",
        "--group-by",
        "metric_time__month",
    )
    got = {row["metric_time__month"][:10]: row for row in rows}
    expected = sql(
        mf,
        """
        with purchases as (
            select one_id, order_on, count(*) over (partition by one_id) as n_purchases,
                min(order_on) over (partition by one_id) as first_on
            from marts.fct_orders where is_purchase and one_id is not null
        ),
        firsts as (
            select cast(date_trunc('month', first_on) as date) as month,
                count(distinct one_id) as new_buyers,
                count(distinct case when n_purchases >= 2 then one_id end) as repeat_buyers
            from purchases group by 1
        ),
        orders as (
            select cast(date_trunc('month', order_on) as date) as month, sum(net_amount) as revenue,
                count(distinct case when is_purchase then one_id end) as buyers
            from marts.fct_orders group by 1
        )
        select strftime(orders.month, '%Y-%m-%d'), orders.revenue, orders.buyers,
            coalesce(firsts.new_buyers, 0), coalesce(firsts.repeat_buyers, 0)
        from orders left join firsts on orders.month = firsts.month
        order by 1""",
    )
    assert len(expected) >= 24
    assert sorted(got) == [month for month, *_ in expected]
    for month, revenue, buyers, new_buyers, repeat_buyers in expected:
        row = got[month]
        assert close(row["revenue"], revenue), month
        assert int(row["buyers"]) == buyers, month
        assert int(row["buyers_to_date"] or 0) == new_buyers, month
        assert int(row["repeat_buyers"] or 0) == repeat_buyers, month


def test_audience_size_per_audience_and_a_customer_dimension(mf: Mf) -> None:
    rows = mf.query("--metrics", "audience_size", "--group-by", "audience,audience__name_en")
    got = {row["audience"]: row for row in rows}
    expected = sql(
        mf,
        """
        select audiences.audience_code, audiences.name_en, count(members.one_id)
        from marts.dim_audiences as audiences
        inner join marts.fct_audience_members as members
            on audiences.audience_code = members.audience_code
        group by 1, 2""",
    )
    assert len(expected) >= 5
    assert sorted(got) == sorted(code for code, _, _ in expected)
    for code, name_en, size in expected:
        assert got[code]["audience__name_en"] == name_en
        assert int(got[code]["audience_size"]) == size, code

    # any metric can be cut by a customer dimension through the OneID
    rows = mf.query("--metrics", "revenue", "--group-by", "customer__lifecycle_stage")
    got_by_stage = {row["customer__lifecycle_stage"]: row["revenue"] for row in rows}
    expected = sql(
        mf,
        """
        select coalesce(lifecycle.lifecycle_stage, ''), sum(orders.net_amount)
        from marts.fct_orders as orders
        left join marts.dim_customer_lifecycle as lifecycle on orders.one_id = lifecycle.one_id
        group by 1""",
    )
    assert sorted(got_by_stage) == sorted(stage for stage, _ in expected)
    for stage, revenue in expected:
        assert close(got_by_stage[stage], revenue), stage


def test_customer_base_grows_to_the_customers_first_seen(mf: Mf) -> None:
    rows = mf.query("--metrics", "customer_base", "--group-by", "metric_time__year")
    got = {row["metric_time__year"][:4]: int(row["customer_base"]) for row in rows}
    expected = dict(
        sql(
            mf,
            """
            with years as (
                select distinct year(date_day) as y from semantic.metricflow_time_spine
                where date_day >= (select min(cast(first_seen_at as date)) from marts.dim_customers)
            )
            select cast(years.y as varchar), count(customers.one_id)
            from years
            left join marts.dim_customers as customers on year(customers.first_seen_at) <= years.y
            group by 1""",
        )
    )
    assert got == expected


def test_time_spine_covers_every_date_of_the_marts(mf: Mf) -> None:
    [(first, last, n_days, n_distinct)] = sql(
        mf,
        "select min(date_day), max(date_day), count(*), count(distinct date_day)"
        " from semantic.metricflow_time_spine",
    )
    [(as_of,)] = sql(mf, "select max(as_of_date) from marts.fct_orders")
    assert first == date(2000, 1, 1)  # var earliest_valid_date
    assert last == as_of
    assert n_days == n_distinct == (last - first).days + 1  # no gaps, no duplicates
    [(earliest, latest)] = sql(
        mf,
        """
        select min(d), max(d) from (
            select order_on as d from marts.fct_orders
            union all select cast(first_seen_at as date) from marts.dim_customers
            union all select cast(registered_at as date) from marts.dim_customers
            union all select cast(last_order_at as date) from marts.dim_customers
            union all select stage_entered_on from marts.dim_customer_lifecycle
            union all select as_of_date from marts.dim_customer_clv
            union all select as_of_date from marts.fct_audience_members
        ) as dates""",
    )
    assert first <= earliest and latest <= last
    assert latest >= last - timedelta(days=1)  # the sample's data reaches the as-of date


def test_validate_configs_against_the_warehouse(mf: Mf) -> None:
    result = mf.run("validate-configs")
    output = ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, output[-4000:]
    assert "Successfully validated metrics against data warehouse" in output, output[-4000:]
    assert "ERRORS: 0" in output and "ERROR:" not in output, output[-4000:]
    for line in output.splitlines():
        if "(ERRORS:" in line:
            assert "(ERRORS: 0, FUTURE_ERRORS: 0" in line, line
