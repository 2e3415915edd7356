"""The tag catalog (标签体系): reading, checking, and the files generated from it.

The catalog is one YAML list, `config.meta.tag_catalog` of the dbt model int_customer_tag_values in
`models/profile/tags/tag_catalog.yml` (a file that holds the catalog and the unit tests of its
definitions, nothing else). dbt reads it at compile time to build the tag columns; this module
generates what dbt cannot generate for itself:

- `models/profile/tags/_tags__profile.yml`: the contract of dim_customer_profiles (every column with
  its data_type, as an enforced contract requires),
- `docs/tags.md`: the catalog for marketers, by category, in Chinese and English.

`persona tags sync` writes them; `persona tags check` (and a pytest) fails while they are out of
date or the catalog breaks a rule (unique snake_case codes, known categories and value types,
values for category tags, ...).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[3]
CATALOG_FILE = Path("models/profile/tags/tag_catalog.yml")
PROFILE_FILE = Path("models/profile/tags/_tags__profile.yml")
DOCS_FILE = Path("docs/tags.md")
CATALOG_MODEL = "int_customer_tag_values"
PROFILE_MODEL = "dim_customer_profiles"

CATEGORIES = (
    "basic",
    "behaviour",
    "interest",
    "value",
    "intent",
    "psychology",
    "lifecycle",
    "channel",
    "service",
    "campaign",
)
VALUE_TYPES = {"boolean": "boolean", "category": "string", "number": "double"}
OWNERS = re.compile(r"^[a-z][a-z0-9-]*$")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
REQUIRED = ("code", "name_zh", "name_en", "category", "value_type", "description", "definition")
KNOWN_KEYS = set(REQUIRED) | {"values", "values_from", "owner", "history"}

#: dim_customers fields the profile carries before the tag columns: (name, data_type, description)
PROFILE_FIELDS = (
    ("one_id", "string", "The person (OneID, 客户ID): one row per person of dim_customers."),
    ("member_id", "string", "The CRM membership (会员ID); null for non-members."),
    (
        "phone_masked",
        "string",
        "The person's phone masked for a screen (138****8000); never the raw number.",
    ),
    ("email_masked", "string", "The person's e-mail masked for display (j***@example.com)."),
    ("first_seen_at", "timestamp", "The first time (UTC) the person showed up in any channel."),
    (
        "last_seen_at",
        "timestamp",
        "The last time (UTC) the person showed up, up to the as-of date.",
    ),
)
RESERVED = {name for name, _, _ in PROFILE_FIELDS} | {"as_of_date"}
AS_OF_DESCRIPTION = "{{ doc('as_of_date') }}"


@dataclass(frozen=True)
class Category:
    code: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Tag:
    code: str
    name_zh: str
    name_en: str
    category: str
    value_type: str
    description: str
    definition: str
    owner: str = ""
    values: tuple[str, ...] = field(default_factory=tuple)
    values_from: str = ""
    history: bool = True

    @property
    def data_type(self) -> str:
        """The column type of the tag in the wide tables (DuckDB names)."""
        return VALUE_TYPES[self.value_type]

    @property
    def column_description(self) -> str:
        """'name_en（name_zh）: description', on one line."""
        return f"{self.name_en}（{self.name_zh}）: {_one_line(self.description)}"


@dataclass(frozen=True)
class Catalog:
    categories: tuple[Category, ...]
    tags: tuple[Tag, ...]

    def by_category(self) -> list[tuple[Category, list[Tag]]]:
        return [(c, [t for t in self.tags if t.category == c.code]) for c in self.categories]


class CatalogError(ValueError):
    """The catalog breaks a rule; the message lists every problem."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def read_catalog(project_dir: Path = PROJECT_DIR) -> Catalog:
    """The catalog of `project_dir`, checked: raises CatalogError listing every problem."""
    document = yaml.safe_load((project_dir / CATALOG_FILE).read_text(encoding="utf-8"))
    return parse_catalog(document)


def parse_catalog(document: dict) -> Catalog:
    """The catalog from the parsed YAML of the catalog file, checked."""
    models = [m for m in (document or {}).get("models", []) if m.get("name") == CATALOG_MODEL]
    if len(models) != 1:
        raise CatalogError(f"{CATALOG_FILE} must describe the model {CATALOG_MODEL} exactly once")
    meta = (models[0].get("config") or {}).get("meta") or {}
    categories = tuple(
        Category(_text(c.get("code")), _text(c.get("name_zh")), _text(c.get("name_en")))
        for c in meta.get("tag_categories") or []
    )
    raw_tags = meta.get("tag_catalog") or []
    problems = check_entries(categories, raw_tags)
    if problems:
        raise CatalogError("the tag catalog breaks its rules:\n- " + "\n- ".join(problems))
    tags = tuple(
        Tag(
            code=_text(t["code"]),
            name_zh=_text(t["name_zh"]),
            name_en=_text(t["name_en"]),
            category=_text(t["category"]),
            value_type=_text(t["value_type"]),
            description=_one_line(t["description"]),
            definition=_text(t["definition"]),
            owner=_text(t.get("owner")),
            values=tuple(str(v) for v in t.get("values") or ()),
            values_from=_one_line(t.get("values_from") or ""),
            history=t.get("history", True),
        )
        for t in raw_tags
    )
    return Catalog(categories, tags)


def check_entries(categories: Iterable[Category], raw_tags: list[dict]) -> list[str]:
    """Every rule the catalog breaks, as sentences (empty when it is sound)."""
    problems: list[str] = []
    category_codes = [c.code for c in categories]
    if category_codes != list(CATEGORIES):
        problems.append(f"tag_categories must be, in this order: {', '.join(CATEGORIES)}")
    for category in categories:
        if not category.name_zh or not category.name_en:
            problems.append(f"category {category.code!r} needs name_zh and name_en")
    seen: set[str] = set()
    for index, tag in enumerate(raw_tags):
        code = _text(tag.get("code")) if isinstance(tag, dict) else ""
        where = f"tag {code or '#' + str(index + 1)}"
        if not isinstance(tag, dict):
            problems.append(f"{where}: each entry must be a mapping")
            continue
        for key in REQUIRED:
            if not _text(tag.get(key)):
                problems.append(f"{where}: {key} is missing")
        for key in sorted(set(tag) - KNOWN_KEYS):
            problems.append(f"{where}: unknown key {key!r}")
        if code and not CODE.match(code):
            problems.append(f"{where}: the code must be snake_case (a-z, 0-9, _)")
        if code in seen:
            problems.append(f"{where}: the code is used twice")
        seen.add(code)
        if code in RESERVED:
            problems.append(f"{where}: {code!r} is a profile field name, choose another code")
        category = _text(tag.get("category"))
        if category and category not in CATEGORIES:
            problems.append(f"{where}: unknown category {category!r}")
        value_type = _text(tag.get("value_type"))
        if value_type and value_type not in VALUE_TYPES:
            problems.append(f"{where}: value_type must be boolean, category or number")
        values = tag.get("values")
        if value_type == "category":
            if not values and not _text(tag.get("values_from")):
                problems.append(f"{where}: a category tag needs values (or values_from)")
            if values and len({str(v) for v in values}) != len(values):
                problems.append(f"{where}: a value is listed twice")
        elif values or tag.get("values_from"):
            problems.append(f"{where}: only category tags list values")
        if not isinstance(tag.get("history", True), bool):
            problems.append(f"{where}: history must be true or false")
        owner = _text(tag.get("owner"))
        if not owner or not OWNERS.match(owner):
            problems.append(f"{where}: owner must name a team (e.g. crm-team)")
        if "{{" in _text(tag.get("description")) or "{{" in _text(tag.get("definition")):
            problems.append(f"{where}: no Jinja in a description or definition")
    return problems


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def profile_yaml(catalog: Catalog) -> str:
    """`_tags__profile.yml`: the dim_customer_profiles model with its full contract."""
    columns: list[dict] = []
    for name, data_type, description in PROFILE_FIELDS:
        column: dict = {"name": name, "data_type": data_type, "description": description}
        if name == "one_id":
            column["constraints"] = [{"type": "not_null"}]
            column["data_tests"] = ["unique"]
        columns.append(column)
    columns += [
        {"name": t.code, "data_type": t.data_type, "description": t.column_description}
        for t in catalog.tags
    ]
    columns.append({"name": "as_of_date", "data_type": "date", "description": AS_OF_DESCRIPTION})
    model = {
        "name": PROFILE_MODEL,
        "description": (
            "The customer profile (用户画像宽表): one row per person (OneID) of dim_customers, "
            "a few golden-record fields, then one column per tag of the tag catalog, named by its "
            "code "
            f"({len(catalog.tags)} tags in {len(catalog.categories)} categories; booleans, text "
            "codes and numbers). BI tools and audience rules read it. What each tag means: the "
            "column descriptions, dim_tags and docs/tags.md. The same values in long form: "
            "fct_customer_tags."
        ),
        "access": "public",
        "config": {"schema": "marts", "contract": {"enforced": True}},
        "columns": columns,
    }
    header = (
        "# GENERATED by `persona tags sync` from the tag catalog "
        f"({CATALOG_FILE.as_posix()}): do not edit.\n"
        "# A pytest fails when this file is out of date with the catalog.\n"
    )
    return header + _dump({"version": 2, "models": [model]})


def _md(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def docs_markdown(catalog: Catalog) -> str:
    """`docs/tags.md`: the catalog for marketers."""
    counts = {c.code: 0 for c in catalog.categories}
    for tag in catalog.tags:
        counts[tag.category] += 1
    lines = [
        "# Tag catalog (标签体系)",
        "",
        "<!-- GENERATED by `persona tags sync` from "
        f"{CATALOG_FILE.as_posix()}: edit the catalog, not this file. -->",
        "",
        f"{len(catalog.tags)} tags in {len(catalog.categories)} categories, computed for every "
        "person (OneID) at every build, as of the build's as-of date. Where to find them:",
        "",
        "- `marts.dim_customer_profiles`: one row per person, one column per tag (named by the "
        "code below);",
        "- `marts.fct_customer_tags`: one row per person and tag (`tag_value` as text: `true` / "
        "`false`, category codes, numbers);",
        "- `marts.fct_customer_tag_history`: when each person entered and left each tag value "
        "(tags marked *no history* below change every day by the clock alone and are left out);",
        "- `marts.dim_tags`: this catalog as a table (with each tag's SQL rule); "
        "`marts.rpt_tag_coverage` and `marts.rpt_tag_value_distribution`: how many people have "
        "each tag and value.",
        "",
        "How to read: *last N days* means the N calendar days ending on the as-of date. An empty "
        "value (null) means unknown or not applicable, e.g. a preferred category for someone who "
        "never bought, or web behaviour for a brand that sends no web events. Money is in yuan "
        "(元), net of refunds and returns. A **purchase** is a paid order that was not refunded "
        "(nor a store return).",
        "",
        "To add a tag: add an entry to the catalog, run `persona tags sync`, then `dbt build`.",
        "",
        "| category | 分类 | tags |",
        "|---|---|---|",
    ]
    for category in catalog.categories:
        lines.append(
            f"| [{category.name_en}](#{category.code}) | {category.name_zh} | "
            f"{counts[category.code]} |"
        )
    for category, tags in catalog.by_category():
        lines += [
            "",
            f'<a id="{category.code}"></a>',
            "",
            f"## {category.name_zh} {category.name_en} (`{category.code}`)",
            "",
            "| code | 中文名 | name | type | values | meaning | owner |",
            "|---|---|---|---|---|---|---|",
        ]
        for tag in tags:
            if tag.values:
                values = ", ".join(f"`{v}`" for v in tag.values)
            elif tag.values_from:
                values = _md(tag.values_from)
            elif tag.value_type == "boolean":
                values = "`true`, `false`"
            else:
                values = "number"
            meaning = _md(tag.description) + ("" if tag.history else " *No history.*")
            lines.append(
                f"| `{tag.code}` | {_md(tag.name_zh)} | {_md(tag.name_en)} | {tag.value_type} | "
                f"{values} | {meaning} | {tag.owner} |"
            )
    return "\n".join(lines) + "\n"


def generated_files(project_dir: Path = PROJECT_DIR) -> dict[Path, str]:
    """Every generated file of the project with the text it should have."""
    catalog = read_catalog(project_dir)
    return {
        PROFILE_FILE: profile_yaml(catalog),
        DOCS_FILE: docs_markdown(catalog),
    }


def stale_files(project_dir: Path = PROJECT_DIR) -> list[Path]:
    """The generated files whose text differs from what the catalog generates."""
    stale = []
    for path, text in generated_files(project_dir).items():
        target = project_dir / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def sync(project_dir: Path = PROJECT_DIR) -> list[Path]:
    """Write every generated file that is out of date; returns the ones written."""
    written = []
    for path, text in generated_files(project_dir).items():
        target = project_dir / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="persona tags",
        description="The tag catalog: regenerate (sync) or verify (check) the files made from it.",
    )
    parser.add_argument("action", choices=["sync", "check", "list"])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR)
    args = parser.parse_args(argv)
    try:
        if args.action == "sync":
            written = sync(args.project_dir)
            for path in written:
                print(f"wrote {path}")
            if not written:
                print("the generated files are up to date")
            return 0
        if args.action == "check":
            stale = stale_files(args.project_dir)
            for path in stale:
                print(f"out of date: {path} (run `persona tags sync`)", file=sys.stderr)
            return 1 if stale else 0
        catalog = read_catalog(args.project_dir)
        for category, tags in catalog.by_category():
            print(f"{category.code} {category.name_zh} ({len(tags)})")
            for tag in tags:
                print(f"  {tag.code:36} {tag.value_type:9} {tag.name_zh}")
        print(f"{len(catalog.tags)} tags")
        return 0
    except CatalogError as error:
        print(f"persona tags: {error}", file=sys.stderr)
        return 1
