"""The tag catalog (标签体系): its rules, the files generated from it, and its tags on the sample.

- the catalog is sound: >= 100 tags over all ten categories, unique snake_case codes, and the
  codes the audiences rely on exist with the types they expect;
- the generated files (the column list of int_customer_tag_values, the contract of
  dim_customer_profiles, docs/tags.md) are up to date with the catalog;
- on the default sample every tag has a value for somebody (a tag null for everyone is a
  defect), the long table holds exactly the catalog's tags, and category values stay in their lists.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from persona.cli import main as cli_main
from persona.consumers import tags

#: codes the audience definitions use, with the value type they expect
AUDIENCE_CODES = {
    "gender": "category",
    "age_band": "category",
    "city_tier": "number",
    "is_member": "boolean",
    "days_since_registration": "number",
    "total_purchases": "number",
    "days_since_first_purchase": "number",
    "days_since_last_purchase": "number",
    "active_days_30d": "number",
    "browse_sessions_3d": "number",
    "service_contacts_30d": "number",
    "intent_browsed_3d_no_order": "boolean",
    "intent_consulted_no_order": "boolean",
    "intent_repurchase_due": "boolean",
    "cart_abandoned_7d": "boolean",
    "rfm_segment": "category",
    "value_tier": "category",
    "lifecycle_stage": "category",
    "price_sensitivity": "category",
    "promotion_only_buyer": "boolean",
    "preferred_channel": "category",
    "preferred_category": "category",
}


@pytest.fixture(scope="module")
def catalog() -> tags.Catalog:
    return tags.read_catalog()


def _raw_catalog() -> dict:
    return yaml.safe_load((tags.PROJECT_DIR / tags.CATALOG_FILE).read_text(encoding="utf-8"))


def test_catalog_has_100_tags_over_all_ten_categories(catalog: tags.Catalog) -> None:
    assert len(catalog.tags) >= 100
    used = {tag.category for tag in catalog.tags}
    assert used == set(tags.CATEGORIES)
    for category, members in catalog.by_category():
        assert len(members) >= 5, f"category {category.code} has only {len(members)} tags"


def test_the_codes_audiences_use_exist_with_their_types(catalog: tags.Catalog) -> None:
    types = {tag.code: tag.value_type for tag in catalog.tags}
    assert {code: types.get(code) for code in AUDIENCE_CODES} == AUDIENCE_CODES
    price = next(t for t in catalog.tags if t.code == "price_sensitivity")
    assert set(price.values) == {"high", "medium", "low"}


def test_every_tag_is_described_for_marketers(catalog: tags.Catalog) -> None:
    for tag in catalog.tags:
        assert len(tag.description) >= 25, tag.code
        assert tag.name_zh and tag.name_zh != tag.name_en, tag.code
        assert tag.owner.endswith("-team"), tag.code
        assert tag.column_description.startswith(f"{tag.name_en}（{tag.name_zh}）: ")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda ts: ts.append(dict(ts[0])), "used twice"),
        (lambda ts: ts[0].update(code="Bad-Code"), "snake_case"),
        (lambda ts: ts[0].update(category="feelings"), "unknown category"),
        (lambda ts: ts[0].update(value_type="text"), "value_type"),
        (lambda ts: ts[0].pop("values"), "needs values"),
        (lambda ts: ts[0].pop("definition"), "definition is missing"),
        (lambda ts: ts[0].update(code="one_id"), "profile field"),
        (lambda ts: ts[0].update(colour="red"), "unknown key"),
        (lambda ts: ts[0].update(owner=""), "owner"),
        (lambda ts: ts[0].update(history="no"), "history"),
    ],
)
def test_a_broken_catalog_is_refused_with_the_reason(change, problem: str) -> None:
    document = _raw_catalog()
    entries = document["models"][0]["config"]["meta"]["tag_catalog"]
    assert entries[0]["code"] == "gender"  # a category tag with values, the cases above rely on it
    change(entries)
    with pytest.raises(tags.CatalogError, match=problem):
        tags.parse_catalog(document)


def test_generated_files_are_up_to_date_with_the_catalog() -> None:
    stale = tags.stale_files()
    assert not stale, f"run `persona tags sync`: out of date: {[str(p) for p in stale]}"


def test_profile_contract_lists_every_tag_with_its_type(catalog: tags.Catalog) -> None:
    profile = yaml.safe_load(tags.profile_yaml(catalog))
    (model,) = profile["models"]
    assert model["name"] == "dim_customer_profiles" and model["access"] == "public"
    columns = {c["name"]: c for c in model["columns"]}
    for tag in catalog.tags:
        assert columns[tag.code]["data_type"] == {"boolean": "boolean", "category": "string"}.get(
            tag.value_type, "double"
        )
        assert tag.name_zh in columns[tag.code]["description"]
    assert all("data_type" in c for c in model["columns"])
    assert [c["name"] for c in model["columns"]][-1] == "as_of_date"


def test_sync_writes_the_generated_files_once(tmp_path: Path, catalog: tags.Catalog) -> None:
    source = tags.PROJECT_DIR / tags.CATALOG_FILE
    target = tmp_path / tags.CATALOG_FILE
    target.parent.mkdir(parents=True)
    # a catalog file as a contributor leaves it: a new tag, the generated files not yet updated
    text = source.read_text(encoding="utf-8").replace(
        "          - code: age\n",
        "          - code: is_adult\n"
        "            name_zh: 成年\n"
        "            name_en: Adult\n"
        "            category: basic\n"
        "            value_type: boolean\n"
        "            description: Eighteen years old or more on the as-of date.\n"
        "            definition: age >= 18\n"
        "            owner: crm-team\n\n"
        "          - code: age\n",
        1,
    )
    target.write_text(text, encoding="utf-8")
    written = tags.sync(tmp_path)
    assert set(written) == {tags.PROFILE_FILE, tags.DOCS_FILE}
    assert tags.sync(tmp_path) == []
    assert tags.stale_files(tmp_path) == []
    # the catalog file is the contributor's own: sync never rewrites it
    assert (tmp_path / tags.CATALOG_FILE).read_text(encoding="utf-8") == text
    profile = yaml.safe_load((tmp_path / tags.PROFILE_FILE).read_text(encoding="utf-8"))
    (model,) = profile["models"]
    names = [c["name"] for c in model["columns"]]
    assert names[0] == "one_id" and names[-1] == "as_of_date" and "is_adult" in names
    assert len(names) == len(catalog.tags) + len(tags.PROFILE_FIELDS) + 2
    assert model["access"] == "public" and model["config"]["schema"] == "marts"
    assert "`is_adult`" in (tmp_path / tags.DOCS_FILE).read_text(encoding="utf-8")


def test_cli_check_reports_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / tags.CATALOG_FILE).parent.mkdir(parents=True)
    shutil.copy2(tags.PROJECT_DIR / tags.CATALOG_FILE, tmp_path / tags.CATALOG_FILE)
    assert cli_main(["tags", "check", "--project-dir", str(tmp_path)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert cli_main(["tags", "sync", "--project-dir", str(tmp_path)]) == 0
    assert cli_main(["tags", "check", "--project-dir", str(tmp_path)]) == 0


def test_docs_group_tags_by_category_in_both_languages(catalog: tags.Catalog) -> None:
    text = tags.docs_markdown(catalog)
    for category in catalog.categories:
        assert f"## {category.name_zh} {category.name_en}" in text
    for tag in catalog.tags:
        assert f"| `{tag.code}` | {tag.name_zh} |" in text


# ---- on the default sample ------------------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(default_sample) -> duckdb.DuckDBPyConnection:
    workdir, _ = default_sample
    con = duckdb.connect(str(workdir / "w.duckdb"), read_only=True)
    yield con
    con.close()


def test_every_tag_has_a_value_for_some_customers(warehouse, catalog: tags.Catalog) -> None:
    counts = warehouse.execute(
        "select "
        + ", ".join(f"count({tag.code})" for tag in catalog.tags)
        + " from marts.dim_customer_profiles"
    ).fetchone()
    empty = [tag.code for tag, n in zip(catalog.tags, counts, strict=True) if n == 0]
    assert not empty, f"tags null for every customer: {empty}"
    # yes/no tags that are never true would be as useless as empty ones
    flags = [tag for tag in catalog.tags if tag.value_type == "boolean"]
    trues = warehouse.execute(
        "select "
        + ", ".join(f"count(*) filter (where {tag.code})" for tag in flags)
        + " from marts.dim_customer_profiles"
    ).fetchone()
    never = [tag.code for tag, n in zip(flags, trues, strict=True) if n == 0]
    assert not never, f"yes/no tags true for nobody: {never}"


def test_profile_has_one_row_per_customer_and_a_column_per_tag(
    warehouse, catalog: tags.Catalog
) -> None:
    n_customers = warehouse.execute("select count(*) from marts.dim_customers").fetchone()[0]
    n_profiles, n_ids = warehouse.execute(
        "select count(*), count(distinct one_id) from marts.dim_customer_profiles"
    ).fetchone()
    assert n_profiles == n_ids == n_customers
    columns = [
        row[0]
        for row in warehouse.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'dim_customer_profiles'"
        ).fetchall()
    ]
    assert {tag.code for tag in catalog.tags} <= set(columns)


def test_long_table_and_catalog_table_hold_the_catalog(warehouse, catalog: tags.Catalog) -> None:
    codes = {tag.code for tag in catalog.tags}
    long_codes = {
        row[0]
        for row in warehouse.execute(
            "select distinct tag_code from marts.fct_customer_tags"
        ).fetchall()
    }
    assert long_codes == codes
    catalog_rows = warehouse.execute("select tag_code, value_type from marts.dim_tags").fetchall()
    assert dict(catalog_rows) == {tag.code: tag.value_type for tag in catalog.tags}
    coverage = dict(
        warehouse.execute("select tag_code, coverage from marts.rpt_tag_coverage").fetchall()
    )
    assert set(coverage) == codes and all(0 < value <= 1 for value in coverage.values())


def test_category_values_stay_within_their_declared_lists(warehouse, catalog: tags.Catalog) -> None:
    for tag in catalog.tags:
        if tag.value_type != "category" or not tag.values:
            continue
        found = {
            row[0]
            for row in warehouse.execute(
                "select distinct tag_value from marts.fct_customer_tags where tag_code = ?",
                [tag.code],
            ).fetchall()
        }
        assert found <= set(tag.values), (tag.code, found - set(tag.values))


def test_required_tags_agree_with_the_facts(warehouse) -> None:
    # total_purchases is 0 (not null) for people who never bought, and counts purchases
    mismatches = warehouse.execute(
        """
        select count(*)
        from marts.dim_customer_profiles as profiles
        left join (
            select one_id, count(*) as n
            from marts.fct_orders
            where is_purchase and one_id is not null
            group by one_id
        ) as purchases on profiles.one_id = purchases.one_id
        where profiles.total_purchases is distinct from coalesce(purchases.n, 0)
        """
    ).fetchone()[0]
    assert mismatches == 0
    # repurchase due is only decided for repeat buyers
    undecided, decided_for_single = warehouse.execute(
        """
        select
            count(*) filter (where total_purchases >= 2 and intent_repurchase_due is null),
            count(*) filter (where total_purchases < 2 and intent_repurchase_due is not null)
        from marts.dim_customer_profiles
        """
    ).fetchone()
    assert undecided == decided_for_single == 0
