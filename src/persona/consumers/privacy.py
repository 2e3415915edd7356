"""Personal data inside free text: find it and mask it, as the SQL macro ``scrub_pii`` does.

Used at run time by ``persona export-audiences`` (a file that would hold a phone number, e-mail or
ID-card number is refused) and as the oracle the SQL macro is tested against (re-exported by
``persona.dev.identifiers``).
"""

from __future__ import annotations

import re

__all__ = ["looks_like_pii", "scrub_pii"]

# The same patterns as the SQL macro scrub_pii
# (macros/normalize/scrub_pii.sql), written for Python's re ("$" is "\Z": Python's "$" also
# matches before a final line break, RE2's does not).
_DIGIT = "[0-9\uff10-\uff19]"
_BOUNDARY = "(^|[^0-9\uff10-\uff19A-Za-z]|%[0-9A-Fa-f]{2})"
_BOUNDARY_AFTER = "([^0-9\uff10-\uff19A-Za-z]|%[0-9A-Fa-f]{2}|\\Z)"
# phones: a hyphen joined to letters or digits continues the token (UUID groups, SKUs)
_PHONE_BOUNDARY = "(^-?|[^0-9\uff10-\uff19A-Za-z\\-]-?|%[0-9A-Fa-f]{2})"
_PHONE_BOUNDARY_AFTER = "(-?[^0-9\uff10-\uff19A-Za-z\\-]|-?\\Z|%[0-9A-Fa-f]{2})"
_EMAIL_PART = '[^ \\t\\r\\n@<>()\\[\\],;:"=&?/*%：，。；、（）【】《》]+'
_DAY = "(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_ID_CARD = (
    f"[1-9][0-9]{{5}}(?:(?:18|19|20)[0-9]{{2}}{_DAY}[0-9]{{3}}[0-9Xx]|[0-9]{{2}}{_DAY}[0-9]{{3}})"
)
_MOBILE_IN_TEXT = (
    "(?:[(]?(?:[+]|＋|%2[Bb]|00)?86[)]?[ \\-]?|0)?[1１][3-9３-９]"
    f"{_DIGIT}(?:[ \\-]?{_DIGIT}{{4}}){{2}}"
)
_INTERNATIONAL_IN_TEXT = "(?:[+]|＋|%2[Bb]|00)[1-9](?:[ ()\\-]{0,2}[0-9]){7,14}"
_EMAIL_IN_TEXT = re.compile(f"{_EMAIL_PART}(?:@|%40){_EMAIL_PART}\\.[A-Za-z]{{2,}}")
_BOUNDED_PII = [
    (re.compile(f"{before}(?:{pattern}){after}"), f"\\1[{kind}]\\2")
    for before, pattern, after, kind in [
        (_BOUNDARY, _ID_CARD, _BOUNDARY_AFTER, "id_card"),
        (_PHONE_BOUNDARY, _MOBILE_IN_TEXT, _PHONE_BOUNDARY_AFTER, "phone"),
        (_PHONE_BOUNDARY, _INTERNATIONAL_IN_TEXT, _PHONE_BOUNDARY_AFTER, "phone"),
    ]
]


def scrub_pii(text: str | None) -> str | None:
    """``text`` with personal data masked, as the SQL macro ``scrub_pii`` does.

    * an e-mail address (``name@domain.tld``, also URL-encoded ``name%40domain.tld``) becomes
      ``[email]``;
    * a mainland ID-card number, as a whole token, becomes ``[id_card]``: 18 characters (a region
      code not starting with 0, a birth date from 1800 to 2099, three digits, a check digit or
      ``X``) or the old 15 digits (region, ``YYMMDD``, three digits);
    * a phone number, as a whole token, becomes ``[phone]``: a mainland mobile in any common
      format (``13800138000``, ``138 0013 8000``, ``+86-138-0013-8000``, ``(+86)13800138000``,
      ``013800138000``, full-width digits) or a number written with a country code (``+`` or
      ``00``, or URL-encoded ``%2B``, then 8 to 15 digits: ``+852 9123 4567``).

    A whole token is not inside a longer run of ASCII letters and digits (so hashes and product
    ids are left alone); a phone number joined to one by a hyphen is not a phone number either
    (the all-digit groups of a UUID, a SKU such as ``SKU-13800138000``); a percent escape
    (``%20``, ``%3D``) counts as a separator. A separator between two numbers belongs to the first
    match, hence the second pass of each bounded pattern. None stays None.
    """
    if text is None:
        return None
    scrubbed = _EMAIL_IN_TEXT.sub("[email]", text)
    for pattern, replacement in _BOUNDED_PII:
        for _ in range(2):
            scrubbed = pattern.sub(replacement, scrubbed)
    return scrubbed


def looks_like_pii(value: str | None) -> bool:
    """True when an identifier value holds a phone number, an e-mail address or an ID-card
    number (:func:`scrub_pii` changes it): identity then treats it as personal data."""
    return value is not None and scrub_pii(value) != value
