"""Reference normalizers of the raw contract's identifier normal forms."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona.dev.identifiers import (
    is_null_token,
    normalize_device_id,
    normalize_email,
    normalize_member_card,
    normalize_phone,
    normalize_string_id,
    scoped_buyer_id,
    scoped_openid,
    trim_blanks,
)

E164 = "+8613800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "+86-138-0013-8000",
        "+86 138 0013 8000",
        "8613800138000",
        "008613800138000",
        "013800138000",
        "(+86)13800138000",
        "(+86) 138-0013-8000",
        "１３８００１３８０００",
        "＋８６ １３８ ００１３ ８０００",
        "  13800138000\t",
        "138.0013.8000",
        "+8613800138000",
        13800138000,
        13800138000.0,
    ],
)
def test_phone_dirty_forms_normalize_to_e164(raw: object) -> None:
    assert normalize_phone(raw) == E164


@pytest.mark.parametrize(
    "raw",
    [
        None,
        float("nan"),
        "",
        "   ",
        "null",
        "NULL",
        "undefined",
        "None",
        "nan",
        "138****8000",
        "138****8000 ",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits without trunk zero
        "12800138000",  # second digit 2 is not a mobile range
        "02112345678",  # Shanghai landline
        "021-1234-5678",
        "1380013800a",
        "86 1380013800",
        "tel:13800138000",
    ],
)
def test_phone_not_an_identifier(raw: object) -> None:
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+1 415 555 0100", "+14155550100"),
        ("+44 7911 123456", "+447911123456"),
        ("00852 9123 4567", "+85291234567"),
        ("(+886) 912-345-678", "+886912345678"),
        ("＋８５３ ６６１２ ３４５６", "+85366123456"),
    ],
)
def test_phone_with_another_country_code_keeps_it(raw: str, expected: str) -> None:
    """Contract version 2: never re-prefixed with +86; idempotent."""
    assert normalize_phone(raw) == expected
    assert normalize_phone(expected) == expected


@pytest.mark.parametrize("raw", ["+1 415", "+0 415 555 0100", "+86 21 1234 5678", "+852+9123"])
def test_phone_with_a_country_code_still_needs_a_number(raw: str) -> None:
    assert normalize_phone(raw) is None


def test_placeholder_phone_is_kept_for_the_guard() -> None:
    assert normalize_phone("138 8888 8888") == "+8613888888888"
    assert normalize_phone("18888888888") == "+8618888888888"


def test_email() -> None:
    assert normalize_email("  Lily.Chen@QQ.com ") == "lily.chen@qq.com"
    assert normalize_email("a@b.cn") == "a@b.cn"
    for bad in [
        "",
        "null",
        "lily",
        "lily@qq",
        "a@@b.com",
        "@qq.com",
        "a@.com",
        "a@qq.",
        "a b@qq.com",
    ]:
        assert normalize_email(bad) is None, bad


def test_member_card_device_and_string_ids() -> None:
    assert normalize_member_card(" lz0012345678 ") == "LZ0012345678"
    assert normalize_member_card("undefined") is None
    assert normalize_device_id(" 6E71EFA5-AC3B-2AB1-957C-0BF9BF8EDA27 ") == (
        "6e71efa5-ac3b-2ab1-957c-0bf9bf8eda27"
    )
    assert normalize_device_id("00000000-0000-0000-0000-000000000000") == (
        "00000000-0000-0000-0000-000000000000"
    )
    assert normalize_string_id("  M0012 ") == "M0012"
    for token in ["", " ", "null", "Null", "undefined", "UNDEFINED", "none", "None", None]:
        assert normalize_string_id(token) is None
        assert is_null_token(token)
    assert not is_null_token("0")


def test_scoped_identifiers() -> None:
    assert scoped_openid(" wx8f3a ", " oX3aAbc ") == "wx8f3a:oX3aAbc"
    assert scoped_openid(None, "oX3a") is None
    assert scoped_openid("wx8f3a", "null") is None
    assert scoped_buyer_id("Tmall", " AAGx ") == "tmall:AAGx"
    assert scoped_buyer_id("jd", "") is None
    assert scoped_buyer_id(None, "x") is None


# ---------------------------------------------------------------- property tests
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_FULLWIDTH = str.maketrans("0123456789+()", "０１２３４５６７８９＋（）")


def _format(number: str, style: int, sep: str) -> str:
    a, b, c = number[:3], number[3:7], number[7:]
    grouped = sep.join([a, b, c])
    return [
        number,
        grouped,
        f"+86{sep}{grouped}",
        f"86{number}",
        f"0086{number}",
        f"0{number}",
        f"(+86){grouped}",
        f"+86{number}",
        f"  {grouped}  ",
    ][style]


@given(
    mobiles,
    st.integers(min_value=0, max_value=8),
    st.sampled_from(["", " ", "-", ".", "  "]),
    st.booleans(),
)
def test_any_formatting_of_a_mobile_gives_the_same_e164(
    number: str, style: int, sep: str, fullwidth: bool
) -> None:
    raw = _format(number, style, sep)
    if fullwidth:
        raw = raw.translate(_FULLWIDTH)
    assert normalize_phone(raw) == "+86" + number


@given(st.text(max_size=30))
def test_phone_normalization_is_idempotent(raw: str) -> None:
    once = normalize_phone(raw)
    if once is not None:
        assert normalize_phone(once) == once
        assert len(once) == 14 and once.startswith("+861")


@given(mobiles)
def test_masked_mobiles_are_never_identifiers(number: str) -> None:
    assert normalize_phone(number[:3] + "****" + number[7:]) is None


@given(st.text(max_size=40))
def test_other_normalizers_are_idempotent(raw: str) -> None:
    for fn in (normalize_email, normalize_member_card, normalize_device_id, normalize_string_id):
        once = fn(raw)
        if once is not None:
            assert fn(once) == once
            assert once == once.strip()


@given(st.emails())
def test_valid_emails_survive_case_and_spaces(email: str) -> None:
    norm = normalize_email(email)
    if norm is not None:  # hypothesis may produce domains without a dot
        assert normalize_email(f"  {email.upper()} ") == norm


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u200bM001\u00a0", "M001"),
        ("\tM001\r\n", "M001"),
        ("\ufeffM 001\u3000", "M 001"),
        ("\t\n", None),
        ("\u200b\u200c\u200d\u2060", None),
        ("\x00\x1f", None),
    ],
)
def test_blanks_of_every_kind_are_trimmed_and_alone_mean_empty(
    raw: str, expected: str | None
) -> None:
    """Contract version 2: tabs, line breaks, Unicode and zero-width spaces count as empty."""
    assert normalize_string_id(raw) == expected
    assert trim_blanks(raw) == (expected or "")
