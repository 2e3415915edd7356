"""Reference normalizers for the raw contract's identifier normal forms.

These pure-Python functions are the oracle that the dbt SQL macros are tested against (the raw
input contract ``raw-sources.md``, "Identifiers and their normal form"). Each function takes one
raw value and returns the normal form, or ``None`` when the value is not an identifier.

Common rules
------------
* ``None``, a float NaN and the *null tokens* are not identifiers. A null token is a string that,
  after trimming, equals case-insensitively one of ``''``, ``'null'``, ``'undefined'``,
  ``'none'``, ``'nan'`` (:data:`NULL_TOKENS`); source systems write them for missing values.
* "Trim" removes every blank at either end (:func:`trim_blanks`): white space, Unicode separators
  (no-break, ideographic space), control and format characters (zero-width space and joiners, the
  byte-order mark), as the SQL macro ``trim_blanks`` does. A value made only of them is empty.
* Placeholders (a cashier's ``13800138000``, a zeroed IDFA) are valid identifiers here; telling
  a placeholder from a real identifier is the OneID guard's job, which needs frequencies.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata

# the scrub of free text is used at run time too (persona export-audiences refuses personal data)
from persona.consumers.privacy import looks_like_pii, scrub_pii

__all__ = [
    "NULL_TOKENS",
    "is_null_token",
    "normalize_device_id",
    "identifier_digest",
    "normalize_email",
    "normalize_identifier",
    "normalize_member_card",
    "normalize_phone",
    "normalize_string_id",
    "scoped_buyer_id",
    "looks_like_pii",
    "scoped_openid",
    "scrub_pii",
    "trim_blanks",
]

#: Strings (compared after trimming, case-insensitively) that mean "no value".
NULL_TOKENS: frozenset[str] = frozenset({"", "null", "undefined", "none", "nan"})

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_INTERNATIONAL = re.compile(r"[1-9][0-9]{7,14}")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
#: Unicode categories trimmed at either end: separators (Zs, Zl, Zp), control (Cc), format (Cf)
_BLANK_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def _is_blank(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in _BLANK_CATEGORIES


def trim_blanks(text: str) -> str:
    """``text`` without blanks at either end: white space, Unicode separators, control and format
    characters (``\\u200b`` zero-width space, ``\\ufeff`` byte-order mark, ...)."""
    start, end = 0, len(text)
    while start < end and _is_blank(text[start]):
        start += 1
    while end > start and _is_blank(text[end - 1]):
        end -= 1
    return text[start:end]


def _as_text(raw: object) -> str | None:
    """Return ``raw`` as a trimmed string, or None for None/NaN/null tokens."""
    if raw is None:
        return None
    if isinstance(raw, float):
        if math.isnan(raw):
            return None
        if raw.is_integer():
            raw = int(raw)
    text = trim_blanks(str(raw))
    if text.lower() in NULL_TOKENS:
        return None
    return text


def is_null_token(raw: object) -> bool:
    """True when ``raw`` is None, NaN or a null token (see module docstring)."""
    return _as_text(raw) is None


def normalize_string_id(raw: object) -> str | None:
    """Normal form of a plain string identifier (member_id, cookie_id, unionid, wecom_userid).

    Rule: trim; None, NaN and null tokens (``''``, ``'null'``, ``'undefined'``, ``'none'``,
    ``'nan'``, any case) give None. Case is kept.
    """
    return _as_text(raw)


def normalize_phone(raw: object) -> str | None:
    """Normal form of a phone number: E.164 (raw contract version 2).

    Rules, in order:

    1. None, NaN and null tokens give None. An int is read as its decimal digits.
    2. Unicode NFKC folding, so full-width digits and signs (``１３８``, ``＋``, ``（``) become
       ASCII; trim.
    3. A value containing ``*`` is masked (``138****8000``) and gives None; a value with any
       character but digits, spaces, ``+``, ``-``, ``.``, ``(`` and ``)`` gives None.
    4. Remove the separators: whitespace, ``-``, ``.``, ``(`` and ``)``.
    5. Written with a country code (``+`` or ``00`` first): code ``86`` must be followed by a
       mainland mobile (a trunk ``0`` before it is allowed) and gives ``+86`` and its 11 digits; any
       other code keeps it: ``+`` and 8 to 15 digits in all, not starting with 0 (``+852 9123 4567``
       gives ``+85291234567``, never ``+86...``). A second ``+`` gives None.
    6. Without a country code: strip ``86`` (13 digits in all) or a trunk ``0`` (12 digits in all);
       what is left must be exactly 11 ASCII digits matching ``1[3-9]\\d{9}`` (a mainland mobile);
       otherwise (landline, a foreign number whose code cannot be told, letters) None.

    So ``138 0013 8000``, ``+86-138-0013-8000``, ``8613800138000``, ``008613800138000``,
    ``013800138000`` and ``(+86)13800138000`` all give ``+8613800138000``. The function is
    idempotent: a normal form maps to itself.
    """
    text = _as_text(raw)
    if text is None:
        return None
    text = trim_blanks(unicodedata.normalize("NFKC", text))
    if "*" in text or re.fullmatch(r"[0-9 +()\-.]+", text) is None or text.count("+") > 1:
        return None
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith(("+", "00")):
        code_and_number = digits[1:] if digits.startswith("+") else digits[2:]
        if not code_and_number.isdigit():
            return None
        if code_and_number.startswith("86"):
            national = code_and_number[2:]
            if national.startswith("0"):
                national = national[1:]
            return "+86" + national if _MOBILE.fullmatch(national) else None
        return "+" + code_and_number if _INTERNATIONAL.fullmatch(code_and_number) else None
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 12 and digits.startswith("0"):
        digits = digits[1:]
    if not digits.isascii() or _MOBILE.fullmatch(digits) is None:
        return None
    return "+86" + digits


def normalize_email(raw: object) -> str | None:
    """Normal form of an email address.

    Rule: trim and lower-case; the result must contain exactly one ``@`` with a non-empty
    local part, no whitespace anywhere, and a domain containing a dot that is neither its first
    nor its last character. Anything else (and null tokens) gives None.
    """
    text = _as_text(raw)
    if text is None:
        return None
    text = text.lower()
    if text.count("@") != 1 or any(ch.isspace() for ch in text):
        return None
    local, domain = text.split("@")
    if not local or "." not in domain or domain.startswith(".") or domain.endswith("."):
        return None
    return text


def normalize_member_card(raw: object) -> str | None:
    """Normal form of a membership card number: trim, then upper case; null tokens give None."""
    text = _as_text(raw)
    return None if text is None else text.upper()


def normalize_device_id(raw: object) -> str | None:
    """Normal form of an app device id (IDFA, OAID, Android ID): trim, then lower case.

    Null tokens give None. The zeroed IDFA ``00000000-0000-0000-0000-000000000000`` is returned
    as is; the OneID guard blocks it.
    """
    text = _as_text(raw)
    return None if text is None else text.lower()


def scoped_openid(appid: object, openid: object) -> str | None:
    """Normal form of a WeChat openid: ``<appid>:<openid>``, both parts trimmed.

    An openid is only unique within its appid, so the identifier carries the appid. If either
    part is missing (None, NaN, null token) the result is None.
    """
    app = _as_text(appid)
    oid = _as_text(openid)
    if app is None or oid is None:
        return None
    return f"{app}:{oid}"


def scoped_buyer_id(platform: object, buyer_id: object) -> str | None:
    """Normal form of a marketplace buyer id: ``<platform>:<buyer_id>``.

    The platform is trimmed and lower-cased (``Tmall`` -> ``tmall``), the buyer id trimmed with
    its case kept. If either part is missing (None, NaN, null token) the result is None.
    """
    plat = _as_text(platform)
    buyer = _as_text(buyer_id)
    if plat is None or buyer is None:
        return None
    return f"{plat.lower()}:{buyer}"


#: Identifier types and their normal form, for a value whose type is given beside it (raw
#: contract version 2: consent_events, erasure_requests; the profile lookup).
IDENTIFIER_TYPES: tuple[str, ...] = (
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
)
_SCOPED = re.compile(r"^([^:]+):(.+)$", re.DOTALL)


def normalize_identifier(identifier_type: object, raw: object) -> str | None:
    """Normal form of ``raw`` as an identifier of ``identifier_type``, as the SQL macro
    ``normalize_identifier`` gives it; None when the type is unknown or the value is not one.

    The type is trimmed and lower-cased. An openid is written ``<appid>:<openid>`` and a
    marketplace buyer ``<platform>:<buyer_id>`` (the platform lower-cased): a bare openid or buyer
    id is ambiguous, so it is not an identifier here.
    """
    kind = _as_text(identifier_type)
    value = _as_text(raw)
    if kind is None or value is None:
        return None
    kind = kind.lower()
    if kind == "member_card":
        return normalize_member_card(value)
    if kind == "phone":
        return normalize_phone(value)
    if kind == "email":
        return normalize_email(value)
    if kind == "device_id":
        return normalize_device_id(value)
    if kind in ("member_id", "cookie_id", "unionid", "wecom_userid"):
        return value
    if kind in ("openid", "buyer_id"):
        match = _SCOPED.match(value)
        if match is None:
            return None
        namespace, rest = match.groups()
        return f"{namespace.lower()}:{rest}" if kind == "buyer_id" else value
    return None


def identifier_digest(identifier_type: str, normal_form: str | None) -> str | None:
    """Lower-case hex SHA-256 of ``<identifier_type>:<normal form>``, as the SQL macro
    ``identifier_digest`` gives it: the form of an identifier in the erasure suppression list."""
    if normal_form is None:
        return None
    return hashlib.sha256(f"{identifier_type}:{normal_form}".encode()).hexdigest()
