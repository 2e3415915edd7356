"""The dbt normalization macros agree with the Python reference normalizers
(persona.dev.identifiers).

The macros are compiled once with `dbt compile --inline` and run in DuckDB over values drawn by
hypothesis: every phone format of the raw contract around random mainland mobiles and numbers
written with other country codes (version 2), e-mails with case and spaces, card numbers and
device ids, each wrapped in any blanks (tabs, line breaks, no-break, ideographic and zero-width
spaces, a byte-order mark) or made only of them. Neither side rejects placeholders (a cashier's
13800138000, a zeroed IDFA): staging checks syntax only and OneID's guards exclude them, so the
normal forms agree everywhere, placeholders included.

The free-text scrub (`scrub_pii`, `looks_like_pii`) is held to `persona.dev.identifiers.scrub_pii`
the same way, over texts that hypothesis assembles from words, query strings, hashes, product and
order ids and every kind of phone number, e-mail and ID-card number, in any order and separated
by anything: the fast path (no '@' and fewer than 8 digits) must never skip a text that holds one.
"""

from __future__ import annotations

import duckdb
import pytest
from conftest import run_dbt
from hypothesis import given, settings
from hypothesis import strategies as st

from persona.dev.identifiers import (
    looks_like_pii,
    normalize_device_id,
    normalize_email,
    normalize_member_card,
    normalize_phone,
    scrub_pii,
)

INLINE = """
select
    {{ persona.normalize_phone(persona.clean_string('phone')) }} as phone_e164,
    {{ persona.phone_status(persona.clean_string('phone')) }} as phone_status,
    {{ persona.normalize_email(persona.clean_string('email')) }} as email,
    {{ persona.normalize_member_card(persona.clean_string('card')) }} as card,
    {{ persona.normalize_device_id(persona.clean_string('device')) }} as device,
    {{ persona.device_id_status(persona.clean_string('device')) }} as device_status
from input_values
"""

PHONE_FORMATS = [
    "{a}{b}{c}",
    "{a} {b} {c}",
    "{a}-{b}-{c}",
    "+86-{a}-{b}-{c}",
    "+86 {a} {b} {c}",
    "86{a}{b}{c}",
    "0086{a}{b}{c}",
    "0{a}{b}{c}",
    "(+86){a}{b}{c}",
    " {a}{b}{c} ",
    "+86{a}{b}{c}",
    "{a}****{c}",
    "{a}{b}",
    "{a}{b}{c}1",
    "021-{b}{c}",
    "abc{a}{b}{c}",
    # other country codes (contract version 2): kept, never re-prefixed with +86
    "+852 {b} {c}",
    "00852{b}{c}",
    "+1 ({a}{m}) {b}-{c}",
    "+886 {a}{b}{c}",
    "+44 {b}{c}{c}",
    "+86 21 {b} {c}",
    "852{b}{c}",
    "+{a}+{b}{c}",
]
#: blanks a value may arrive wrapped in (and values made only of them)
BLANKS = ["", " ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u200b", "\ufeff", "\u200d", "\x00"]
FULL_WIDTH = str.maketrans("0123456789+()-", "０１２３４５６７８９＋（）－")


@pytest.fixture(scope="module")
def compiled_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("compile")
    result = run_dbt(["compile", "--quiet", "--inline", INLINE], tmp / "raw", tmp)
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def run_sql(sql: str, rows: list[tuple[str | None, ...]]) -> list[tuple]:
    con = duckdb.connect()
    con.execute(
        "create table input_values (phone varchar, email varchar, card varchar, device varchar)"
    )
    con.executemany("insert into input_values values (?, ?, ?, ?)", rows)
    return con.sql(sql).fetchall()


mobile = st.tuples(
    st.sampled_from(["13", "14", "15", "16", "17", "18", "19", "12", "10"]),
    st.integers(0, 9),
    st.integers(0, 9999),
    st.integers(0, 9999),
)
blanks = st.lists(st.sampled_from(BLANKS), max_size=3).map("".join)


def _phone(m: tuple, fmt: str) -> str:
    return fmt.format(a=f"{m[0]}{m[1]}", m=m[1], b=f"{m[2]:04d}", c=f"{m[3]:04d}")


phone = (
    st.builds(
        lambda m, fmt, wide, before, after: (
            before + (_phone(m, fmt).translate(FULL_WIDTH) if wide else _phone(m, fmt)) + after
        ),
        mobile,
        st.sampled_from(PHONE_FORMATS),
        st.booleans(),
        blanks,
        blanks,
    )
    | st.sampled_from(["", "null", "undefined", "NULL ", "none"])
    | blanks
)
email = st.builds(
    lambda user, domain, tld, pad, upper: (
        f"{pad}{user}@{domain}{tld}{pad}".upper() if upper else f"{pad}{user}@{domain}{tld}{pad}"
    ),
    st.from_regex(r"[a-z0-9._]{1,8}", fullmatch=True),
    st.from_regex(r"[a-z]{1,6}", fullmatch=True),
    st.sampled_from([".com", ".cn", ".com.cn", "", "@x.com"]),
    st.sampled_from(["", " ", "  ", "\t", "\u200b", "\u3000\n"]),
    st.booleans(),
)
card = st.from_regex(r" ?[a-zA-Z]{0,3}[0-9]{3,8} ?", fullmatch=True)
device = st.from_regex(r"[A-Fa-f0-9]{4,8}(-[A-Fa-f0-9]{4}){0,3}", fullmatch=True) | st.just(
    "00000000-0000-0000-0000-000000000000"
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(phone, email, card, device), min_size=1, max_size=40))
def test_macros_agree_with_python_oracle(compiled_sql: str, rows: list[tuple[str, ...]]) -> None:
    results = run_sql(compiled_sql, rows)
    for (raw_phone, raw_email, raw_card, raw_device), got in zip(rows, results, strict=True):
        phone_e164, phone_status, got_email, got_card, got_device, device_status = got
        assert phone_e164 == normalize_phone(raw_phone), raw_phone
        assert (phone_status == "valid") == (phone_e164 is not None), raw_phone
        assert got_email == normalize_email(raw_email), raw_email
        assert got_card == normalize_member_card(raw_card), raw_card
        assert got_device == normalize_device_id(raw_device), raw_device
        assert (device_status == "valid") == (got_device is not None), raw_device


def test_foreign_numbers_keep_their_country_code(compiled_sql: str) -> None:
    phones = {
        "+852 9123 4567": "+85291234567",
        "00852 9123 4567": "+85291234567",
        "+853 6612 3456": "+85366123456",
        "+886 912 345 678": "+886912345678",
        "+1 (415) 555-0132": "+14155550132",
        "+1 138 0013 8000": "+113800138000",
        "+86 138 0013 8000": "+8613800138000",
        "+86 21 1234 5678": None,
        "85291234567": None,
        "\u200b\t": None,
        "\u3000+852 9123 4567\ufeff": "+85291234567",
    }
    results = run_sql(compiled_sql, [(raw, None, None, None) for raw in phones])
    for (raw, expected), got in zip(phones.items(), results, strict=True):
        assert got[0] == expected == normalize_phone(raw), raw
        assert got[1] == (
            "valid" if expected else "missing" if raw.strip("\u200b\t") == "" else "malformed"
        )


def test_placeholders_are_staged_in_normal_form(compiled_sql: str) -> None:
    phones = {
        "13800138000": "+8613800138000",
        "+86 138 0013 8000": "+8613800138000",
        "13888888888": "+8613888888888",
        "18888888888": "+8618888888888",
        "13900000000": "+8613900000000",
        "+86 139 1234 5678": "+8613912345678",
    }
    zeroed = "00000000-0000-0000-0000-000000000000"
    results = run_sql(compiled_sql, [(raw, None, None, zeroed) for raw in phones])
    for (raw, expected), got in zip(phones.items(), results, strict=True):
        phone_e164, phone_status, _, _, device, device_status = got
        assert (phone_e164, phone_status) == (expected, "valid"), raw
        assert phone_e164 == normalize_phone(raw), raw
        assert (device, device_status) == (zeroed, "valid")


SCRUB_INLINE = """
select
    {{ persona.scrub_pii('free_text') }} as scrubbed,
    {{ persona.looks_like_pii('free_text') }} as is_pii
from input_texts
"""


@pytest.fixture(scope="module")
def compiled_scrub_sql(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("compile_scrub")
    result = run_dbt(["compile", "--quiet", "--inline", SCRUB_INLINE], tmp / "raw", tmp)
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def run_scrub_sql(sql: str, texts: list[str | None]) -> list[tuple]:
    con = duckdb.connect()
    con.execute("create table input_texts (position integer, free_text varchar)")
    con.executemany("insert into input_texts values (?, ?)", list(enumerate(texts)))
    return con.sql(sql.replace("from input_texts", "from input_texts order by position")).fetchall()


def _id_card(region: int, year: int, month: int, day: int, serial: int, check: str) -> str:
    return f"{region}{year:04d}{month:02d}{day:02d}{serial:03d}{check}"


id_card_18 = st.builds(
    _id_card,
    st.integers(110000, 659999),
    st.integers(1900, 2025),
    st.integers(1, 12),
    st.integers(1, 31),
    st.integers(0, 999),
    st.sampled_from(list("0123456789Xx")),
)
#: the old 15-digit form: region, YYMMDD, three digits
id_card = id_card_18 | id_card_18.map(lambda card: card[:6] + card[8:17])
pii_fragment = (
    st.builds(_phone, mobile, st.sampled_from(PHONE_FORMATS))
    | st.builds(lambda m, fmt: _phone(m, fmt).translate(FULL_WIDTH), mobile, st.just("{a}{b}{c}"))
    | email
    | st.builds(lambda e: e.replace("@", "%40"), email)
    | id_card
    | st.sampled_from(["%2B8613800138000", "00853 6612 3456", "+1 (415) 555-0132", "张三@qq.com"])
)
plain_fragment = st.sampled_from(
    [
        "call me",
        "精华",
        "https://shop.example.com/p/P0013800138000?utm_source=wx&id=123",
        "/pages/item?id=P001&from=share",
        "3f2a13800138000bc9e1d",
        "1234567890123456789",
        "2025-06-18T20:15:00+08:00",
        "618_20250601-20250618",
        "j***@example.com",
        "138****8000",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.44",
        "",
    ]
) | st.text(alphabet="0123456789abcXx+-() @.%=&?:_/\u3000，：", max_size=24)
separator = st.sampled_from(["", " ", ",", "&q=", "?mobile=", "%20", "：", "\n", "_", "a", "7"])
free_text = st.lists(st.tuples(pii_fragment | plain_fragment, separator), max_size=5).map(
    lambda parts: "".join(fragment + sep for fragment, sep in parts)
)


@settings(max_examples=80, deadline=None)
@given(st.lists(free_text | st.none(), min_size=1, max_size=40))
def test_scrub_agrees_with_python_oracle(compiled_scrub_sql: str, texts: list[str | None]) -> None:
    results = run_scrub_sql(compiled_scrub_sql, texts)
    for text, (scrubbed, is_pii) in zip(texts, results, strict=True):
        assert scrubbed == scrub_pii(text), text
        assert is_pii == looks_like_pii(text), text


SCRUBBED = {
    "call me 13800138000": "call me [phone]",
    "call me 138 0013 8000 or 139-0013-9000": "call me [phone] or [phone]",
    "+86-138-0013-8000": "[phone]",
    "(+86)13800138000": "[phone]",
    "电话：013800138000。": "电话：[phone]。",
    "１３８００１３８０００": "[phone]",
    "13800138000,13900139000,13700137000": "[phone],[phone],[phone]",
    "hk +852 9123 4567 / mo 00853 6612 3456": "hk [phone] / mo [phone]",
    "us +1 (415) 555-0132": "us [phone]",
    "/search?q=%2B8613800138000&page=2": "/search?q=[phone]&page=2",
    "/account?email=Alice.W@Example.com.cn&ref=sms": "/account?email=[email]&ref=sms",
    "/account?email=alice%40example.com": "/account?email=[email]",
    "mail 张三@qq.com now": "mail [email] now",
    "身份证11010119900307123X": "身份证[id_card]",
    "id 110101199003071234, old 110101900307123": "id [id_card], old [id_card]",
    # not personal data: left exactly as they are
    "https://shop.example.com/p/P0013800138000?id=123": None,
    "sha256 3f2a13800138000bc9e1d4": None,
    "order 1234567890123456789": None,
    "118000000000000000": None,
    "2025-06-18T20:15:00+08:00": None,
    "618_20250601-20250618": None,
    "j***@example.com and 138****8000": None,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.44": None,
    # a UUID whose middle groups are all digits (cookie ids of the default sample) and a SKU: for
    # phone numbers a hyphen joined to letters or digits continues the token (not for ID cards)
    "c080084f-0011-8249-2972-0c90778f37f5": None,
    "32a50427-0175-4897-5783-7c0ea143940b": None,
    "/p/SKU-13800138000-B": None,
    "客服电话-13800138000": "客服电话-[phone]",
    "VIP-11010119900307123X": "VIP-[id_card]",
}


def test_scrub_masks_personal_data_and_nothing_else(compiled_scrub_sql: str) -> None:
    texts = list(SCRUBBED)
    results = run_scrub_sql(compiled_scrub_sql, texts)
    for text, (scrubbed, is_pii) in zip(texts, results, strict=True):
        expected = SCRUBBED[text] or text
        assert scrubbed == expected == scrub_pii(text), text
        assert is_pii == (SCRUBBED[text] is not None), text
