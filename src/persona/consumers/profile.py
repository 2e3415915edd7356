"""One person, whole: look a person up by any identifier and read their masked profile.

The importable API behind ``persona serve`` (and the dashboard's customer-360 page):

* :func:`parse_identifier` turns what a person typed (``138 0013 8000``, ``Jo@QQ.com``,
  ``wx1234:oAbc``, ``tmall:buyer42``, a member id) into candidate identifiers: its type (guessed
  when not given), its normal form (:func:`persona.dev.identifiers.normalize_identifier`, the same
  rules as the SQL build), the value the marts hold (phones, e-mails and values that hold personal
  data as the SHA-256 of the normal form, as ``public_identifier_value`` does) and its erasure
  digest (:func:`persona.dev.identifiers.identifier_digest`).
* :func:`lookup` resolves it on a DuckDB connection to the marts (the published copy, see
  :mod:`persona.consumers.publish`): ``found`` (OneID and masked golden record), ``no_match``,
  ``excluded`` (a blocked value or a shared identifier, with the rule), ``erased`` (the digest is in
  ``privacy.erased_identifiers``: nothing else is said), or ``ambiguous`` (a value whose type was
  guessed matches several people as several types: pass the type).
* :func:`profile`, :func:`tags`, :func:`audiences` and :func:`is_member` read one OneID.

Nothing returned holds a raw phone, e-mail, openid or other identifier: identifiers are masked
(:func:`mask_identifier`), digests of phones and e-mails are not returned either (a phone's
SHA-256 is reversed by trying every number).
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from persona.consumers.privacy import looks_like_pii, scrub_pii
from persona.dev.identifiers import (
    IDENTIFIER_TYPES,
    identifier_digest,
    normalize_identifier,
    normalize_phone,
    trim_blanks,
)

__all__ = [
    "MAX_IDENTIFIER_LENGTH",
    "Candidate",
    "LookupInputError",
    "LookupResult",
    "audiences",
    "consent_summary",
    "consents",
    "guess_types",
    "is_member",
    "lookup",
    "mask_identifier",
    "parse_identifier",
    "profile",
    "tags",
]

#: Longest identifier accepted (characters); longer input is refused, never looked up.
MAX_IDENTIFIER_LENGTH = 256
#: Types whose normal form the marts hold only as SHA-256 (identity_identifier_types.is_pii).
PII_TYPES = frozenset({"phone", "email"})
#: Namespaced types: ``<appid>:<openid>``, ``<platform>:<buyer_id>``; the namespace is not personal.
SCOPED_TYPES = frozenset({"openid", "buyer_id"})
_ONE_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
_AUDIENCE_CODE = re.compile(r"^[A-Za-z0-9_\-]{1,128}$")
_PHONE_CHARACTERS = re.compile(r"^[0-9 +()\-.]+$")


class LookupInputError(ValueError):
    """Input that cannot be looked up; ``code`` is a stable reason for an API's 4xx answer."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Candidate:
    """One reading of the input: a type and its normal form."""

    identifier_type: str
    normal_form: str

    @property
    def is_pii(self) -> bool:
        """As ``int_identifiers_observed.is_pii``: a phone or e-mail, or a value holding one."""
        return self.identifier_type in PII_TYPES or looks_like_pii(self.normal_form)

    @property
    def mart_value(self) -> str:
        """The value ``dim_identifiers.identifier_value`` holds (``public_identifier_value``)."""
        if self.is_pii:
            return hashlib.sha256(self.normal_form.encode()).hexdigest()
        return self.normal_form

    @property
    def erasure_digest(self) -> str:
        """SHA-256 of ``<type>:<normal form>``, the form of ``privacy.erased_identifiers``."""
        digest = identifier_digest(self.identifier_type, self.normal_form)
        assert digest is not None
        return digest

    @property
    def masked(self) -> str:
        return mask_identifier(self.identifier_type, self.normal_form)


@dataclass
class LookupResult:
    """The answer of :func:`lookup`; :meth:`as_dict` is the API's JSON."""

    status: str  # found | no_match | excluded | erased | ambiguous
    identifier_type: str | None = None
    identifier_masked: str | None = None
    one_id: str | None = None
    golden_record: dict[str, Any] | None = None
    exclusion_reason: str | None = None
    exclusion_rule: str | None = None
    exclusion_detail: str | None = None
    types_tried: list[str] = field(default_factory=list)
    matches: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        if self.status == "erased":
            return {"status": "erased"}
        answer: dict[str, Any] = {
            "status": self.status,
            "identifier_type": self.identifier_type,
            "identifier_masked": self.identifier_masked,
        }
        if self.status == "found":
            answer |= {"one_id": self.one_id, "golden_record": self.golden_record}
        elif self.status == "excluded":
            answer |= {
                "exclusion_reason": self.exclusion_reason,
                "exclusion_rule": self.exclusion_rule,
                # the rules' own words quote placeholder numbers (138-0013-8000): scrubbed too
                "exclusion_detail": scrub_pii(self.exclusion_detail),
            }
        elif self.status == "ambiguous":
            answer |= {"matches": self.matches}
        answer["types_tried"] = self.types_tried
        return answer


# -- masking --------------------------------------------------------------------------------------


def _mask_token(text: str) -> str:
    """Keep a quarter of a token (at most 3 characters) at each end: ``M8412425713`` ->
    ``M8***13``; 4 characters or fewer become ``****``."""
    if len(text) <= 4:
        return "****"
    keep = max(1, min(3, len(text) // 4))
    return f"{text[:keep]}***{text[-keep:]}"


def mask_identifier(identifier_type: str, normal_form: str | None) -> str | None:
    """An identifier as people may see it: a mainland phone ``138****8000`` (another country code:
    ``****4567``), an e-mail ``j***@example.com`` (as the marts' ``identifier_display``); an openid
    or buyer id keeps its appid or platform (``wx1234:oK9***AG``); any other identifier keeps a
    quarter of it at each end (``M8***13``). A value of another type that holds a phone or e-mail
    is scrubbed first (``[phone]``)."""
    if normal_form is None:
        return None
    if identifier_type == "phone":
        if normal_form.startswith("+86"):
            return f"{normal_form[3:6]}****{normal_form[-4:]}"
        return f"****{normal_form[-4:]}"
    if identifier_type == "email":
        local, _, domain = normal_form.partition("@")
        return f"{local[:1]}***@{domain}"
    if looks_like_pii(normal_form):
        return scrub_pii(normal_form)
    if identifier_type in SCOPED_TYPES and ":" in normal_form:
        namespace, _, rest = normal_form.partition(":")
        return f"{namespace}:{_mask_token(rest)}"
    return _mask_token(normal_form)


def _mask_mart_identifier(identifier_type: str, value: str, display: str | None) -> str:
    """Mask a ``dim_identifiers`` row: phones, e-mails and scrubbed values are already masked in
    ``identifier_display``; other values are their normal form, masked here."""
    if identifier_type in PII_TYPES or (display is not None and display != value):
        return display or "****"
    return mask_identifier(identifier_type, value) or "****"


# -- parsing --------------------------------------------------------------------------------------


def guess_types(text: str) -> list[str]:
    """The identifier types ``text`` may be, most likely first: an e-mail has an ``@``; a value
    with a ``:`` is an openid (``wx...:``) or a marketplace buyer (``tmall:...``); a value a phone
    normalizer accepts is a phone first; any value may be an account id (member id, card, unionid,
    WeCom id) or a device or cookie id."""
    folded = trim_blanks(unicodedata.normalize("NFKC", text))
    if "@" in folded:
        return ["email"]
    if ":" in folded:
        namespace = folded.split(":", 1)[0].lower()
        return ["openid", "buyer_id"] if namespace.startswith("wx") else ["buyer_id", "openid"]
    candidates = []
    if _PHONE_CHARACTERS.match(folded) and normalize_phone(folded) is not None:
        candidates.append("phone")
    candidates += ["member_id", "member_card", "unionid", "wecom_userid", "device_id", "cookie_id"]
    return candidates


def parse_identifier(
    raw: str | None,
    identifier_type: str | None = None,
    appid: str | None = None,
    platform: str | None = None,
) -> list[Candidate]:
    """The candidate readings of ``raw``: one when ``identifier_type`` is given, else one per
    guessed type whose normalizer accepts it. ``appid`` (or ``platform``) scopes a bare openid (or
    buyer id). Raises :class:`LookupInputError` for input that is no identifier at all."""
    if raw is None or not raw.strip():
        raise LookupInputError("empty_identifier", "Give an identifier to look up.")
    if len(raw) > MAX_IDENTIFIER_LENGTH:
        raise LookupInputError(
            "identifier_too_long",
            f"An identifier has at most {MAX_IDENTIFIER_LENGTH} characters; got {len(raw)}.",
        )
    if "\ufffd" in raw or any(unicodedata.category(ch) == "Cs" for ch in raw):
        raise LookupInputError(
            "undecodable_identifier", "The identifier is not valid UTF-8 text once decoded."
        )
    kind = None
    if identifier_type is not None and identifier_type.strip():
        kind = identifier_type.strip().lower()
        if kind not in IDENTIFIER_TYPES:
            raise LookupInputError(
                "unknown_identifier_type",
                f"Unknown identifier type {kind[:40]!r}; "
                f"the types are {', '.join(IDENTIFIER_TYPES)}.",
            )
    scopes = (("appid", appid, "openid"), ("platform", platform, "buyer_id"))
    for name, scope, scoped_type in scopes:
        if scope is None or not scope.strip():
            continue
        if kind not in (None, scoped_type) or ":" in scope or len(scope) > 64:
            raise LookupInputError(
                f"bad_{name}", f"{name} scopes an {scoped_type}: a short value without ':'."
            )
        kind = scoped_type
        raw = f"{scope.strip()}:{trim_blanks(raw)}"
    types = [kind] if kind is not None else guess_types(raw)
    candidates = []
    for candidate_type in types:
        normal_form = normalize_identifier(candidate_type, raw)
        if normal_form is not None:
            candidates.append(Candidate(candidate_type, normal_form))
    if not candidates:
        if kind is not None:
            raise LookupInputError(
                "invalid_identifier",
                f"This is not a valid {kind}"
                + (
                    " (a phone is a mainland mobile in any common format, or a number written"
                    " with its country code)"
                    if kind == "phone"
                    else " (an openid is <appid>:<openid> or pass appid)"
                    if kind == "openid"
                    else " (a buyer id is <platform>:<buyer_id> or pass platform)"
                    if kind == "buyer_id"
                    else ""
                )
                + ".",
            )
        raise LookupInputError("invalid_identifier", "This is not an identifier of any type.")
    return candidates


# -- reading the marts ----------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """A DuckDB value as JSON: dates as ISO text, decimals and floats as numbers (floats to 6
    decimals: scores need no more, and long digit runs look like phone numbers to a scanner)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    return value


def _rows(con: Any, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params if isinstance(params, dict) else list(params))
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _pick(row: dict[str, Any] | None, columns: Sequence[str]) -> dict[str, Any] | None:
    if row is None:
        return None
    return {column: _jsonable(row[column]) for column in columns if column in row}


class Marts:
    """Where the tables are: ``catalog.schema.table`` names on a connection, and which optional
    tables exist (read once per connection)."""

    def __init__(self, con: Any, catalog: str | None = None):
        self.con = con
        self.catalog = catalog
        self._columns: dict[str, set[str]] = {}
        prefix = f"database_name = '{catalog}' and " if catalog else ""
        self.tables = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                f"select schema_name, table_name from duckdb_tables() where {prefix}true"
            ).fetchall()
        }

    def has(self, name: str) -> bool:
        return name in self.tables

    def name(self, name: str) -> str:
        schema, table = name.split(".")
        return f'"{self.catalog}".{schema}.{table}' if self.catalog else f"{schema}.{table}"

    def rows(
        self, sql: str, params: Sequence[Any] | dict[str, Any] = (), con: Any = None
    ) -> list[dict[str, Any]]:
        return _rows(con or self.con, sql, params)

    def columns(self, name: str, con: Any = None) -> set[str]:
        """The column names of table ``name`` (empty when it is not there)."""
        if name not in self._columns:
            schema, table = name.split(".")
            prefix = "database_name = ? and " if self.catalog else ""
            found = (
                (con or self.con)
                .execute(
                    "select column_name from duckdb_columns() "
                    f"where {prefix}schema_name = ? and table_name = ?",
                    [*([self.catalog] if self.catalog else []), schema, table],
                )
                .fetchall()
            )
            self._columns[name] = {column for (column,) in found}
        return self._columns[name]


GOLDEN_RECORD_COLUMNS = (
    "one_id",
    "gender",
    "birth_year",
    "age",
    "age_band",
    "city",
    "city_tier",
    "city_en",
    "is_member",
    "member_tier",
    "register_channel",
    "registered_at",
    "first_seen_at",
    "last_seen_at",
    "first_order_at",
    "last_order_at",
    "n_orders",
    "total_net_amount",
    "n_channels",
    "phone_masked",
    "phone_source",
    "email_masked",
    "as_of_date",
)


def golden_record(marts: Marts, one_id: str, con: Any = None) -> dict[str, Any] | None:
    """The masked golden record of ``dim_customers``: no digests, the member id masked, the birth
    date as a year."""
    columns = ", ".join((*GOLDEN_RECORD_COLUMNS, "member_id", "channels_used"))
    rows = marts.rows(
        f"select {columns} from {marts.name('marts.dim_customers')} where one_id = ?",
        [one_id],
        con,
    )
    if not rows:
        return None
    row = rows[0]
    record = _pick(row, GOLDEN_RECORD_COLUMNS) or {}
    member_id = row.get("member_id")
    # dim_customers holds a member id that is personal data as its SHA-256: not shown at all
    record["member_id_masked"] = (
        None
        if member_id is None or re.fullmatch(r"[0-9a-f]{64}", member_id)
        else mask_identifier("member_id", member_id)
    )
    channels = row.get("channels_used")
    record["channels_used"] = channels.split(",") if channels else []
    return record


def _blocked_rule(marts: Marts, candidate: Candidate, con: Any = None) -> dict[str, Any] | None:
    """The first blocked-value rule (by rule_id) the normal form matches, as the OneID guard
    applies the seed identity_blocked_values: for a value no source carried."""
    if not marts.has("seeds.identity_blocked_values"):
        return None
    rules = marts.rows(
        f"select * from {marts.name('seeds.identity_blocked_values')} "
        "where identifier_type in ('*', ?) order by rule_id",
        [candidate.identifier_type],
        con,
    )
    for rule in rules:
        value = candidate.normal_form
        if rule["match_type"] == "exact":
            hit = value.lower() == str(rule["blocked_value"]).lower()
        else:
            try:
                hit = re.search(str(rule["blocked_value"]), value) is not None
            except re.error:
                hit = False
        if hit:
            return rule
    return None


def _is_erased(marts: Marts, candidates: Sequence[Candidate], con: Any = None) -> bool:
    if not marts.has("privacy.erased_identifiers"):
        return False
    digests = [candidate.erasure_digest for candidate in candidates]
    placeholders = ", ".join("?" for _ in digests)
    return bool(
        marts.rows(
            f"select 1 as hit from {marts.name('privacy.erased_identifiers')} "
            f"where lower(identifier_digest) in ({placeholders}) limit 1",
            digests,
            con,
        )
    )


def _exclusion_rule(detail: str | None) -> str | None:
    """The rule id in an exclusion detail ``rule phone_same_digit: ...``; a shared identifier's
    rule is the type's max_per_one_id (the detail says it)."""
    if detail and detail.startswith("rule "):
        return detail[5:].split(":", 1)[0]
    return None


def lookup(
    marts: Marts,
    raw: str | None,
    identifier_type: str | None = None,
    appid: str | None = None,
    platform: str | None = None,
    con: Any = None,
) -> LookupResult:
    """Resolve what a person typed to a OneID (see the module docstring for the answers)."""
    candidates = parse_identifier(raw, identifier_type, appid, platform)
    tried = [candidate.identifier_type for candidate in candidates]
    if _is_erased(marts, candidates, con):
        return LookupResult(status="erased")
    # one query for every reading (a guessed type gives up to seven): by value, then by type
    values = sorted({candidate.mart_value for candidate in candidates})
    placeholders = ", ".join("?" for _ in values)
    rows = marts.rows(
        "select identifier_type, identifier_value, one_id, exclusion_reason, exclusion_detail "
        f"from {marts.name('marts.dim_identifiers')} where identifier_value in ({placeholders})",
        values,
        con,
    )
    by_key = {(row["identifier_type"], row["identifier_value"]): row for row in rows}
    hits = [
        (candidate, by_key[(candidate.identifier_type, candidate.mart_value)])
        for candidate in candidates
        if (candidate.identifier_type, candidate.mart_value) in by_key
    ]
    found = [(candidate, row) for candidate, row in hits if row["one_id"] is not None]
    one_ids = sorted({row["one_id"] for _, row in found})
    if len(one_ids) > 1:
        return LookupResult(
            status="ambiguous",
            types_tried=tried,
            matches=[
                {"identifier_type": candidate.identifier_type, "one_id": row["one_id"]}
                for candidate, row in found
            ],
        )
    if found:
        candidate, row = found[0]
        return LookupResult(
            status="found",
            identifier_type=candidate.identifier_type,
            identifier_masked=candidate.masked,
            one_id=row["one_id"],
            golden_record=golden_record(marts, row["one_id"], con),
            types_tried=tried,
        )
    if hits:
        candidate, row = hits[0]
        return LookupResult(
            status="excluded",
            identifier_type=candidate.identifier_type,
            identifier_masked=candidate.masked,
            exclusion_reason=row["exclusion_reason"],
            exclusion_rule=_exclusion_rule(row["exclusion_detail"]),
            exclusion_detail=row["exclusion_detail"],
            types_tried=tried,
        )
    for candidate in candidates:
        rule = _blocked_rule(marts, candidate, con)
        if rule is not None:
            return LookupResult(
                status="excluded",
                identifier_type=candidate.identifier_type,
                identifier_masked=candidate.masked,
                exclusion_reason="blocked_value",
                exclusion_rule=rule["rule_id"],
                exclusion_detail=f"rule {rule['rule_id']}: {rule['reason']}",
                types_tried=tried,
            )
    first = candidates[0]
    return LookupResult(
        status="no_match",
        identifier_type=first.identifier_type if len(candidates) == 1 else None,
        identifier_masked=first.masked,
        types_tried=tried,
    )


def check_one_id(one_id: str) -> None:
    if not _ONE_ID.match(one_id or ""):
        raise LookupInputError(
            "invalid_one_id", "A OneID is 1 to 64 letters, digits, '_' or '-' (oid_...)."
        )


def check_audience_code(code: str) -> None:
    if not _AUDIENCE_CODE.match(code or ""):
        raise LookupInputError(
            "invalid_audience_code", "An audience code is letters, digits, '_' or '-'."
        )


_SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "rfm": (
        "marts.dim_customer_rfm",
        (
            "recency_days",
            "frequency",
            "monetary",
            "first_purchase_on",
            "last_purchase_on",
            "r_score",
            "f_score",
            "m_score",
            "rfm_cell",
            "rfm_segment",
            "rfm_segment_zh",
            "rfm_segment_name_en",
            "value_tier",
            "value_tier_zh",
            "as_of_date",
        ),
    ),
    "lifecycle": (
        "marts.dim_customer_lifecycle",
        (
            "lifecycle_stage",
            "lifecycle_stage_zh",
            "lifecycle_stage_name_en",
            "stage_entered_on",
            "days_in_stage",
            "days_since_last_purchase",
            "last_comeback_on",
            "as_of_date",
        ),
    ),
    "clv": (
        "marts.dim_customer_clv",
        (
            "expected_purchases_90d",
            "expected_purchases_365d",
            "probability_alive",
            "expected_order_value",
            "clv_12m",
            "clv_tier",
            "as_of_date",
        ),
    ),
    "cluster": (
        "marts.dim_customer_clusters",
        ("cluster_id", "cluster_code", "cluster_name_en", "cluster_name_zh", "as_of_date"),
    ),
    "propensity": (
        "marts.dim_customer_propensity",
        (
            "is_buyer",
            "purchase_30d_probability",
            "purchase_intent",
            "purchase_decile",
            "churn_90d_probability",
            "churn_risk",
            "churn_decile",
            "as_of_date",
        ),
    ),
}


#: Consent purposes and channels (dim_customer_consents' accepted values), in display order.
CONSENT_PURPOSES = ("marketing", "personalisation", "third_party_sharing", "analytics")
CONSENT_CHANNELS = ("sms", "email", "wecom", "push", "ad_platform")
#: The channels a person is messaged on (marketing consent on the channel).
MESSAGE_CHANNELS = ("sms", "email", "wecom", "push")
CONSENT_MART = "marts.dim_customer_consents"
CONSENT_COLUMNS = (
    "purpose",
    "channel",
    "is_consented",
    "status",
    "consent_issue",
    "decided_at",
    "legal_basis",
    "decision_source",
    "source_system",
    "consent_decision_id",
)


class NotInPublication(LookupError):
    """A part of the profile whose mart the marts at hand lack (a publication of an older
    warehouse): ``code`` is a stable reason for an API's answer."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


CONSENTS_MISSING = NotInPublication(
    "consents_not_published",
    "These marts have no per-purpose consent (marts.dim_customer_consents): the warehouse was "
    "built before it existed. Rebuild and publish again (make run).",
)


def _is_restricted(marts: Marts, one_id: str, con: Any = None) -> bool | None:
    """dim_customers.is_restricted (a restriction request: never used for marketing,
    personalisation or sharing); None when these marts predate the column."""
    if "is_restricted" not in marts.columns("marts.dim_customers", con):
        return None
    rows = marts.rows(
        f"select is_restricted from {marts.name('marts.dim_customers')} where one_id = ?",
        [one_id],
        con,
    )
    return bool(rows[0]["is_restricted"]) if rows else None


def _consent_rows(marts: Marts, one_id: str, con: Any = None) -> list[dict[str, Any]]:
    purposes = {purpose: n for n, purpose in enumerate(CONSENT_PURPOSES)}
    channels = {channel: n for n, channel in enumerate(CONSENT_CHANNELS)}
    rows = marts.rows(
        f"select {', '.join(CONSENT_COLUMNS)} from {marts.name(CONSENT_MART)} where one_id = ?",
        [one_id],
        con,
    )
    rows.sort(key=lambda r: (purposes.get(r["purpose"], 99), channels.get(r["channel"], 99)))
    return [{key: _jsonable(value) for key, value in row.items()} for row in rows]


def consents(marts: Marts, one_id: str, con: Any = None) -> dict[str, Any] | None:
    """Consent as it stands at build time (marts.dim_customer_consents): one row per purpose and
    channel with a decision on file (no row: no decision, so no consent), in purpose and channel
    order, with whether the person is restricted. None when the OneID is unknown; raises
    :class:`NotInPublication` when the marts lack dim_customer_consents."""
    if not known_one_id(marts, one_id, con):
        return None
    if not marts.has(CONSENT_MART):
        raise CONSENTS_MISSING
    return {
        "one_id": one_id,
        "is_restricted": _is_restricted(marts, one_id, con),
        "consents": _consent_rows(marts, one_id, con),
    }


def consent_summary(marts: Marts, one_id: str, con: Any = None) -> dict[str, Any]:
    """The profile's consent: whether the person is restricted, whether they may be messaged on
    each channel (marketing consent on it and no restriction), and per purpose the channels with
    a decision (allowed or not, and the latest decision); ``available`` false, with the reason,
    when the marts lack dim_customer_consents."""
    restricted = _is_restricted(marts, one_id, con)
    if not marts.has(CONSENT_MART):
        return {
            "available": False,
            "detail": CONSENTS_MISSING.message,
            "is_restricted": restricted,
        }
    rows = _consent_rows(marts, one_id, con)
    purposes: dict[str, dict[str, Any]] = {purpose: {} for purpose in CONSENT_PURPOSES}
    for row in rows:
        purposes.setdefault(row["purpose"], {})[row["channel"]] = {
            "allowed": row["is_consented"],
            "status": row["status"],
        }
    decided = [row["decided_at"] for row in rows if row["decided_at"]]
    return {
        "available": True,
        "is_restricted": restricted,
        "may_message": {
            channel: bool(
                not restricted and purposes["marketing"].get(channel, {}).get("allowed", False)
            )
            for channel in MESSAGE_CHANNELS
        },
        "purposes": purposes,
        "last_decided_at": max(decided) if decided else None,
    }


def profile(marts: Marts, one_id: str, con: Any = None) -> dict[str, Any] | None:
    """The masked profile of one OneID, or None when the OneID is unknown: golden record, consent
    (:func:`consent_summary`: restricted, may message, per purpose and channel), identifiers
    (masked, with sources and first/last seen), RFM, lifecycle, CLV, cluster and propensity (each
    with its as-of date; null when the person has none)."""
    check_one_id(one_id)
    record = golden_record(marts, one_id, con)
    if record is None:
        return None
    by_one_id = (
        "marts.dim_identifiers_by_one_id"
        if marts.has("marts.dim_identifiers_by_one_id")
        else "marts.dim_identifiers"
    )
    identifiers = [
        {
            "identifier_type": row["identifier_type"],
            "identifier_masked": _mask_mart_identifier(
                row["identifier_type"], row["identifier_value"], row["identifier_display"]
            ),
            "is_key_identifier": row["is_key_identifier"],
            "sources": [s.strip() for s in (row["source_models"] or "").split(",") if s.strip()],
            "first_seen_at": _jsonable(row["first_seen_at"]),
            "last_seen_at": _jsonable(row["last_seen_at"]),
            "n_rows": row["n_rows"],
        }
        for row in marts.rows(
            "select identifier_type, identifier_value, identifier_display, is_key_identifier, "
            "source_models, first_seen_at, last_seen_at, n_rows "
            f"from {marts.name(by_one_id)} where one_id = ? "
            "order by identifier_type, first_seen_at, identifier_value",
            [one_id],
            con,
        )
    ]
    answer: dict[str, Any] = {
        "one_id": one_id,
        "golden_record": record,
        "consent": consent_summary(marts, one_id, con),
        "identifiers": identifiers,
    }
    for section, (table, columns) in _SECTIONS.items():
        rows = (
            marts.rows(f"select * from {marts.name(table)} where one_id = ?", [one_id], con)
            if marts.has(table)
            else []
        )
        answer[section] = _pick(rows[0], columns) if rows else None
    return answer


def known_one_id(marts: Marts, one_id: str, con: Any = None) -> bool:
    check_one_id(one_id)
    return bool(
        marts.rows(
            f"select 1 as hit from {marts.name('marts.dim_customers')} where one_id = ?",
            [one_id],
            con,
        )
    )


def tags(marts: Marts, one_id: str, con: Any = None) -> list[dict[str, Any]] | None:
    """The person's rule tags with the catalog's bilingual names, in catalog order; a tag whose
    value is null (unknown, not applicable) is left out, as in fct_customer_tags. None when the
    OneID is unknown. Read from the wide dim_customer_profiles (one row per person)."""
    check_one_id(one_id)
    rows = marts.rows(
        f"select * from {marts.name('marts.dim_customer_profiles')} where one_id = ?",
        [one_id],
        con,
    )
    if not rows:
        return None if not known_one_id(marts, one_id, con) else []
    values = rows[0]
    catalog = marts.rows(
        "select tag_code, name_zh, name_en, tag_category, tag_category_zh, tag_category_en, "
        f"value_type, description from {marts.name('marts.dim_tags')} "
        "order by display_order, tag_code",
        con=con,
    )
    answer = []
    for entry in catalog:
        value = values.get(entry["tag_code"])
        if value is None:
            continue
        if isinstance(value, str) and looks_like_pii(value):
            value = scrub_pii(value)
        answer.append({**entry, "value": _jsonable(value)})
    return answer


def audiences(marts: Marts, one_id: str, con: Any = None) -> list[dict[str, Any]] | None:
    """The audiences the person is in (as of the build), with their names, channels and kind
    (``segment``, a standing audience, or ``trigger``, a trigger list: refreshed every build for a
    reminder within hours; null in marts built before dim_audiences had the column); None when the
    OneID is unknown."""
    if not known_one_id(marts, one_id, con):
        return None
    members = marts.name("marts.fct_audience_members")
    definitions = marts.name("marts.dim_audiences")
    kind = (
        "audiences.kind"
        if "kind" in marts.columns("marts.dim_audiences", con)
        else "cast(null as varchar)"
    )
    return [
        {key: _jsonable(value) for key, value in row.items()}
        for row in marts.rows(
            "select members.audience_code, audiences.audience_type, "
            f"{kind} as kind, audiences.name_zh, "
            "audiences.name_en, audiences.channels, audiences.purpose, members.as_of_date "
            f"from {members} as members left join {definitions} as audiences "
            "on members.audience_code = audiences.audience_code "
            "where members.one_id = ? order by members.audience_code",
            [one_id],
            con,
        )
    ]


def audience_exists(marts: Marts, code: str, con: Any = None) -> bool:
    check_audience_code(code)
    return bool(
        marts.rows(
            f"select 1 as hit from {marts.name('marts.dim_audiences')} where audience_code = ?",
            [code],
            con,
        )
    )


def is_member(marts: Marts, code: str, one_id: str, con: Any = None) -> bool:
    """Whether ``one_id`` is in audience ``code`` as of the build."""
    return bool(
        marts.rows(
            f"select 1 as hit from {marts.name('marts.fct_audience_members')} "
            "where one_id = ? and audience_code = ?",
            [one_id, code],
            con,
        )
    )
