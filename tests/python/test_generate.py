"""The synthetic generator: contract shape, determinism, truth consistency, stated rates."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import persona.dev.generate.core as core
from persona.dev import identifiers as ids
from persona.dev.generate import generate
from persona.dev.generate.__main__ import main
from persona.dev.generate.config import Settings

PERSONS = 1500
DATE_FILE = re.compile(r"\d{4}-\d{2}(-\d{2})?\.parquet")
START, END = date(2024, 11, 1), date(2026, 10, 31)

# The raw input contract (raw-sources.md), written out here so that drift is caught.
REQUIRED: dict[str, list[str]] = {
    "crm_members": [
        "member_id",
        "member_card_no",
        "phone",
        "email",
        "full_name",
        "gender",
        "birth_date",
        "city",
        "register_at",
        "register_channel",
        "member_tier",
        "sms_opt_in",
        "email_opt_in",
        "updated_at",
    ],
    "products": [
        "product_id",
        "product_name",
        "category_l1",
        "category_l2",
        "brand",
        "list_price",
        "launched_on",
    ],
    "web_events": [
        "event_id",
        "cookie_id",
        "member_id",
        "event_type",
        "page_url",
        "product_id",
        "search_term",
        "event_at",
        "user_agent",
        "utm_source",
        "utm_medium",
        "utm_campaign",
    ],
    "app_events": [
        "event_id",
        "device_id",
        "platform",
        "member_id",
        "login_phone",
        "event_name",
        "product_id",
        "event_at_local",
        "app_version",
    ],
    "miniprogram_events": [
        "event_id",
        "appid",
        "openid",
        "unionid",
        "phone",
        "event_name",
        "page_path",
        "product_id",
        "event_at",
    ],
    "miniprogram_orders": [
        "order_id",
        "appid",
        "openid",
        "unionid",
        "phone",
        "order_at",
        "paid_at",
        "status",
        "order_amount",
        "discount_amount",
        "coupon_code",
    ],
    "miniprogram_order_items": ["order_id", "line_no", "product_id", "quantity", "unit_price"],
    "ecommerce_orders": [
        "order_id",
        "platform",
        "buyer_id",
        "member_id",
        "receiver_phone",
        "order_at",
        "paid_at",
        "status",
        "order_amount",
        "discount_amount",
        "coupon_code",
    ],
    "ecommerce_order_items": ["order_id", "line_no", "product_id", "quantity", "unit_price"],
    "pos_transactions": [
        "txn_id",
        "store_id",
        "member_card_no",
        "phone",
        "txn_at_local",
        "txn_amount",
        "discount_amount",
        "payment_method",
        "is_return",
    ],
    "pos_transaction_items": ["txn_id", "line_no", "product_id", "quantity", "unit_price"],
    "wecom_contacts": [
        "external_userid",
        "unionid",
        "staff_id",
        "remark_phone",
        "added_at",
        "deleted_at",
    ],
    "cs_tickets": [
        "ticket_id",
        "channel",
        "member_id",
        "phone",
        "openid",
        "appid",
        "created_at",
        "category",
        "satisfaction_score",
    ],
    "campaign_touches": [
        "touch_id",
        "campaign_id",
        "channel",
        "variant",
        "phone",
        "device_id",
        "openid",
        "appid",
        "email",
        "sent_at",
        "opened_at",
        "clicked_at",
    ],
}
OPTIONAL = {
    "web_events": {"ingested_at", "referrer_member_id"},
    "app_events": {"ingested_at"},
    "miniprogram_events": {"ingested_at", "scene", "share_from_openid"},
}
EVENT_TABLES = {
    "web_events": (
        "event_type",
        {"page_view", "product_view", "search", "add_to_cart", "checkout", "purchase"},
    ),
    "app_events": (
        "event_name",
        {
            "app_open",
            "product_view",
            "search",
            "add_to_cart",
            "checkout",
            "purchase",
            "share",
            "favorite",
        },
    ),
    "miniprogram_events": (
        "event_name",
        {
            "mp_open",
            "product_view",
            "search",
            "add_to_cart",
            "checkout",
            "purchase",
            "share",
            "favorite",
        },
    ),
}
# own-channel phone columns (dirty forms at the stated rates); marketplace phones are separate
OWN_PHONES = [
    ("crm_members", "phone"),
    ("app_events", "login_phone"),
    ("miniprogram_events", "phone"),
    ("miniprogram_orders", "phone"),
    ("wecom_contacts", "remark_phone"),
    ("cs_tickets", "phone"),
    ("campaign_touches", "phone"),
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("gen")
    out = {"a": base / "a", "b": base / "b", "c": base / "c"}
    generate(PERSONS, START, END, 7, out["a"], progress=False)
    generate(PERSONS, START, END, 7, out["b"], progress=False)
    generate(PERSONS, START, END, 8, out["c"], progress=False)
    return out


@pytest.fixture(scope="module")
def raw(runs) -> dict[str, pa.Table]:
    tables = {t: pq.read_table(runs["a"] / t) for t in REQUIRED}
    for t in ("identity", "persons", "black_holes", "campaigns", "referrals"):
        tables[f"_truth.{t}"] = pq.read_table(runs["a"] / "_truth" / f"{t}.parquet")
    return tables


@pytest.fixture(scope="module")
def rates(runs) -> dict:
    return json.loads((runs["a"] / "_truth" / "rates.json").read_text(encoding="utf-8"))


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def _col(table: pa.Table, name: str) -> list:
    return table.column(name).to_pylist()


def _within(realized: float, stated: float, n: int, rel: float = 0.25) -> bool:
    """Realized within 5 binomial sigmas, or within rel of the stated rate."""
    sigma = math.sqrt(max(stated * (1 - stated), 1e-12) / max(n, 1))
    return abs(realized - stated) <= max(5 * sigma, rel * stated)


# ---------------------------------------------------------------- shape and determinism
def test_same_seed_gives_identical_bytes(runs) -> None:
    a, b = _files(runs["a"]), _files(runs["b"])
    assert a.keys() == b.keys()
    assert len(a) >= 14 + 5
    for name in a:
        assert a[name] == b[name], name


def test_different_seed_gives_different_data(runs) -> None:
    a, c = _files(runs["a"]), _files(runs["c"])
    for table in ("crm_members", "web_events", "ecommerce_orders", "_truth"):
        differing = [n for n in a if n.startswith(table) and a[n] != c.get(n)]
        assert differing, table


def test_every_contract_table_with_every_required_column(runs, raw) -> None:
    for table, cols in REQUIRED.items():
        parts = sorted((runs["a"] / table).glob("*.parquet"))
        assert parts, table
        names = raw[table].column_names
        assert names[: len(cols)] == cols, table
        assert set(names) - set(cols) <= OPTIONAL.get(table, set()), table
        assert raw[table].num_rows > 0, table


def test_parquet_types(raw) -> None:
    for table in REQUIRED:
        schema = raw[table].schema
        for field in schema:
            name, typ = field.name, field.type
            if name.endswith("_at_local"):
                assert pa.types.is_timestamp(typ) and typ.tz is None, (table, name)
            elif name.endswith("_at"):
                assert pa.types.is_timestamp(typ) and typ.tz == "UTC", (table, name)
            elif name in ("birth_date", "launched_on"):
                assert typ == pa.date32(), (table, name)
            elif name in ("quantity", "line_no", "satisfaction_score", "scene"):
                assert pa.types.is_integer(typ), (table, name)
            elif name in ("sms_opt_in", "email_opt_in", "is_return"):
                assert typ == pa.bool_(), (table, name)
            elif "amount" in name or "price" in name:
                assert typ == pa.float64(), (table, name)
                vals = [v for v in _col(raw[table], name) if v is not None]
                assert all(round(v, 2) == v for v in vals), (table, name)
            else:
                assert typ == pa.string(), (table, name)


def test_products_catalog(raw) -> None:
    products = raw["products"]
    assert 150 <= products.num_rows <= 300
    assert set(_col(products, "category_l1")) == {"护肤", "彩妆", "保健"}
    assert {"精华", "面霜", "洁面", "口红", "维生素", "鱼油"} <= set(_col(products, "category_l2"))
    for l2, price in zip(_col(products, "category_l2"), _col(products, "list_price"), strict=True):
        if l2 == "洁面":
            assert 59 <= price <= 159
        if l2 == "精华":
            assert 199 <= price <= 899


def test_cli_refuses_bad_arguments(tmp_path, capsys) -> None:
    a_file = tmp_path / "f.txt"
    a_file.write_text("x")
    assert main(["--persons", "0", "--out", str(tmp_path / "o")]) == 2
    assert main(["--start", "2025-01-02", "--end", "2025-01-01", "--out", str(tmp_path)]) == 2
    assert main(["--persons", "5", "--out", str(a_file), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "before --start" in err and "not a directory" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        main(["--start", "not-a-date"])
    assert exc.value.code == 2


def test_cli_replaces_a_foreign_folder_only_when_asked(tmp_path, capsys) -> None:
    out = tmp_path / "raw"
    stale = out / "web_events" / "part-99999.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    keep = out / "my_notes.txt"
    keep.write_text("mine")
    args = ["--persons", "40", "--out", str(out), "--quiet", "--end", "2025-01-31"]
    assert main(args) == 2  # raw data without _generator.json: not ours to extend
    assert "without _generator.json" in capsys.readouterr().err and stale.exists()
    assert main([*args, "--fresh"]) == 0
    assert not stale.exists()
    assert keep.exists()
    web = {p.name for p in (out / "web_events").glob("*.parquet")}
    assert "2024-12.parquet" in web and any(n.startswith("2025-01-") for n in web), web


# ---------------------------------------------------------------- truth consistency
def _raw_identifiers(raw: dict[str, pa.Table]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()

    def add(kind: str, values) -> None:
        found.update((kind, v) for v in values if v is not None)

    plain = [
        ("member_id", "crm_members", "member_id"),
        ("member_id", "web_events", "member_id"),
        ("member_id", "app_events", "member_id"),
        ("member_id", "ecommerce_orders", "member_id"),
        ("member_id", "cs_tickets", "member_id"),
        ("cookie_id", "web_events", "cookie_id"),
        ("unionid", "miniprogram_events", "unionid"),
        ("unionid", "miniprogram_orders", "unionid"),
        ("unionid", "wecom_contacts", "unionid"),
        ("wecom_userid", "wecom_contacts", "external_userid"),
    ]
    for kind, table, col in plain:
        add(kind, map(ids.normalize_string_id, _col(raw[table], col)))
    for table, col in [("crm_members", "member_card_no"), ("pos_transactions", "member_card_no")]:
        add("member_card", map(ids.normalize_member_card, _col(raw[table], col)))
    for table, col in OWN_PHONES + [
        ("ecommerce_orders", "receiver_phone"),
        ("pos_transactions", "phone"),
    ]:
        add("phone", map(ids.normalize_phone, _col(raw[table], col)))
    for table in ("crm_members", "campaign_touches"):
        add("email", map(ids.normalize_email, _col(raw[table], "email")))
    for table in ("app_events", "campaign_touches"):
        add("device_id", map(ids.normalize_device_id, _col(raw[table], "device_id")))
    for table in ("miniprogram_events", "miniprogram_orders", "cs_tickets", "campaign_touches"):
        t = raw[table]
        add("openid", map(ids.scoped_openid, _col(t, "appid"), _col(t, "openid")))
    t = raw["ecommerce_orders"]
    add("buyer_id", map(ids.scoped_buyer_id, _col(t, "platform"), _col(t, "buyer_id")))
    return found


def test_truth_identifiers_appear_in_raw_data(raw) -> None:
    identity = raw["_truth.identity"]
    truth = set(
        zip(_col(identity, "identifier_type"), _col(identity, "identifier_value"), strict=True)
    )
    assert len(truth) == identity.num_rows, "an identifier maps to two persons"
    assert None not in _col(identity, "identifier_value")
    missing = truth - _raw_identifiers(raw)
    assert not missing, sorted(missing)[:5]
    kinds = set(_col(identity, "identifier_type"))
    assert kinds == {
        "member_id",
        "member_card",
        "phone",
        "email",
        "cookie_id",
        "device_id",
        "openid",
        "unionid",
        "wecom_userid",
        "buyer_id",
    }


def test_truth_persons_and_black_holes(raw) -> None:
    persons = raw["_truth.persons"]
    assert persons.num_rows == PERSONS
    pids = set(_col(persons, "person_id"))
    assert set(_col(raw["_truth.identity"], "person_id")) <= pids
    identity = raw["_truth.identity"]
    truth = set(
        zip(_col(identity, "identifier_type"), _col(identity, "identifier_value"), strict=True)
    )
    bh = raw["_truth.black_holes"]
    holes = set(zip(_col(bh, "identifier_type"), _col(bh, "identifier_value"), strict=True))
    assert not (holes & truth)
    kinds = dict(zip(_col(bh, "kind"), _col(bh, "n_persons"), strict=False))
    assert {
        "cashier_placeholder_phone",
        "zeroed_idfa",
        "internet_cafe_cookie",
        "family_device",
    } <= set(kinds)
    placeholder = [
        n
        for k, n in zip(_col(bh, "kind"), _col(bh, "n_persons"), strict=True)
        if k == "cashier_placeholder_phone"
    ]
    assert max(placeholder) >= 5
    assert ("phone", "+8613800138000") in holes
    assert ("device_id", "00000000-0000-0000-0000-000000000000") in holes


def test_unlinked_identifiers_are_not_in_truth(raw) -> None:
    identity = raw["_truth.identity"]
    truth = set(
        zip(_col(identity, "identifier_type"), _col(identity, "identifier_value"), strict=True)
    )
    # cookies never seen with a member_id are anonymous: no evidence, not in the truth
    web = raw["web_events"]
    logged = {
        c
        for c, m in zip(_col(web, "cookie_id"), _col(web, "member_id"), strict=True)
        if ids.normalize_string_id(m) is not None
    }
    anonymous = set(_col(web, "cookie_id")) - logged
    assert anonymous
    assert not {("cookie_id", c) for c in anonymous} & truth
    # marketplace buyers only ever seen with masked phones and no member_id
    eco = raw["ecommerce_orders"]
    evidence: dict[str, bool] = {}
    for plat, buyer, member, phone in zip(
        _col(eco, "platform"),
        _col(eco, "buyer_id"),
        _col(eco, "member_id"),
        _col(eco, "receiver_phone"),
        strict=True,
    ):
        key = ids.scoped_buyer_id(plat, buyer)
        linked = ids.normalize_string_id(member) is not None or ids.normalize_phone(phone)
        evidence[key] = evidence.get(key, False) or bool(linked)
    unlinked = {k for k, v in evidence.items() if not v}
    linked = {k for k, v in evidence.items() if v}
    assert unlinked and linked
    assert not {("buyer_id", k) for k in unlinked} & truth
    assert {("buyer_id", k) for k in linked} <= truth
    # every CRM member id is linked (the CRM row carries the card)
    assert {("member_id", m) for m in _col(raw["crm_members"], "member_id")} <= truth


# ---------------------------------------------------------------- stated rates
def test_rates_json_states_config_and_realized(rates) -> None:
    assert rates["config"]["duplicate_event_rate"] == pytest.approx(0.015)
    for name, stat in rates["realized"].items():
        assert 0 <= stat["hits"] <= stat["population"], name


def test_duplicate_and_timestamp_rates(raw, rates) -> None:
    cfg = rates["config"]
    for table, (col, vocab) in EVENT_TABLES.items():
        t = raw[table]
        n = t.num_rows
        distinct = len(set(_col(t, "event_id")))
        assert _within((n - distinct) / distinct, cfg["duplicate_event_rate"], distinct)
        ts_col = "event_at_local" if table == "app_events" else "event_at"
        years = [v.year for v in _col(t, ts_col)]
        assert _within(sum(y == 1970 for y in years) / n, cfg["epoch_ts_rate"], n, rel=0.5)
        assert _within(sum(y == 2099 for y in years) / n, cfg["future_ts_rate"], n, rel=0.5)
        unknown = sum(v not in vocab for v in _col(t, col)) / n
        assert _within(unknown, cfg["unknown_vocab_rate"], n, rel=0.5)
        late = (
            [
                (i - e).total_seconds() > 3600
                for i, e in zip(_col(t, "ingested_at"), _col(t, "event_at"), strict=True)
            ]
            if table != "app_events"
            else None
        )
        if late is not None:
            good = [ok for ok, y in zip(late, years, strict=True) if 2000 < y < 2090]
            assert _within(sum(good) / len(good), cfg["late_event_rate"], len(good), rel=0.4)


def test_marketplace_and_pos_phone_rates(raw, rates) -> None:
    cfg = rates["config"]
    eco = raw["ecommerce_orders"]
    phones = _col(eco, "receiver_phone")
    masked = sum("*" in p for p in phones) / len(phones)
    assert _within(masked, cfg["masked_marketplace_phone_rate"], len(phones))
    pos = raw["pos_transactions"]
    placeholders = set(rates["placeholder_phones"])
    pos_phones = _col(pos, "phone")
    share = sum(p in placeholders for p in pos_phones) / len(pos_phones)
    assert _within(share, cfg["pos_placeholder_phone_rate"], len(pos_phones))
    statuses = _col(eco, "status")
    plats = _col(eco, "platform")
    assert "WAIT_SELLER_SEND_GOODS" in statuses
    n_tmall = sum(p == "tmall" for p in plats)
    wait = sum(s == "WAIT_SELLER_SEND_GOODS" for s in statuses)
    assert _within(wait / n_tmall, cfg["unknown_status_rate"], n_tmall, rel=0.6)
    assert _within(
        sum(p == "pdd" for p in plats) / len(plats),
        cfg["unknown_platform_rate"],
        len(plats),
        rel=0.8,
    )
    returns = [r for r in _col(pos, "is_return") if r]
    assert returns
    amounts = [a for a, r in zip(_col(pos, "txn_amount"), _col(pos, "is_return"), strict=True) if r]
    assert all(a <= 0 for a in amounts)


PHONE_FORM_PATTERNS = {
    "spaces": r"1\d{2} \d{4} \d{4}",
    "plus86_dashes": r"\+86-1\d{2}-\d{4}-\d{4}",
    "86_prefix": r"861\d{10}",
    "0086_prefix": r"00861\d{10}",
    "leading_zero": r"01\d{10}",
    "paren_plus86": r"\(\+86\)1\d{10}",
    "fullwidth": r"[０-９]{11}",
    "masked": r"1\d{2}\*{4}\d{4}",
}


def test_dirty_phone_forms_at_stated_rates(raw, rates) -> None:
    cfg = rates["config"]
    cells = []
    for table, col in OWN_PHONES:
        cells += [v for v in _col(raw[table], col) if not ids.is_null_token(v)]
    n = len(cells)
    assert n > 10_000
    counts = {form: 0 for form in PHONE_FORM_PATTERNS}
    clean = 0
    for v in cells:
        if re.fullmatch(r"1[3-9]\d{9}", v):
            clean += 1
            continue
        for form, pat in PHONE_FORM_PATTERNS.items():
            if re.fullmatch(pat, v):
                counts[form] += 1
                break
        else:
            raise AssertionError(f"unexpected phone spelling {v!r}")
    for form, hits in counts.items():
        stated = cfg[f"phone_{form}_rate"]
        assert hits > 0, form
        assert _within(hits / n, stated, n, rel=0.35), (form, hits / n, stated)
    # every non-masked spelling normalizes to a valid E.164
    assert all(ids.normalize_phone(v) for v in cells if "*" not in v)


def test_null_tokens_and_dirty_emails_cards(raw, rates) -> None:
    cfg = rates["config"]
    tokens = nulls = 0
    for table, col in [
        ("web_events", "member_id"),
        ("app_events", "member_id"),
        ("miniprogram_events", "unionid"),
        ("ecommerce_orders", "member_id"),
        ("pos_transactions", "member_card_no"),
    ]:
        for v in _col(raw[table], col):
            if v is None:
                nulls += 1
            elif ids.is_null_token(v):
                assert v in ("", "null", "undefined")
                tokens += 1
    assert _within(tokens / (tokens + nulls), cfg["null_token_rate"], tokens + nulls)
    emails = [v for v in _col(raw["crm_members"], "email") if not ids.is_null_token(v)]
    dirty = sum(v != v.strip().lower() for v in emails) / len(emails)
    assert _within(dirty, cfg["email_dirty_rate"], len(emails), rel=0.6)
    cards = [v for v in _col(raw["crm_members"], "member_card_no")]
    dirty = sum(v != v.strip().upper() for v in cards) / len(cards)
    assert _within(dirty, cfg["card_dirty_rate"], len(cards), rel=0.6)


# ---------------------------------------------------------------- behaviour
def test_bgnbd_archetypes_order_by_frequency(raw) -> None:
    persons = raw["_truth.persons"]
    by: dict[str, list[int]] = {}
    for a, n in zip(_col(persons, "archetype"), _col(persons, "n_orders"), strict=True):
        by.setdefault(a, []).append(n)
    mean = {a: sum(v) / len(v) for a, v in by.items()}
    assert mean["loyal_vip"] > mean["regular"] > mean["one_off_buyer"]
    assert mean["promo_hunter"] > mean["one_off_buyer"]
    assert mean["browser"] == 0
    lam = dict(
        zip(_col(persons, "archetype"), _col(persons, "purchase_rate_per_week"), strict=False)
    )
    assert lam["browser"] == 0
    # the truth's order counts are the raw order rows (POS returns excluded)
    n_raw = (
        raw["miniprogram_orders"].num_rows
        + raw["ecommerce_orders"].num_rows
        + sum(not r for r in _col(raw["pos_transactions"], "is_return"))
    )
    assert sum(_col(persons, "n_orders")) == n_raw


def test_seasonality_double11_and_618_peaks(raw) -> None:
    days = [t.date() for t in _col(raw["ecommerce_orders"], "order_at")]
    days += [t.date() for t in _col(raw["miniprogram_orders"], "order_at")]

    def per_day(lo: date, hi: date) -> float:
        return sum(lo <= d <= hi for d in days) / ((hi - lo).days + 1)

    quiet = per_day(date(2025, 8, 1), date(2025, 9, 30))
    assert per_day(date(2025, 11, 1), date(2025, 11, 11)) > 1.5 * quiet
    assert per_day(date(2025, 6, 1), date(2025, 6, 18)) > 1.4 * quiet


def test_mall_orders_have_purchase_events(raw) -> None:
    orders = raw["miniprogram_orders"]
    paid = sum(s not in ("created", "cancelled") for s in _col(orders, "status"))
    purchases = 0
    for table, (col, _) in EVENT_TABLES.items():
        t = raw[table]
        seen = set()
        for eid, name in zip(_col(t, "event_id"), _col(t, col), strict=True):
            if name == "purchase" and eid not in seen:
                seen.add(eid)
                purchases += 1
    assert 0.98 * paid <= purchases <= paid


def test_funnel_step_conversion_is_plausible(raw) -> None:
    t = raw["web_events"]
    names = _col(t, "event_type")
    counts = {k: names.count(k) for k in ("product_view", "add_to_cart", "checkout", "purchase")}
    assert counts["product_view"] > counts["add_to_cart"] > counts["checkout"] > counts["purchase"]


def test_campaign_truth(raw) -> None:
    camp = raw["_truth.campaigns"]
    assert camp.num_rows >= 40
    assert all(0.0 < u < 0.1 for u in _col(camp, "true_uplift"))
    touches = raw["campaign_touches"]
    assert set(_col(touches, "campaign_id")) <= set(_col(camp, "campaign_id"))
    assert set(_col(touches, "variant")) == {"treatment", "control"}
    assert set(_col(touches, "channel")) == {"sms", "push", "wecom", "email"}


def test_worker_processes_do_not_change_the_files(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(core, "SETTINGS", Settings(chunk_persons=100))
    end = date(2025, 2, 28)
    one = generate(300, START, end, 5, tmp_path / "one", progress=False, workers=1)
    two = generate(300, START, end, 5, tmp_path / "two", progress=False, workers=2)
    assert (one["chunks"], one["workers"], two["workers"]) == (3, 1, 2)
    a, b = _files(tmp_path / "one"), _files(tmp_path / "two")
    assert a.keys() == b.keys()
    web = [n for n in a if n.startswith("web_events/")]
    assert "web_events/2024-11.parquet" in web and "web_events/2025-02-28.parquet" in web
    assert pq.ParquetFile(tmp_path / "one" / "web_events" / "2024-12.parquet").num_row_groups == 3
    for name in a:
        assert a[name] == b[name], name
    assert main(["--persons", "5", "--workers", "0", "--out", str(tmp_path / "w")]) == 2


def test_chunks_have_disjoint_ids_and_own_seeds(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(core, "SETTINGS", Settings(chunk_persons=150))
    summary = generate(400, START, date(2025, 4, 30), 3, tmp_path, progress=False, workers=1)
    assert summary["chunks"] == 3
    web = [p.name for p in (tmp_path / "web_events").glob("*.parquet")]
    assert "2025-03.parquet" in web and "2025-04-30.parquet" in web and len(web) >= 6 + 20
    assert pq.ParquetFile(tmp_path / "web_events" / "2025-03.parquet").num_row_groups == 3
    persons = pq.read_table(tmp_path / "_truth" / "persons.parquet")
    assert len(set(_col(persons, "person_id"))) == 400
    identity = pq.read_table(tmp_path / "_truth" / "identity.parquet")
    keys = list(
        zip(_col(identity, "identifier_type"), _col(identity, "identifier_value"), strict=True)
    )
    assert len(set(keys)) == len(keys)
    for table, key in [
        ("web_events", "event_id"),
        ("ecommerce_orders", "order_id"),
        ("pos_transactions", "txn_id"),
        ("campaign_touches", "touch_id"),
    ]:
        parts = [
            set(_col(pq.read_table(p), key)) for p in sorted((tmp_path / table).glob("*.parquet"))
        ]
        assert sum(len(p) for p in parts) == len(set().union(*parts)), table


def test_phone_changes_show_in_crm_versions(raw, rates) -> None:
    crm = raw["crm_members"]
    phones: dict[str, set[str]] = {}
    for m, p in zip(_col(crm, "member_id"), _col(crm, "phone"), strict=True):
        norm = ids.normalize_phone(p)
        if norm:
            phones.setdefault(m, set()).add(norm)
    changed = sum(len(v) > 1 for v in phones.values())
    stated = rates["config"]["phone_change_rate"]
    assert changed > 0
    assert _within(changed / len(phones), stated, len(phones), rel=0.5)


# ---------------------------------------------------------------- referrals (contract version 2)
def test_referral_pass_changes_no_other_column(runs, tmp_path, monkeypatch) -> None:
    """Another referral stream changes only the referral columns and truth: nothing else moves."""
    import persona.dev.generate.referrals as referrals

    monkeypatch.setattr(referrals, "REFERRAL_STREAM", referrals.REFERRAL_STREAM + 1)
    generate(PERSONS, START, END, 7, tmp_path, progress=False)
    added = {"referrer_member_id", "scene", "share_from_openid"}
    changed_referral_columns = set()
    for path in sorted(runs["a"].rglob("*")):
        if not path.is_file():
            continue
        other = tmp_path / path.relative_to(runs["a"])
        if path.name == "referrals.parquet":
            assert path.read_bytes() != other.read_bytes()
        elif path.parent.name in ("web_events", "miniprogram_events"):
            a, b = pq.read_table(path), pq.read_table(other)
            assert a.column_names == b.column_names
            for name in a.column_names:
                if name in added:
                    if not a.column(name).equals(b.column(name)):
                        changed_referral_columns.add(name)
                else:
                    assert a.column(name).equals(b.column(name)), (path, name)
        else:
            assert path.read_bytes() == other.read_bytes(), path
    assert changed_referral_columns == added


def test_referral_truth_matches_the_events(raw) -> None:
    """Each referred person's arrival carries the referrer's identifier; the referrer came first."""
    truth = raw["_truth.referrals"].to_pylist()
    assert len(truth) > 50
    persons = {r["person_id"]: r for r in raw["_truth.persons"].to_pylist()}
    mp = raw["miniprogram_events"].to_pylist()
    web = raw["web_events"].to_pylist()
    # every identifier's valid (not epoch, not 2099) event times
    seen: dict[tuple[str, str], list] = {}
    arrivals: dict[tuple[str, str], set] = {}
    for row in mp:
        key = ("openid", ids.scoped_openid(row["appid"], row["openid"]))
        if 2000 < row["event_at"].year < 2090:
            seen.setdefault(key, []).append(row["event_at"])
        arrivals.setdefault(key, set()).add((row["event_at"], row["share_from_openid"]))
    for row in web:
        key = ("cookie_id", ids.normalize_string_id(row["cookie_id"]))
        arrivals.setdefault(key, set()).add((row["event_at"], row["referrer_member_id"]))
        member = ids.normalize_string_id(row["member_id"])
        if member and 2000 < row["event_at"].year < 2090:
            seen.setdefault(("member_id", member), []).append(row["event_at"])
    for row in raw["app_events"].to_pylist():  # a logged-in app event makes an invite resolvable
        member = ids.normalize_string_id(row["member_id"])
        if member and 2000 < row["event_at_local"].year < 2090:
            at = (row["event_at_local"] - timedelta(hours=8)).replace(tzinfo=UTC)
            seen.setdefault(("member_id", member), []).append(at)
    for edge in truth:
        assert edge["referred_person_id"] != edge["referrer_person_id"]
        assert edge["referrer_person_id"] in persons and edge["generation"] >= 1
        at = edge["first_visit_at"]
        referred = (edge["referred_identifier_type"], edge["referred_identifier_value"])
        referrer = (edge["referrer_identifier_type"], edge["referrer_identifier_value"])
        raw_id = referrer[1].split(":", 1)[1] if referrer[0] == "openid" else referrer[1]
        assert (at, raw_id) in arrivals[referred], edge
        assert min(seen[referrer]) < at, edge
    # one referrer per person, a heavy tail of sharers, cascades of more than one generation
    referred_ids = [e["referred_person_id"] for e in truth]
    assert len(set(referred_ids)) == len(referred_ids)
    counts = sorted(
        (
            referred_ids
            and [
                sum(1 for e in truth if e["referrer_person_id"] == p)
                for p in {e["referrer_person_id"] for e in truth}
            ]
        ),
        reverse=True,
    )
    assert counts[0] >= 5 * (sum(counts) / len(counts))
    assert max(e["generation"] for e in truth) >= 2
    assert {e["channel"] for e in truth} == {"miniprogram", "web"}


def test_referral_noise_and_scenes(raw) -> None:
    """Shares after the arrival, self-shares and unknown referrers exist; organic rows have none."""
    mp = raw["miniprogram_events"]
    scene = _col(mp, "scene")
    share = _col(mp, "share_from_openid")
    own = _col(mp, "openid")
    shared_scenes = {1007, 1008, 1044}
    assert all((s in shared_scenes) == (f is not None) for s, f in zip(scene, share, strict=True))
    assert {1001, 1089, 1011} <= set(scene)
    assert any(f is not None and f == o for f, o in zip(share, own, strict=True))
    truth = raw["_truth.referrals"]
    referred = {v.split(":", 1)[1] for v in _col(truth, "referred_identifier_value") if ":" in v}
    sharers = {v.split(":", 1)[1] for v in _col(truth, "referrer_identifier_value") if ":" in v}
    shared_not_brought = {o for f, o in zip(share, own, strict=True) if f and f != o} - referred
    assert shared_not_brought  # repeat visits through a share and unknown referrers bring nobody
    all_openids = set(own)
    assert any(f and f not in all_openids for f in share)  # an openid nobody in the data has
    assert sharers <= all_openids


# ---------------------------------------------------------------- privacy tables (contract v2)
PRIVACY_REQUIRED = {
    "consent_events": [
        "consent_event_id",
        "identifier_type",
        "identifier_value",
        "purpose",
        "channel",
        "status",
        "legal_basis",
        "recorded_at",
        "source_system",
    ],
    "erasure_requests": [
        "request_id",
        "identifier_type",
        "identifier_value",
        "request_type",
        "requested_at",
    ],
}
PURPOSES = {"marketing", "personalisation", "third_party_sharing", "analytics"}
CONSENT_CHANNELS = ["sms", "email", "wecom", "push", "ad_platform"]
# the window ends at midnight Asia/Shanghai after END, i.e. 16:00 UTC on END
WINDOW_END = datetime(END.year, END.month, END.day, 16, tzinfo=UTC)


def _normal(identifier_type: str, raw: str | None) -> str | None:
    """The contract's normal form, straight from persona.dev.identifiers (not the generator)."""
    if identifier_type in ("openid", "buyer_id"):
        scope, _, value = ids.trim_blanks(raw or "").partition(":")
        scoped = ids.scoped_openid if identifier_type == "openid" else ids.scoped_buyer_id
        return scoped(scope, value)
    return {
        "phone": ids.normalize_phone,
        "email": ids.normalize_email,
        "member_card": ids.normalize_member_card,
        "device_id": ids.normalize_device_id,
    }.get(identifier_type, ids.normalize_string_id)(raw)


def _owners(identity) -> dict[tuple[str, str], str]:
    keys = zip(identity["identifier_type"], identity["identifier_value"], strict=True)
    return dict(zip(keys, identity["person_id"], strict=True))


@pytest.fixture(scope="module")
def privacy(runs) -> dict:
    root = runs["a"]
    return {
        "consent_events": pq.read_table(root / "consent_events").to_pandas(),
        "erasure_requests": pq.read_table(root / "erasure_requests").to_pandas(),
        "consent": pq.read_table(root / "_truth" / "consent.parquet").to_pandas(),
        "requests": pq.read_table(root / "_truth" / "privacy_requests.parquet").to_pandas(),
        "identity": pq.read_table(root / "_truth" / "identity.parquet").to_pandas(),
        "persons": pq.read_table(root / "_truth" / "persons.parquet").to_pandas(),
    }


def test_privacy_tables_follow_the_contract(runs) -> None:
    for table, cols in PRIVACY_REQUIRED.items():
        parts = sorted((runs["a"] / table).glob("*.parquet"))
        assert parts and all(DATE_FILE.fullmatch(p.name) for p in parts), table
        schema = pq.read_schema(parts[0])
        assert schema.names == cols, table
        for field in schema:
            if field.name.endswith("_at"):
                assert field.type == pa.timestamp("us", tz="UTC"), (table, field.name)
            else:
                assert field.type == pa.string(), (table, field.name)
    truth = runs["a"] / "_truth"
    assert pq.read_schema(truth / "consent.parquet").names == [
        "person_id",
        "purpose",
        "channel",
        "status",
        "consent_event_id",
        "recorded_at",
    ]
    assert pq.read_schema(truth / "privacy_requests.parquet").names == [
        "request_id",
        "request_type",
        "requested_at",
        "person_id",
        "identifier_type",
        "identifier_value",
    ]


def test_privacy_rates_and_messiness(privacy, rates) -> None:
    stated = rates["privacy"]["config"]
    realized = rates["privacy"]["realized"]
    for name in (
        "marketing_withdrawal",
        "marketing_regrant",
        "push_grant",
        "wecom_grant",
        "third_party_grant",
        "third_party_withdrawal",
        "personalisation_refusal",
    ):
        got = realized[f"consent.{name}"]
        assert _within(got["rate"], stated[name], got["population"], rel=0.3), (name, got)
    for name in (
        "tie_grant",
        "future_grant",
        "future_withdrawal",
        "unknown_purpose",
        "unknown_channel",
        "null_recorded_at",
        "duplicate_row",
        "unknown_identifier",
    ):
        assert realized[f"consent.{name}"]["hits"] >= 1, name
    ev = privacy["consent_events"]
    valid = ev["purpose"].isin(PURPOSES) & ev["channel"].isin([*CONSENT_CHANNELS, "all"])
    assert (~valid).sum() >= 2
    assert ev["recorded_at"].isna().sum() >= 1
    assert ev.duplicated().sum() >= 1  # exact duplicates, same consent_event_id
    assert set(ev["status"]) == {"granted", "withdrawn"}
    assert set(ev["source_system"]) == {"crm", "app", "miniprogram", "wecom", "service", "web"}
    assert set(ev["legal_basis"]) <= {"consent", "separate_consent", "contract"}
    tp = ev[ev["purpose"] == "third_party_sharing"]
    assert (tp["legal_basis"] == "separate_consent").all()
    assert (ev["recorded_at"] >= WINDOW_END).sum() >= 3  # future grants and a withdrawal
    phones = ev.loc[ev["identifier_type"] == "phone", "identifier_value"]
    assert phones.str.contains(" ").any() and phones.str.startswith("+86-").any()
    openids = ev.loc[ev["identifier_type"] == "openid", "identifier_value"]
    assert openids.str.match(r"^wx[0-9a-f]{16}:o").all()  # scoped <appid>:<openid>
    # requests: at least the minimum count, a restriction, two by unknown identifiers
    req = privacy["requests"]
    n_erasure = realized["requests.erasure"]["hits"]
    assert n_erasure >= max(math.ceil(stated["erasure_min_per_10k"] * PERSONS / 10_000), 4)
    assert realized["requests.restriction"]["hits"] >= 1
    assert req["person_id"].isna().sum() == stated["unknown_requests"]
    assert req.loc[req["person_id"].notna(), "person_id"].nunique() == (
        n_erasure + realized["requests.restriction"]["hits"]
    )


def test_consent_truth_recomputed_from_the_rows(privacy) -> None:
    """The contract's resolution, recomputed in pandas from the written rows, is the truth."""
    import pandas as pd

    ev = privacy["consent_events"].drop_duplicates().copy()
    identity = privacy["identity"]
    owner = _owners(identity)
    ev["normal"] = [
        _normal(t, v) for t, v in zip(ev["identifier_type"], ev["identifier_value"], strict=True)
    ]
    ev["person_id"] = [owner.get(k) for k in zip(ev["identifier_type"], ev["normal"], strict=True)]
    # every identifier is one its person has, except the deliberately unknown one (prefix 147)
    unknown = ev[ev["person_id"].isna()]
    assert len(unknown) >= 1 and unknown["normal"].str.startswith("+86147").all()
    effective = (
        ev["person_id"].notna()
        & ev["recorded_at"].notna()
        & ev["purpose"].isin(PURPOSES)
        & ev["channel"].isin([*CONSENT_CHANNELS, "all"])
        & ~((ev["status"] == "granted") & (ev["recorded_at"] >= WINDOW_END))
    )
    ev = ev[effective].copy()
    ev["channel"] = [CONSENT_CHANNELS if c == "all" else [c] for c in ev["channel"]]
    ev = ev.explode("channel")
    ev["withdrawn_first"] = (ev["status"] != "withdrawn").astype(int)
    ev = ev.sort_values(
        ["recorded_at", "withdrawn_first", "consent_event_id"], ascending=[False, True, True]
    )
    got = ev.drop_duplicates(["person_id", "purpose", "channel"])
    cols = ["person_id", "purpose", "channel", "status", "consent_event_id", "recorded_at"]
    got = got[cols].sort_values(cols[:3]).reset_index(drop=True)
    truth = privacy["consent"][cols].sort_values(cols[:3]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, truth, check_dtype=False)
    # the messy cases decide something: a grant tied with the withdrawal that wins, a future
    # grant (quarantined) on a withdrawn key, a future withdrawal deciding
    resolved = truth.set_index(["person_id", "purpose", "channel"])
    key = ["person_id", "purpose", "channel"]
    ties = ev.groupby([*key, "recorded_at"])["status"].nunique().reset_index()
    ties = ties[ties["status"] == 2].set_index(key)
    won = resolved.loc[ties.index]
    same_time = won["recorded_at"].reset_index(drop=True) == ties["recorded_at"].reset_index(
        drop=True
    )
    assert same_time.any()
    assert (won["status"] == "withdrawn").all()
    future = privacy["consent_events"].query("status == 'granted' and recorded_at >= @WINDOW_END")
    cols4 = ["identifier_type", "identifier_value", "purpose", "channel"]
    future_keys = [
        (owner[(t, _normal(t, v))], p, ch)
        for t, v, p, c in future[cols4].itertuples(index=False)
        for ch in (CONSENT_CHANNELS if c == "all" else [c])
    ]
    assert len(future_keys) >= 2
    assert (resolved.loc[future_keys]["status"] == "withdrawn").any()
    assert ((truth["recorded_at"] >= WINDOW_END) & (truth["status"] == "withdrawn")).any()
    assert set(truth["purpose"]) == PURPOSES
    third_party = truth.query("purpose == 'third_party_sharing'")["person_id"].nunique()
    assert third_party > 0.02 * PERSONS


def test_requests_carry_an_identifier_of_their_person(privacy) -> None:
    req = privacy["requests"].merge(
        privacy["erasure_requests"], on="request_id", suffixes=("", "_raw")
    )
    assert len(req) == len(privacy["requests"]) == len(privacy["erasure_requests"])
    identity = privacy["identity"]
    owner = _owners(identity)
    for row in req.itertuples():
        assert row.identifier_type == row.identifier_type_raw
        assert row.request_type == row.request_type_raw
        assert _normal(row.identifier_type, row.identifier_value_raw) == row.identifier_value
        person = owner.get((row.identifier_type, row.identifier_value))
        assert person == (None if not isinstance(row.person_id, str) else row.person_id), row
        if row.identifier_type == "phone":
            assert row.identifier_value_raw != row.identifier_value[3:]  # raw, not normalized
    known = req[req["person_id"].notna()]
    assert {"phone", "openid", "member_id", "email", "device_id"} <= set(known["identifier_type"])
    assert set(req["request_type"]) == {"erasure", "restriction"}
    assert (req["requested_at"] >= WINDOW_END - timedelta(days=90)).all()
    assert (req["requested_at"] < WINDOW_END).all()
    # the erased include members with orders, a mini-program-only person, a many-channel person
    persons = privacy["persons"].set_index("person_id")
    erased = persons.loc[known.loc[known["request_type"] == "erasure", "person_id"].unique()]
    assert (erased["is_member"] & (erased["n_orders"] > 0)).sum() >= 2
    mp_only = erased["has_miniprogram"] & ~erased["has_web"] & ~erased["has_app"]
    assert (mp_only & ~erased["is_member"]).any()
    kinds = identity.groupby("person_id")["identifier_type"].agg(set)
    families = [{"member_id", "member_card"}, {"device_id"}, {"openid", "unionid"}]
    families += [{"buyer_id"}, {"wecom_userid"}, {"cookie_id"}]
    many = [sum(bool(kinds[p] & f) for f in families) >= 4 for p in erased.index]
    assert any(many)


def test_privacy_pass_changes_no_other_file(runs, tmp_path, monkeypatch) -> None:
    """Another privacy stream changes only the privacy tables, their truth and rates.json's
    privacy section: every other file is byte-identical."""
    import persona.dev.generate.privacy as privacy_pass

    monkeypatch.setattr(privacy_pass, "PRIVACY_STREAM", privacy_pass.PRIVACY_STREAM + 1)
    generate(PERSONS, START, END, 7, tmp_path, progress=False)
    own = {"consent_events", "erasure_requests"}
    own_truth = {"consent.parquet", "privacy_requests.parquet"}
    changed = set()
    for path in sorted(runs["a"].rglob("*")):
        if not path.is_file():
            continue
        other = tmp_path / path.relative_to(runs["a"])
        if path.parent.name in own or path.name in own_truth:
            if not other.exists() or path.read_bytes() != other.read_bytes():
                changed.add(path.parent.name if path.parent.name in own else path.name)
        elif path.name == "rates.json":
            a = json.loads(path.read_text(encoding="utf-8"))
            b = json.loads(other.read_text(encoding="utf-8"))
            a.pop("privacy"), b.pop("privacy")
            for table in own:
                a["rows"].pop(table), b["rows"].pop(table)
            assert a == b
        else:
            assert path.read_bytes() == other.read_bytes(), path
    assert changed == own | own_truth


# ---------------------------------------------------------------- days arrive as files
DAILY_START, DAILY_D = date(2025, 1, 1), date(2025, 3, 30)
DAILY_LATER = DAILY_D + timedelta(days=3)


def _hashes(root: Path) -> dict[str, str]:
    import hashlib

    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.glob("*/*.parquet"))
        if not p.parent.name.startswith("_")
    }


@pytest.fixture(scope="module")
def daily(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("daily")
    inc, one = base / "inc", base / "one"
    generate(300, DAILY_START, DAILY_D, 5, inc, progress=False, workers=1)
    before = _hashes(inc)
    summary = generate(300, DAILY_START, DAILY_LATER, 5, inc, progress=False, workers=1)
    generate(300, DAILY_START, DAILY_LATER, 5, one, progress=False, workers=1)
    return {"inc": inc, "one": one, "before": before, "after": _hashes(inc), "summary": summary}


def test_a_later_end_adds_only_the_new_days(daily) -> None:
    before, after = daily["before"], daily["after"]
    assert before and all(after[name] == h for name, h in before.items())
    new = sorted(set(after) - set(before))
    new_days = {(DAILY_D + timedelta(days=k)).isoformat() for k in (1, 2, 3)}
    assert new and all(name.split("/")[1][:-8] in new_days for name in new)
    assert {name.split("/")[1][:-8] for name in new} == new_days  # each new day its own file
    # the first run: whole months before the last month, then one file per day of March
    crm = {name.split("/")[1] for name in before if name.startswith("web_events/")}
    assert "2025-02.parquet" in crm and "2025-03-30.parquet" in crm and "2025-03.parquet" not in crm
    assert daily["summary"]["added_after"] == DAILY_D.isoformat()
    meta = json.loads((daily["inc"] / "_generator.json").read_text(encoding="utf-8"))
    assert (meta["end"], meta["persons"], meta["seed"]) == (DAILY_LATER.isoformat(), 300, 5)


def test_the_union_equals_one_run_through_the_later_day(daily) -> None:
    from persona.dev.generate.writer import SCHEMAS

    compared = 0
    for table in SCHEMAS:
        a_dir, b_dir = daily["inc"] / table, daily["one"] / table
        assert a_dir.exists() == b_dir.exists(), table
        if not a_dir.exists():
            continue
        a, b = pq.read_table(a_dir), pq.read_table(b_dir)
        keys = [(c, "ascending") for c in a.column_names]
        assert a.num_rows == b.num_rows, table
        assert a.sort_by(keys).equals(b.sort_by(keys)), table
        compared += a.num_rows > 0
    assert compared >= 12
    # the same as of the later day: the truth of both folders is the same
    for name in ("identity", "persons", "consent", "referrals", "black_holes"):
        a = pq.read_table(daily["inc"] / "_truth" / f"{name}.parquet")
        b = pq.read_table(daily["one"] / "_truth" / f"{name}.parquet")
        assert a.equals(b), name


def test_a_folder_of_another_sample_is_refused(daily, tmp_path, capsys) -> None:
    inc = daily["inc"]
    later = DAILY_LATER + timedelta(days=1)
    with pytest.raises(ValueError, match=r"holds another sample: seed 5 \(asked 6\)"):
        generate(300, DAILY_START, later, 6, inc, progress=False)
    with pytest.raises(ValueError, match=r"persons 300 \(asked 301\)"):
        generate(301, DAILY_START, later, 5, inc, progress=False)
    with pytest.raises(ValueError, match="already holds the days through 2025-04-02"):
        generate(300, DAILY_START, DAILY_D, 5, inc, progress=False)
    args = ["--persons", "300", "--seed", "6", "--start", "2025-01-01", "--end", "2025-04-03"]
    assert main([*args, "--out", str(inc), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "holds another sample" in err and "Traceback" not in err
    assert _hashes(inc) == daily["after"]  # nothing touched
    with pytest.raises(ValueError, match="past the last day this sample can reach"):
        generate(300, DAILY_START, date(2027, 6, 1), 5, tmp_path / "x", progress=False)


def test_crm_changes_arrive_in_the_day_file_of_the_change(tmp_path) -> None:
    """A member changed on day X is in X's file when the folder is extended from X - 1 to X,
    and that row is the member's latest version: staging keeps the latest ``updated_at``
    (stg_crm__members), which is then the row of the latest file."""
    shanghai = ZoneInfo("Asia/Shanghai")
    straight = tmp_path / "straight"
    generate(300, DAILY_START, date(2025, 6, 30), 5, straight, progress=False, workers=1)
    crm = pq.read_table(straight / "crm_members")
    first_day: dict[str, date] = {}
    change_days = []
    rows = sorted(zip(_col(crm, "updated_at"), _col(crm, "member_id"), strict=True))
    for t, m in rows:
        day = t.astimezone(shanghai).date()
        if m in first_day and first_day[m] < day and day > DAILY_D:
            change_days.append((day, m))
        first_day.setdefault(m, day)
    assert change_days, "no CRM change in three months of 300 persons"
    x, member = change_days[0]
    inc = tmp_path / "inc"
    generate(300, DAILY_START, x - timedelta(days=1), 5, inc, progress=False, workers=1)
    before = _hashes(inc)
    generate(300, DAILY_START, x, 5, inc, progress=False, workers=1)
    after = _hashes(inc)
    assert f"crm_members/{x.isoformat()}.parquet" in set(after) - set(before)
    day_file = pq.read_table(inc / "crm_members" / f"{x.isoformat()}.parquet")
    assert member in _col(day_file, "member_id")
    for t in _col(day_file, "updated_at"):
        assert t.astimezone(shanghai).date() == x
    union = pq.read_table(inc / "crm_members")
    versions = sorted(
        (t, f)
        for m, t, f in zip(
            _col(union, "member_id"),
            _col(union, "updated_at"),
            range(union.num_rows),
            strict=True,
        )
        if m == member
    )
    assert len(versions) >= 2
    latest = union.slice(versions[-1][1], 1)
    row = day_file.filter(pa.compute.equal(day_file["member_id"], member))
    assert latest.equals(row.slice(row.num_rows - 1, 1))
