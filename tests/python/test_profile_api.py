"""The profile lookup (persona.consumers.profile), persona publish and the read-only API
(persona serve), on a small hand-made warehouse with known rows; one test on the session's
sample build; one real loopback test."""

from __future__ import annotations

import hashlib
import time
import warnings
from pathlib import Path

import duckdb
import pytest

from persona.consumers import profile as profiles
from persona.consumers.privacy import looks_like_pii
from persona.consumers.profile import LookupInputError, Marts, lookup, parse_identifier
from persona.consumers.publish import PublishError, publish
from persona.dev.identifiers import identifier_digest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

    from persona.consumers.api import create_app


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# (type, normal form, one_id, exclusion_reason, exclusion_detail, sources)
IDENTIFIERS = [
    ("phone", "+8613912340001", "oid_a", None, None, "stg_crm__members"),
    ("email", "ann.lee@qq.com", "oid_a", None, None, "stg_crm__members"),
    ("member_id", "M100", "oid_a", None, None, "stg_crm__members"),
    ("member_card", "LZ0001", "oid_a", None, None, "stg_crm__members"),
    ("openid", "wx51c0:oAbCdEf123456", "oid_a", None, None, "stg_miniprogram__orders"),
    ("buyer_id", "tmall:Buyer9876", "oid_a", None, None, "stg_ecommerce__orders"),
    ("device_id", "3f2a9c1e-0000-4abc-9def-1234567890ab", "oid_a", None, None, "stg_app__events"),
    ("phone", "+8613912340002", "oid_b", None, None, "stg_pos__transactions"),
    ("member_id", "M200", "oid_b", None, None, "stg_crm__members"),
    # the same text as a member id of A and a unionid of B: ambiguous when the type is not given
    ("member_id", "X777", "oid_a", None, None, "stg_crm__members"),
    ("unionid", "X777", "oid_b", None, None, "stg_wecom__contacts"),
    # a member id that is a phone number: personal data, hashed in the marts
    ("member_id", "13912340003", "oid_b", None, None, "stg_crm__members"),
    (
        "phone",
        "+8613800138000",
        None,
        "blocked_value",
        "rule phone_138_0013_8000: The 138-0013-8000 example-number family.",
        "stg_pos__transactions",
    ),
    (
        "device_id",
        "5958f4de070692f6",
        None,
        "shared_identifier",
        "linked to 2 member_id identifiers; one person holds at most 1",
        "stg_app__events",
    ),
    # erased: the suppression list holds it, the marts (built before) still do
    ("phone", "+8613912340009", "oid_c", None, None, "stg_crm__members"),
]
RAW_VALUES = [normal for _, normal, *_ in IDENTIFIERS] + ["13912340001", "ann.lee"]


def make_warehouse(path: Path, erased: list[tuple[str, str]] | None = None) -> Path:
    """The few marts the lookup and the API read, with the rows above."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema seeds")
    con.execute(
        """create table marts.dim_identifiers (identifier_type varchar, identifier_value varchar,
        identifier_display varchar, one_id varchar, is_key_identifier boolean, is_anchor boolean,
        first_seen_at timestamp, last_seen_at timestamp, n_rows bigint, source_models varchar,
        exclusion_reason varchar, exclusion_detail varchar, as_of_date date)"""
    )
    for kind, normal, one_id, reason, detail, sources in IDENTIFIERS:
        pii = kind in ("phone", "email") or looks_like_pii(normal)
        display = (
            f"{normal[3:6]}****{normal[-4:]}"
            if kind == "phone"
            else normal[0] + "***@" + normal.split("@")[1]
            if kind == "email"
            else "[phone]"
            if pii
            else normal
        )
        con.execute(
            "insert into marts.dim_identifiers values (?, ?, ?, ?, ?, ?, "
            "timestamp '2025-01-02 03:04:05', timestamp '2026-10-01 00:00:00', 3, ?, ?, ?, "
            "date '2026-10-31')",
            [kind, sha(normal) if pii else normal, display, one_id, kind == "member_id",
             kind == "member_id", sources, reason, detail],
        )  # fmt: skip
    con.execute(
        """create table marts.dim_customers as select * from (values
        ('oid_a', 'F', 1990, 7, 36, '35-39', '上海', 1, 'Shanghai', 'M100', true, 'gold', 'crm',
         timestamp '2024-01-01', timestamp '2024-01-01', timestamp '2026-10-01',
         timestamp '2024-02-01', timestamp '2026-09-01', 3::bigint, 456.70::decimal(18, 2), 2,
         'miniprogram,pos', true, false, timestamp '2024-01-01', true,
         sha256('+8613912340001'), '139****0001', 'crm', sha256('ann.lee@qq.com'),
         'a***@qq.com', date '2026-10-31'),
        ('oid_b', null, null, null, null, null, null, null, null,
         sha256('13912340003'), true, null, null, null, timestamp '2025-05-05',
         timestamp '2025-06-06', null, null, 0::bigint, 0::decimal(18, 2), 0, null, false,
         false, null, false, sha256('+8613912340002'), '139****0002', 'pos', null, null,
         date '2026-10-31'),
        ('oid_c', null, null, null, null, null, null, null, null, null, false, null, null, null,
         null, null, null, null, 0::bigint, 0::decimal(18, 2), 0, null, false, false, null,
         false, sha256('+8613912340009'), '139****0009', 'crm', null, null, date '2026-10-31')
        ) as t(one_id, gender, birth_year, birth_month, age, age_band, city, city_tier, city_en,
        member_id, is_member, member_tier, register_channel, registered_at, first_seen_at,
        last_seen_at, first_order_at, last_order_at, n_orders, total_net_amount, n_channels,
        channels_used, is_sms_opt_in, is_email_opt_in, consent_updated_at, has_wecom,
        phone_sha256, phone_masked, phone_source, email_sha256, email_masked, as_of_date)"""
    )
    # oid_b asked to restrict the use of their data (dim_customers.is_restricted)
    con.execute("alter table marts.dim_customers add column is_restricted boolean default false")
    con.execute("update marts.dim_customers set is_restricted = one_id = 'oid_b'")
    con.execute(
        """create table marts.dim_customer_consents as select * from (values
        ('oid_a', 'marketing', 'sms', true, 'granted', null, timestamp '2026-03-01 10:00',
         'e1', 'consent_events', 'app', 'consent'),
        ('oid_a', 'marketing', 'email', false, 'withdrawn', null, timestamp '2026-04-02 11:00',
         'e2', 'consent_events', 'service', 'consent'),
        ('oid_a', 'marketing', 'wecom', false, 'granted', 'refusal_in_set_aside_row',
         timestamp '2026-01-05 09:00', 'w1', 'wecom_contacts', 'wecom', 'consent'),
        ('oid_a', 'third_party_sharing', 'ad_platform', true, 'granted', null,
         timestamp '2026-02-01 08:00', 'e3', 'consent_events', 'app', 'separate_consent'),
        ('oid_a', 'personalisation', 'push', false, 'withdrawn', null,
         timestamp '2026-05-01 12:00', 'e4', 'consent_events', 'app', 'consent'),
        ('oid_b', 'marketing', 'sms', true, 'granted', null, timestamp '2025-06-06 06:00',
         'c1', 'crm_members', 'crm', 'consent')
        ) as t(one_id, purpose, channel, is_consented, status, consent_issue, decided_at,
        consent_decision_id, decision_source, source_system, legal_basis)"""
    )
    # the timeline of oid_a: two rows at one moment (the cursor must not lose either), a ticket
    # whose category carries a phone number (scrubbed), oid_b's rows and an anonymous session
    con.execute(
        """create table marts.fct_orders as select * from (values
        ('oid_a', timestamp '2026-09-01 10:00', 'tmall', 'ecommerce:O1', 'completed', false, true,
         199.90::decimal(18, 2), 'x'),
        ('oid_a', timestamp '2026-06-01 10:00', 'store', 'pos:P2', 'completed', true, false,
         -50.00::decimal(18, 2), 'x'),
        ('oid_b', timestamp '2026-09-02 10:00', 'store', 'pos:P3', 'completed', false, false,
         10.00::decimal(18, 2), 'x')
        ) as t(one_id, order_at, channel, order_id, status, is_return, has_coupon, net_amount,
        unused)"""
    )
    con.execute(
        """create table marts.fct_sessions as select * from (values
        ('oid_a', timestamp '2026-09-01 10:00', 'app', 's1', 5, 2, true, true, false, true),
        ('oid_a', timestamp '2026-08-01 09:00', 'web', 's2', 1, 0, false, false, false, false),
        (null, timestamp '2026-08-01 09:00', 'web', 's3', 1, 0, false, false, false, false)
        ) as t(one_id, started_at, channel, session_id, n_events, n_product_views, has_search,
        has_add_to_cart, has_purchase, is_cart_abandoned)"""
    )
    con.execute(
        """create table marts.fct_service_tickets as select * from (values
        ('oid_a', timestamp '2026-07-01 08:00', 'hotline', 't1', 'call back 139 1234 0001', 4)
        ) as t(one_id, created_at, channel, ticket_id, category, satisfaction_score)"""
    )
    con.execute(
        """create table marts.fct_campaign_touches as select * from (values
        ('oid_a', timestamp '2026-09-01 10:00', 'sms', 'k2', 'CMP_A', 'treatment', true, false),
        ('oid_a', timestamp '2026-09-01 10:00', 'sms', 'k1', 'CMP_A', 'treatment', false, false),
        ('oid_a', timestamp '2026-05-05 05:00', 'push', 'k3', 'CMP_B', 'control', false, false)
        ) as t(one_id, sent_at, channel, touch_id, campaign_id, variant, is_opened, is_clicked)"""
    )
    con.execute(
        """create table marts.dim_customer_profiles as select * from (values
        ('oid_a', 'F', true, 3::double, 'skincare'),
        ('oid_b', null, false, null, null)
        ) as t(one_id, gender, is_member, total_purchases, favourite_category)"""
    )
    con.execute(
        """create table marts.dim_tags as select * from (values
        (1, 'gender', '性别', 'Gender', 'basic', '基础属性', 'Basic attributes', 'category',
         'F = female, M = male.'),
        (2, 'is_member', '是否会员', 'Member', 'basic', '基础属性', 'Basic attributes', 'boolean',
         'A CRM member.'),
        (3, 'total_purchases', '累计购买次数', 'Purchases', 'value', '消费价值', 'Customer value',
         'number', 'Orders ever.'),
        (4, 'favourite_category', '偏好品类', 'Favourite category', 'interest', '兴趣偏好',
         'Interests', 'category', 'Most bought category.')
        ) as t(display_order, tag_code, name_zh, name_en, tag_category, tag_category_zh,
        tag_category_en, value_type, description)"""
    )
    con.execute(
        """create table marts.dim_audiences as select * from (values
        ('vip', 'rule', 'segment', 'VIP客户', 'VIP customers', 'sms,wecom', 'Thank-you gift.'),
        ('winback', 'rule', 'segment', '召回', 'Win-back', 'sms', 'Coupon.'),
        ('cart', 'rule', 'trigger', '加购未下单', 'Cart abandoners', 'sms', 'Reminder.')
        ) as t(audience_code, audience_type, kind, name_zh, name_en, channels, purpose)"""
    )
    con.execute(
        """create table marts.fct_audience_members as select * from (values
        ('vip', 'oid_a', date '2026-10-31'), ('cart', 'oid_a', date '2026-10-31'))
        as t(audience_code, one_id, as_of_date)"""
    )
    con.execute(
        """create table marts.dim_customer_rfm as select * from (values
        ('oid_a', 30, 3, 456.70::decimal(18, 2), 5, 4, 4, '544', 'champions', '重要价值客户',
         'Champions', date '2026-10-31')) as t(one_id, recency_days, frequency, monetary,
         r_score, f_score, m_score, rfm_cell, rfm_segment, rfm_segment_zh, rfm_segment_name_en,
         as_of_date)"""
    )
    con.execute(
        """create table marts.dim_customer_propensity as select * from (values
        ('oid_a', true, 0.8613912340001234, 'high', 1, 0.1, 'low', 9, date '2026-10-31'))
        as t(one_id, is_buyer, purchase_30d_probability, purchase_intent, purchase_decile,
        churn_90d_probability, churn_risk, churn_decile, as_of_date)"""
    )
    con.execute(
        """create table seeds.identity_blocked_values as select * from (values
        ('phone_138_0013_8000', 'phone', 'pattern', '^\\+861(3800138|3900139)000$',
         'The 138-0013-8000 example-number family.'),
        ('phone_same_digit', 'phone', 'pattern', '^\\+861[3-9](0{9}|8{9})$',
         'Nine equal digits after the network prefix.'),
        ('unknown_token', '*', 'exact', 'unknown', 'A form filled in unknown.')
        ) as t(rule_id, identifier_type, match_type, blocked_value, reason)"""
    )
    if erased is not None:
        con.execute("create schema privacy")
        con.execute("create table privacy.erased_identifiers (identifier_digest varchar)")
        for kind, normal in erased:
            con.execute(
                "insert into privacy.erased_identifiers values (?)",
                [identifier_digest(kind, normal)],
            )
    con.close()
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("profile_api")
    return make_warehouse(tmp / "w.duckdb", erased=[("phone", "+8613912340009")])


@pytest.fixture(scope="module")
def published(warehouse: Path) -> Path:
    target = warehouse.parent / "published" / "marts.duckdb"
    publish(warehouse, target, log=lambda _: None)
    return target


@pytest.fixture(scope="module")
def marts(published: Path) -> Marts:
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{published}' as pub (read_only)")
    return Marts(con, "pub")


@pytest.fixture(scope="module")
def client(published: Path) -> TestClient:
    return TestClient(create_app(published))


# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "139 1234 0001",
        "139-1234-0001",
        "+86 139 1234 0001",
        "(+86)13912340001",
        "008613912340001",
        "013912340001",
        "１３９１２３４０００１",
        " 13912340001\u200b",
    ],
)
def test_any_phone_format_finds_the_person(marts: Marts, typed: str) -> None:
    result = lookup(marts, typed)
    assert (result.status, result.identifier_type, result.one_id) == ("found", "phone", "oid_a")
    assert result.identifier_masked == "139****0001"
    assert result.golden_record["phone_masked"] == "139****0001"
    assert result.golden_record["member_id_masked"] == "****"  # M100: too short to show


def test_guessed_types() -> None:
    assert profiles.guess_types("Ann.Lee@QQ.com") == ["email"]
    assert profiles.guess_types("wx51c0:oAbc")[:1] == ["openid"]
    assert profiles.guess_types("Tmall:Buyer9876")[:1] == ["buyer_id"]
    assert profiles.guess_types("139 1234 0001")[0] == "phone"
    assert "phone" not in profiles.guess_types("M100")
    assert [c.identifier_type for c in parse_identifier("12345")] == [
        "member_id",
        "member_card",
        "unionid",
        "wecom_userid",
        "device_id",
        "cookie_id",
    ]


@pytest.mark.parametrize(
    ("raw", "kind", "appid", "platform", "code"),
    [
        ("", None, None, None, "empty_identifier"),
        ("   ", None, None, None, "empty_identifier"),
        ("1" * 257, None, None, None, "identifier_too_long"),
        ("12345", "phone", None, None, "invalid_identifier"),
        ("138-0013-800a", "phone", None, None, "invalid_identifier"),
        ("not-an-email", "email", None, None, "invalid_identifier"),
        ("oAbc", "openid", None, None, "invalid_identifier"),
        ("M100", "passport", None, None, "unknown_identifier_type"),
        ("oAbc", "phone", "wx1", None, "bad_appid"),
        ("abc\ufffd", None, None, None, "undecodable_identifier"),
    ],
)
def test_bad_input_is_refused_with_a_reason(raw, kind, appid, platform, code) -> None:
    with pytest.raises(LookupInputError) as error:
        parse_identifier(raw, kind, appid, platform)
    assert error.value.code == code


def test_mart_value_and_digest_follow_the_build() -> None:
    phone = parse_identifier("139 1234 0001", "phone")[0]
    assert phone.mart_value == sha("+8613912340001")
    assert phone.erasure_digest == sha("phone:+8613912340001")
    member = parse_identifier(" M100 ", "member_id")[0]
    assert member.mart_value == "M100"
    # a member id holding a phone number is personal data: the marts hash it
    assert parse_identifier("13912340003", "member_id")[0].mart_value == sha("13912340003")


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("phone", "+8613912340001", "139****0001"),
        ("phone", "+85291234567", "****4567"),
        ("email", "ann.lee@qq.com", "a***@qq.com"),
        ("openid", "wx51c0:oAbCdEf123456", "wx51c0:oAb***456"),
        ("buyer_id", "tmall:Buyer9876", "tmall:Bu***76"),
        ("member_id", "M100", "****"),
        ("member_id", "M8412425713", "M8***13"),
        ("cookie_id", "13912340001", "[phone]"),
    ],
)
def test_masking(kind: str, value: str, masked: str) -> None:
    assert profiles.mask_identifier(kind, value) == masked


# -- lookup answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "kind", "appid", "platform", "expected_type"),
    [
        ("ANN.LEE@qq.com ", None, None, None, "email"),
        ("m100", None, None, None, None),  # member ids keep their case: no match
        ("M100", None, None, None, "member_id"),
        ("lz0001", "member_card", None, None, "member_card"),
        ("wx51c0:oAbCdEf123456", None, None, None, "openid"),
        ("oAbCdEf123456", None, "wx51c0", None, "openid"),
        ("TMALL:Buyer9876", None, None, None, "buyer_id"),
        ("Buyer9876", None, None, "Tmall", "buyer_id"),
        ("3F2A9C1E-0000-4ABC-9DEF-1234567890AB", "device_id", None, None, "device_id"),
        ("X777", "member_id", None, None, "member_id"),
    ],
)
def test_found_by_any_identifier(marts, typed, kind, appid, platform, expected_type) -> None:
    result = lookup(marts, typed, kind, appid, platform)
    if expected_type is None:
        assert result.status == "no_match"
        return
    assert (result.status, result.identifier_type, result.one_id) == (
        "found",
        expected_type,
        "oid_a",
    )


def test_a_member_id_that_is_a_phone_number_is_found_by_its_digest(marts: Marts) -> None:
    result = lookup(marts, "13912340003", "member_id")
    assert (result.status, result.one_id) == ("found", "oid_b")
    assert result.identifier_masked == "[phone]"


def test_no_match(marts: Marts) -> None:
    result = lookup(marts, "13712345670")
    assert result.status == "no_match"
    assert result.as_dict()["identifier_masked"] == "137****5670"


def test_excluded_with_the_rule(marts: Marts) -> None:
    placeholder = lookup(marts, "138-0013-8000")
    assert (placeholder.status, placeholder.exclusion_reason, placeholder.exclusion_rule) == (
        "excluded",
        "blocked_value",
        "phone_138_0013_8000",
    )
    shared = lookup(marts, "5958f4de070692f6", "device_id")
    assert (shared.status, shared.exclusion_reason, shared.exclusion_rule) == (
        "excluded",
        "shared_identifier",
        None,
    )
    assert "one person holds at most 1" in shared.exclusion_detail


def test_a_blocked_value_no_source_carried_is_excluded_by_its_rule(marts: Marts) -> None:
    result = lookup(marts, "188 8888 8888")
    assert (result.status, result.exclusion_rule) == ("excluded", "phone_same_digit")
    assert lookup(marts, "Unknown", "member_id").exclusion_rule == "unknown_token"


def test_erased_says_nothing_else(marts: Marts) -> None:
    result = lookup(marts, "139 1234 0009")
    assert result.as_dict() == {"status": "erased"}


def test_without_a_suppression_list_the_check_is_skipped(tmp_path: Path) -> None:
    source = make_warehouse(tmp_path / "w.duckdb", erased=None)
    target = tmp_path / "p.duckdb"
    publish(source, target, log=lambda _: None)
    con = duckdb.connect(str(target), read_only=True)
    assert lookup(Marts(con), "13912340009").one_id == "oid_c"


def test_ambiguous_when_a_guess_matches_two_people(marts: Marts) -> None:
    result = lookup(marts, "X777")
    assert result.status == "ambiguous"
    assert sorted((m["identifier_type"], m["one_id"]) for m in result.matches) == [
        ("member_id", "oid_a"),
        ("unionid", "oid_b"),
    ]


# -- the API --------------------------------------------------------------------------------------


def test_api_lookup_profile_tags_audiences(client: TestClient) -> None:
    found = client.get("/v1/lookup", params={"identifier": "+86-139-1234-0001"})
    assert found.status_code == 200
    assert found.json()["one_id"] == "oid_a"

    answer = client.get("/v1/profiles/oid_a").json()
    assert answer["golden_record"]["city"] == "上海"
    assert answer["consent"]["may_message"] == {
        "sms": True,
        "email": False,
        "wecom": False,
        "push": False,
    }
    assert answer["rfm"]["rfm_segment"] == "champions"
    assert answer["rfm"]["as_of_date"] == "2026-10-31"
    assert answer["propensity"]["purchase_30d_probability"] == 0.861391
    assert answer["lifecycle"] is None and answer["clv"] is None  # not in this warehouse
    identifiers = {(i["identifier_type"], i["identifier_masked"]) for i in answer["identifiers"]}
    assert identifiers == {
        ("phone", "139****0001"),
        ("email", "a***@qq.com"),
        ("member_id", "****"),
        ("member_id", "****"),
        ("member_card", "L***1"),
        ("openid", "wx51c0:oAb***456"),
        ("buyer_id", "tmall:Bu***76"),
        ("device_id", "3f2***0ab"),
    }
    first = answer["identifiers"][0]
    assert first["first_seen_at"] == "2025-01-02T03:04:05" and first["sources"]

    tags = client.get("/v1/profiles/oid_a/tags").json()["tags"]
    assert [(t["tag_code"], t["name_zh"], t["value"]) for t in tags] == [
        ("gender", "性别", "F"),
        ("is_member", "是否会员", True),
        ("total_purchases", "累计购买次数", 3.0),
        ("favourite_category", "偏好品类", "skincare"),
    ]
    assert [t["tag_code"] for t in client.get("/v1/profiles/oid_b/tags").json()["tags"]] == [
        "is_member"
    ]
    assert client.get("/v1/profiles/oid_c/tags").json()["tags"] == []

    audiences = client.get("/v1/profiles/oid_a/audiences").json()["audiences"]
    assert [(a["audience_code"], a["name_en"], a["kind"]) for a in audiences] == [
        ("cart", "Cart abandoners", "trigger"),
        ("vip", "VIP customers", "segment"),
    ]
    assert client.get("/v1/profiles/oid_b/audiences").json()["audiences"] == []
    assert client.get("/v1/audiences/vip/members/oid_a").json()["is_member"] is True
    assert client.get("/v1/audiences/vip/members/oid_b").json()["is_member"] is False
    assert client.get("/v1/audiences/winback/members/oid_a").json()["is_member"] is False


def test_api_consent_per_purpose_and_restriction(client: TestClient) -> None:
    """The profile's consent summary and /consents follow dim_customer_consents: a withdrawal
    is withdrawn, a grant overruled by a set-aside refusal is not allowed, a restricted person
    may not be messaged whatever their consent, and no row means no consent."""
    summary = client.get("/v1/profiles/oid_a").json()["consent"]
    assert summary["available"] is True and summary["is_restricted"] is False
    assert summary["purposes"] == {
        "marketing": {
            "sms": {"allowed": True, "status": "granted"},
            "email": {"allowed": False, "status": "withdrawn"},
            "wecom": {"allowed": False, "status": "granted"},
        },
        "personalisation": {"push": {"allowed": False, "status": "withdrawn"}},
        "third_party_sharing": {"ad_platform": {"allowed": True, "status": "granted"}},
        "analytics": {},
    }
    assert summary["last_decided_at"] == "2026-05-01T12:00:00"

    detail = client.get("/v1/profiles/oid_a/consents").json()
    assert detail["one_id"] == "oid_a" and detail["is_restricted"] is False
    rows = [
        (r["purpose"], r["channel"], r["status"], r["is_consented"]) for r in detail["consents"]
    ]
    assert rows == [  # purpose order, then channel order
        ("marketing", "sms", "granted", True),
        ("marketing", "email", "withdrawn", False),
        ("marketing", "wecom", "granted", False),
        ("personalisation", "push", "withdrawn", False),
        ("third_party_sharing", "ad_platform", "granted", True),
    ]
    email = detail["consents"][1]
    assert email["decided_at"] == "2026-04-02T11:00:00"
    assert (email["legal_basis"], email["decision_source"]) == ("consent", "consent_events")
    assert detail["consents"][2]["consent_issue"] == "refusal_in_set_aside_row"
    assert detail["consents"][4]["legal_basis"] == "separate_consent"

    # oid_b granted marketing on sms, but is restricted: not to be messaged
    restricted = client.get("/v1/profiles/oid_b").json()["consent"]
    assert restricted["is_restricted"] is True
    assert restricted["purposes"]["marketing"]["sms"]["allowed"] is True
    assert set(restricted["may_message"].values()) == {False}
    assert client.get("/v1/profiles/oid_b/consents").json()["is_restricted"] is True
    # oid_c decided nothing: no consent anywhere
    nothing = client.get("/v1/profiles/oid_c").json()["consent"]
    assert nothing["purposes"] == {p: {} for p in profiles.CONSENT_PURPOSES}
    assert nothing["last_decided_at"] is None
    assert client.get("/v1/profiles/oid_c/consents").json()["consents"] == []


def test_api_timeline_newest_first_in_pages(client: TestClient) -> None:
    whole = client.get("/v1/profiles/oid_a/timeline", params={"limit": 500}).json()
    assert whole["next_cursor"] is None
    assert whole["kinds"] == ["order", "visit", "service", "campaign"]
    events = whole["events"]
    assert [(e["happened_at"][:10], e["kind"], e["reference"]) for e in events] == [
        ("2026-09-01", "campaign", "CMP_A"),  # touch k1
        ("2026-09-01", "campaign", "CMP_A"),  # touch k2: same moment, both kept
        ("2026-09-01", "order", "ecommerce:O1"),
        ("2026-09-01", "visit", "s1"),
        ("2026-08-01", "visit", "s2"),
        ("2026-07-01", "service", "t1"),
        ("2026-06-01", "order", "pos:P2"),
        ("2026-05-05", "campaign", "CMP_B"),
    ]
    assert [e["detail"] for e in events[:2]] == ["treatment", "treatment, opened"]
    assert events[2]["amount_yuan"] == 199.9 and events[2]["detail"] == "completed, coupon 用券"
    assert events[6]["amount_yuan"] == -50.0 and "return" in events[6]["detail"]
    assert "cart abandoned" in events[3]["detail"]
    # the phone number in the ticket's category is scrubbed
    assert events[5]["detail"] == "call back [phone], satisfaction 4/5"
    # pages of 3: the same rows in the same order, none twice, the last page says so
    for size in (1, 3, 7, 8):
        pages, cursor = [], None
        while True:
            params = {"limit": size} | ({"cursor": cursor} if cursor else {})
            page = client.get("/v1/profiles/oid_a/timeline", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            assert 0 < len(body["events"]) <= size
            pages.append(body["events"])
            cursor = body["next_cursor"]
            if cursor is None:
                break
        assert [e for p in pages for e in p] == events, size
        assert len(pages) == -(-len(events) // size)
    # a person without any event: an empty first page
    assert client.get("/v1/profiles/oid_c/timeline").json() == {
        "one_id": "oid_c",
        "events": [],
        "next_cursor": None,
        "kinds": ["order", "visit", "service", "campaign"],
    }


def test_publish_keeps_only_the_timeline_columns_sorted_by_one_id(published: Path) -> None:
    from persona.consumers.timeline import TIMELINE_SOURCES

    con = duckdb.connect(":memory:")
    con.execute(f"attach '{published}' as pub (read_only)")
    for source in TIMELINE_SOURCES:
        table = f"pub.{source.table}"
        columns = [row[0] for row in con.execute(f"describe {table}").fetchall()]
        assert tuple(columns) == source.columns, source.table
        one_ids = [row[0] for row in con.execute(f"select one_id from {table}").fetchall()]
        assert None not in one_ids and one_ids == sorted(one_ids), source.table
    assert con.execute("select count(*) from pub.marts.fct_sessions").fetchone() == (2,)
    indexed = con.execute(
        "select table_name from duckdb_indexes() where table_name = 'dim_customer_consents'"
    ).fetchall()
    assert indexed == [("dim_customer_consents",)]
    con.close()


def test_a_publication_of_an_older_warehouse_says_what_it_lacks(tmp_path: Path) -> None:
    """A warehouse built before dim_customer_consents, the timeline marts, dim_audiences.kind
    and dim_customers.is_restricted still publishes; the API says clearly what it cannot answer."""
    source = make_warehouse(tmp_path / "old.duckdb")
    with duckdb.connect(str(source)) as old:
        for table in (
            "dim_customer_consents",
            "fct_orders",
            "fct_sessions",
            "fct_service_tickets",
            "fct_campaign_touches",
        ):
            old.execute(f"drop table marts.{table}")
        old.execute("alter table marts.dim_audiences drop column kind")
        old.execute("alter table marts.dim_customers drop column is_restricted")
    target = tmp_path / "old-published.duckdb"
    counts = publish(source, target, log=lambda _: None)
    assert "marts.dim_customer_consents" not in counts and "marts.fct_orders" not in counts
    client = TestClient(create_app(target))
    consent = client.get("/v1/profiles/oid_a").json()["consent"]
    assert consent["available"] is False and consent["is_restricted"] is None
    assert "dim_customer_consents" in consent["detail"]
    for url, code in (
        ("/v1/profiles/oid_a/consents", "consents_not_published"),
        ("/v1/profiles/oid_a/timeline", "timeline_not_published"),
    ):
        response = client.get(url)
        assert (response.status_code, response.json()["error"]) == (503, code)
        assert "publish again" in response.json()["detail"]
    assert client.get("/v1/profiles/oid_zzz/consents").status_code == 404
    audiences = client.get("/v1/profiles/oid_a/audiences").json()["audiences"]
    assert [(a["audience_code"], a["kind"]) for a in audiences] == [("cart", None), ("vip", None)]


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/v1/lookup?identifier=12345&type=phone", 400, "invalid_identifier"),
        ("/v1/lookup?identifier=M100&type=passport", 400, "unknown_identifier_type"),
        ("/v1/lookup?identifier=" + "1" * 300, 400, "identifier_too_long"),
        ("/v1/lookup?identifier=%ff%fe%fd", 400, "undecodable_identifier"),
        ("/v1/lookup?identifier=%%%zz", 200, None),  # odd but decodable text: a no match
        ("/v1/lookup?identifier=", 400, "empty_identifier"),
        ("/v1/lookup", 422, "invalid_request"),
        ("/v1/lookup?identifier=abc&appid=wx:1", 400, "bad_appid"),
        ("/v1/profiles/oid_zzz", 404, "unknown_one_id"),
        ("/v1/profiles/%ff%fe", 400, "invalid_one_id"),
        ("/v1/profiles/" + "a" * 65, 400, "invalid_one_id"),
        ("/v1/profiles/oid_zzz/tags", 404, "unknown_one_id"),
        ("/v1/profiles/oid_zzz/audiences", 404, "unknown_one_id"),
        ("/v1/profiles/%3Bdrop%20table/audiences", 400, "invalid_one_id"),
        ("/v1/profiles/oid_zzz/consents", 404, "unknown_one_id"),
        ("/v1/profiles/o%27id/consents", 400, "invalid_one_id"),
        ("/v1/profiles/oid_zzz/timeline", 404, "unknown_one_id"),
        ("/v1/profiles/o%27id/timeline", 400, "invalid_one_id"),
        ("/v1/profiles/oid_a/timeline?limit=0", 422, "invalid_request"),
        ("/v1/profiles/oid_a/timeline?limit=501", 422, "invalid_request"),
        ("/v1/profiles/oid_a/timeline?limit=ten", 422, "invalid_request"),
        ("/v1/profiles/oid_a/timeline?cursor=abc", 400, "invalid_cursor"),
        ("/v1/profiles/oid_a/timeline?cursor=" + "A" * 1001, 422, "invalid_request"),
        # well-formed base64 of JSON that is no timeline position
        ("/v1/profiles/oid_a/timeline?cursor=WyJ4IiwgIm9yZGVyIiwgMV0", 400, "invalid_cursor"),
        ("/v1/audiences/nope/members/oid_a", 404, "unknown_audience"),
        ("/v1/audiences/vip/members/oid_zzz", 404, "unknown_one_id"),
        ("/v1/audiences/v%27ip/members/oid_a", 400, "invalid_audience_code"),
        ("/v1/nothing", 404, "not_found"),
    ],
)
def test_api_bad_input_gets_a_4xx_with_a_reason(client, url, status, code) -> None:
    response = client.get(url)
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["error"] == code
        assert response.json()["detail"]
    assert client.post("/v1/lookup?identifier=M100").status_code == 405


def test_api_never_returns_personal_data(client: TestClient) -> None:
    # (the OpenAPI docs are left out: their examples are the placeholder 138 0013 8000)
    urls = [
        "/health",
        "/v1/profiles/oid_a",
        "/v1/profiles/oid_b",
        "/v1/profiles/oid_a/tags",
        "/v1/profiles/oid_a/audiences",
        "/v1/profiles/oid_a/consents",
        "/v1/profiles/oid_b/consents",
        "/v1/profiles/oid_a/timeline",
        "/v1/profiles/oid_a/timeline?limit=2",
        "/v1/lookup?identifier=12345&type=phone",
        "/v1/lookup?identifier=%2B8613800138000",
    ]
    urls += [f"/v1/lookup?identifier={v}" for v in ["139 1234 0001", "ann.lee@qq.com"]]
    urls += ["/v1/lookup?identifier=13912340003&type=member_id", "/v1/lookup?identifier=X777"]
    urls += ["/v1/lookup?identifier=wx51c0:oAbCdEf123456", "/v1/lookup?identifier=Buyer9876"]
    for url in urls:
        body = client.get(url).text
        assert not looks_like_pii(body), (url, body)
        for raw in RAW_VALUES:
            if len(raw) > 5:
                assert raw not in body, (url, raw)
        assert sha("+8613912340001") not in body


def test_api_answers_while_a_build_writes_and_sees_a_new_publication(
    warehouse: Path, published: Path, tmp_path: Path
) -> None:
    source = tmp_path / "w.duckdb"
    make_warehouse(source)
    target = tmp_path / "published.duckdb"
    publish(source, target, log=lambda _: None)
    client = TestClient(create_app(target))
    assert client.get("/v1/lookup", params={"identifier": "M200"}).json()["one_id"] == "oid_b"

    writer = duckdb.connect(str(source))  # a build holding the warehouse for writing
    try:
        writer.execute("begin")
        writer.execute("update marts.dim_identifiers set one_id = 'oid_new' where one_id = 'oid_b'")
        writer.execute("create table marts.half_built as select * from range(1000000)")
        started = time.perf_counter()
        answer = client.get("/v1/lookup", params={"identifier": "M200"})
        assert answer.status_code == 200 and answer.json()["one_id"] == "oid_b"
        assert time.perf_counter() - started < 5
        # publishing while the build holds the warehouse fails clearly; the old copy stays
        with pytest.raises(PublishError, match="build holding it"):
            publish(source, target, log=lambda _: None)
        assert client.get("/v1/profiles/oid_b").status_code == 200
        writer.execute("commit")
    finally:
        writer.close()
    # the build is done: a new publication replaces the file, the API reopens it
    publish(source, target, log=lambda _: None)
    assert client.get("/v1/lookup", params={"identifier": "M200"}).json()["one_id"] == "oid_new"
    assert not list(tmp_path.glob(".published*"))  # no temporary file left behind


def test_publish_refuses_an_incomplete_warehouse(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match="no warehouse"):
        publish(tmp_path / "missing.duckdb", tmp_path / "p.duckdb", log=lambda _: None)
    source = tmp_path / "empty.duckdb"
    duckdb.connect(str(source)).close()
    with pytest.raises(PublishError, match="lacks marts.dim_identifiers"):
        publish(source, tmp_path / "p.duckdb", log=lambda _: None)
    assert not (tmp_path / "p.duckdb").exists()
    client = TestClient(create_app(tmp_path / "p.duckdb"))
    response = client.get("/v1/lookup", params={"identifier": "M100"})
    assert (response.status_code, response.json()["error"]) == (503, "not_published")


def test_openapi_docs(client: TestClient) -> None:
    assert "swagger" in client.get("/docs").text.lower()
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/lookup",
        "/v1/profiles/{one_id}",
        "/v1/profiles/{one_id}/tags",
        "/v1/profiles/{one_id}/audiences",
        "/v1/profiles/{one_id}/consents",
        "/v1/profiles/{one_id}/timeline",
        "/v1/audiences/{audience_code}/members/{one_id}",
    } <= set(paths)


def test_serve_help_and_missing_publication(tmp_path: Path) -> None:
    from persona.consumers import api

    with pytest.raises(SystemExit):
        api.main(["--help"])
    assert api.main(["--published", str(tmp_path / "nothing.duckdb")]) == 1


# -- the session's sample build -------------------------------------------------------------------


def test_lookup_on_the_sample_build(default_sample, tmp_path: Path) -> None:
    """Phones of the generator's truth, typed with spaces and dashes, find the OneID the marts
    give their SHA-256 (DuckDB's own sha256); every answer is free of personal data."""
    import pyarrow.parquet as pq

    workdir, raw = default_sample
    target = tmp_path / "published.duckdb"
    publish(workdir / "w.duckdb", target, log=lambda _: None)
    truth = pq.read_table(raw / "_truth" / "identity.parquet").to_pylist()
    phones = sorted({r["identifier_value"] for r in truth if r["identifier_type"] == "phone"})[:40]
    con = duckdb.connect(str(target), read_only=True)
    marts = Marts(con)
    client = TestClient(create_app(target))
    found = 0
    for phone in phones:
        expected = con.execute(
            "select one_id, exclusion_reason from marts.dim_identifiers "
            "where identifier_type = 'phone' and identifier_value = sha256(?)",
            [phone],
        ).fetchall()
        typed = f"{phone[3:6]} {phone[6:10]}-{phone[10:]}"
        result = lookup(marts, typed)
        if not expected:
            assert result.status in ("no_match", "excluded")
            continue
        one_id, reason = expected[0]
        assert result.status == ("excluded" if reason else "found")
        if one_id is None:
            continue
        assert result.one_id == one_id
        found += 1
        for url in (f"/v1/profiles/{one_id}", f"/v1/profiles/{one_id}/tags"):
            body = client.get(url).text
            assert not looks_like_pii(body) and phone not in body and phone[3:] not in body
    assert found >= 30


def test_bench_api_measures_lookups_on_loopback(published: Path, tmp_path: Path) -> None:
    """The one real-loopback test: persona serve in a process, requests from this one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from persona.dev.bench_api import _typed, run_bench

    assert _typed("+8613912340001", 0) == "139 1234 0001"
    assert _typed("+8613912340001", 1) == "+86-139-1234-0001"
    (tmp_path / "_truth").mkdir()
    pq.write_table(
        pa.table(
            {
                "identifier_type": ["phone", "phone", "member_id"],
                "identifier_value": ["+8613912340001", "+8613912340002", "M100"],
            }
        ),
        tmp_path / "_truth" / "identity.parquet",
    )
    results = run_bench(published, tmp_path, requests=30, concurrency=2)
    sequential = results["lookup_by_phone_sequential"]
    assert sequential["n"] == 30 and sequential["errors"] == 0
    assert sequential["answers"] == {"found": 30}
    assert 0 < sequential["p50_ms"] <= sequential["p95_ms"] <= sequential["p99_ms"]
    assert results["lookup_by_phone_concurrency_2"]["errors"] == 0
    assert results["other_endpoints_errors"] == 0
    assert {"profile_sequential", "tags_sequential", "membership_sequential"} <= set(results)


def test_consents_timeline_and_audience_kinds_on_the_sample_build(default_sample, tmp_path):
    """On the sample: a person who withdrew marketing consent on a channel reads withdrawn there
    in the API (summary and /consents, as dim_customer_consents says); the API's timeline, paged,
    is the warehouse's timeline (the page's query) row for row; dim_audiences.kind holds only
    segment and trigger, cart_abandoners being a trigger list, and the API says so."""
    from persona.consumers import customer360 as c360
    from persona.consumers import timeline as timelines

    workdir, _ = default_sample
    target = tmp_path / "published.duckdb"
    publish(workdir / "w.duckdb", target, log=lambda _: None)
    warehouse = duckdb.connect(str(workdir / "w.duckdb"), read_only=True)
    client = TestClient(create_app(target))
    one_id, channel = warehouse.execute(
        """
        select consents.one_id, min(consents.channel)
        from marts.dim_customer_consents as consents
        where consents.purpose = 'marketing' and consents.status = 'withdrawn'
          and consents.one_id in (select one_id from marts.fct_sessions)
          and consents.one_id in (select one_id from marts.fct_orders)
        group by consents.one_id
        order by consents.one_id
        limit 1
        """
    ).fetchone()
    expected = warehouse.execute(
        "select purpose, channel, status, is_consented from marts.dim_customer_consents "
        "where one_id = ? order by all",
        [one_id],
    ).fetchall()
    detail = client.get(f"/v1/profiles/{one_id}/consents").json()
    got = sorted(
        (r["purpose"], r["channel"], r["status"], r["is_consented"]) for r in detail["consents"]
    )
    assert got == sorted(expected)
    summary = client.get(f"/v1/profiles/{one_id}").json()["consent"]
    assert summary["purposes"]["marketing"][channel] == {"allowed": False, "status": "withdrawn"}
    assert summary["may_message"].get(channel, False) is False
    (restricted,) = warehouse.execute(
        "select is_restricted from marts.dim_customers where one_id = ?", [one_id]
    ).fetchone()
    assert summary["is_restricted"] is restricted is detail["is_restricted"]
    # a restricted person of the sample: restricted in the API, not to be messaged
    for (restricted_id,) in warehouse.execute(
        "select one_id from marts.dim_customers where is_restricted order by one_id limit 3"
    ).fetchall():
        answer = client.get(f"/v1/profiles/{restricted_id}").json()["consent"]
        assert answer["is_restricted"] is True
        assert set(answer["may_message"].values()) == {False}

    # the timeline: pages of 7 through the API = the whole timeline read from the warehouse
    counts = c360.timeline_counts(warehouse, one_id)
    total = sum(counts.values())
    assert total > 7
    whole = timelines.timeline(Marts(warehouse), one_id, timelines.MAX_LIMIT)
    assert len(whole.rows) == min(total, timelines.MAX_LIMIT)
    events, cursor = [], None
    while True:
        params = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        body = client.get(f"/v1/profiles/{one_id}/timeline", params=params).json()
        events += body["events"]
        cursor = body["next_cursor"]
        assert not looks_like_pii(str(body))
        if cursor is None:
            break
    assert len(events) == total
    times = [e["happened_at"] for e in events]
    assert times == sorted(times, reverse=True)
    assert [(e["kind"], e["reference"]) for e in events[: len(whole.rows)]] == [
        (row["kind"], row["reference"]) for row in whole.rows
    ]
    assert {kind: sum(e["kind"] == kind for e in events) for kind in counts} == counts

    # audience kinds
    kinds = dict(
        warehouse.execute("select audience_code, kind from marts.dim_audiences").fetchall()
    )
    assert set(kinds.values()) == {"segment", "trigger"}
    assert kinds["cart_abandoners"] == "trigger"
    assert all(kinds[code] == "segment" for code in kinds if code.endswith("_lookalike"))
    (member,) = warehouse.execute(
        "select min(one_id) from marts.fct_audience_members where audience_code = 'cart_abandoners'"
    ).fetchone()
    audiences = client.get(f"/v1/profiles/{member}/audiences").json()["audiences"]
    assert {(a["audience_code"], a["kind"]) for a in audiences} >= {("cart_abandoners", "trigger")}
    assert all(a["kind"] == kinds[a["audience_code"]] for a in audiences)
    warehouse.close()
