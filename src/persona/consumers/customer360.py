"""The queries behind the dashboard's customer-360 page (客户360): one person, whole.

    con = dashboard_data.connect(dashboard_data.warehouse_path())
    found = find(con, "138 0013-8000")          # persona.consumers.profile.lookup
    if found.status == "found":
        page = person(con, found.one_id)          # every section of the page

The lookup, the golden record, the identifiers, the scores, the tags and the audiences come from
:mod:`persona.consumers.profile` (the same functions as ``persona serve``); this module adds what
only the page shows: the OneID's "why linked" evidence (marts.fct_identity_links), its merge and
split history (marts.fct_identity_changes), consent per purpose and channel as a table, one
timeline across channels (persona.consumers.timeline, the API's query too) and the audiences with
the date the person entered them.

Only the `marts` schema is read (and, by the lookup, ``privacy.erased_identifiers`` and the seed of
blocked values, to say "erased" or "excluded"). Nothing returned holds a raw phone, e-mail, openid
or other identifier: identifiers are masked as the profile API masks them, and digests of phones
and e-mails are never shown (a phone's SHA-256 is reversed by trying every number).
"""

from __future__ import annotations

import re
from typing import Any

import duckdb
import pandas as pd

from persona.consumers import profile as api
from persona.consumers import timeline as timelines
from persona.consumers.privacy import looks_like_pii, scrub_pii

#: Timeline rows shown, newest first (the counts per kind cover every row).
TIMELINE_LIMIT = 100
#: "Why linked" rows shown (a shared identifier can carry hundreds of dropped links).
LINKS_LIMIT = 200

#: The marts the page reads through persona.consumers.profile (lookup, profile, tags, audiences),
#: listed here so that the dashboard's exposure (models/exposures.yml) names them.
PROFILE_MARTS = (
    "marts.dim_customers",
    "marts.dim_identifiers",
    "marts.dim_customer_rfm",
    "marts.dim_customer_lifecycle",
    "marts.dim_customer_clv",
    "marts.dim_customer_clusters",
    "marts.dim_customer_propensity",
    "marts.dim_customer_profiles",
    "marts.dim_tags",
    "marts.dim_audiences",
    "marts.fct_audience_members",
    "marts.dim_customer_consents",
)

#: Lookup answers as the page words them.
STATUS_MESSAGES = {
    "no_match": "No match 未找到: nobody in the warehouse has this identifier.",
    "excluded": "Excluded 已排除: this identifier is set aside by OneID and links nobody.",
    "erased": "Erased 已删除: this person asked to be forgotten; nothing is kept about them.",
    "ambiguous": (
        "Ambiguous 多个匹配: read as different identifier types, this value matches several "
        "people. Pick the type."
    ),
}

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


def find(
    con: duckdb.DuckDBPyConnection, text: str, identifier_type: str | None = None
) -> api.LookupResult:
    """What a person typed, resolved as ``persona serve`` resolves it (see
    :func:`persona.consumers.profile.lookup`). Raises
    :class:`persona.consumers.profile.LookupInputError` for input that is no identifier."""
    return api.lookup(api.Marts(con), text, identifier_type or None)


def mask_public(identifier_type: str, value: str | None, display: str | None) -> str | None:
    """A marts identifier value (``public_identifier_value``) as the page shows it: the marts'
    own masked display for phones, e-mails and values that hold them; ``****`` for a digest
    without one; any other value masked as the profile API masks it."""
    value, display = _text(value), _text(display)
    if value is None:
        return None
    if display is not None and display != value:
        return scrub_pii(display) if looks_like_pii(display) else display
    if identifier_type in api.PII_TYPES or _DIGEST.match(value):
        return "****"
    return api.mask_identifier(identifier_type, value)


def _text(value: Any) -> str | None:
    """A text cell of a frame: None for a missing value (pandas reads a null as NaN)."""
    return value if isinstance(value, str) else None


def identifiers(profile: dict[str, Any]) -> pd.DataFrame:
    """The person's identifiers from :func:`persona.consumers.profile.profile`: masked, with
    the sources that carried them and when they were first and last seen."""
    rows = [
        {
            "identifier_type": row["identifier_type"],
            "identifier": row["identifier_masked"],
            "is_key_identifier": row["is_key_identifier"],
            "sources": ", ".join(row["sources"]),
            "first_seen_at": row["first_seen_at"],
            "last_seen_at": row["last_seen_at"],
            "n_rows": row["n_rows"],
        }
        for row in profile["identifiers"]
    ]
    columns = [
        "identifier_type",
        "identifier",
        "is_key_identifier",
        "sources",
        "first_seen_at",
        "last_seen_at",
        "n_rows",
    ]
    return pd.DataFrame(rows, columns=columns)


def identity_links(
    con: duckdb.DuckDBPyConnection, one_id: str, limit: int = LINKS_LIMIT
) -> pd.DataFrame:
    """Why the person's identifiers are one person: the links of marts.fct_identity_links that
    OneID used for this OneID, and the links touching one of its identifiers that a guard dropped
    (with the reason), used first, then by priority and first seen. Both ends masked."""
    api.check_one_id(one_id)
    frame = con.execute(
        """
        with own as (
            select identifier_type, identifier_value
            from marts.dim_identifiers
            where one_id = ?
        ),

        links as (
            -- three equi-joins rather than one OR: each can use a hash join
            select * from marts.fct_identity_links where one_id = ?
            union
            select links.*
            from marts.fct_identity_links as links
            inner join own
                on links.identifier_type_a = own.identifier_type
                and links.identifier_value_a = own.identifier_value
            union
            select links.*
            from marts.fct_identity_links as links
            inner join own
                on links.identifier_type_b = own.identifier_type
                and links.identifier_value_b = own.identifier_value
        )

        select
            links.is_used,
            links.identifier_type_a,
            links.identifier_value_a,
            links.identifier_type_b,
            links.identifier_value_b,
            links.source_model,
            links.link_priority,
            links.n_rows,
            links.first_seen_at,
            links.last_seen_at,
            links.exclusion_reason,
            links.link_id
        from links
        order by
            links.is_used desc, links.link_priority desc, links.first_seen_at,
            links.link_id, links.source_model
        limit ?
        """,
        [one_id, one_id, limit],
    ).df()
    # the ends' masked displays in a second point query (a join to the whole of dim_identifiers
    # costs a scan of it: 0.4 s at 200k people)
    ends = sorted({*frame.identifier_value_a, *frame.identifier_value_b})
    displays = {}
    if ends:
        placeholders = ", ".join("?" for _ in ends)
        displays = {
            (kind, value): display
            for kind, value, display in con.execute(
                "select identifier_type, identifier_value, identifier_display "
                f"from marts.dim_identifiers where identifier_value in ({placeholders})",
                ends,
            ).fetchall()
        }
    for end in ("a", "b"):
        frame[f"identifier_{end}"] = [
            mask_public(kind, value, displays.get((kind, value)))
            for kind, value in zip(
                frame[f"identifier_type_{end}"], frame[f"identifier_value_{end}"], strict=True
            )
        ]
    return frame[
        [
            "is_used",
            "identifier_type_a",
            "identifier_a",
            "identifier_type_b",
            "identifier_b",
            "source_model",
            "link_priority",
            "n_rows",
            "first_seen_at",
            "last_seen_at",
            "exclusion_reason",
            "link_id",
        ]
    ]


def identity_history(con: duckdb.DuckDBPyConnection, one_id: str) -> pd.DataFrame:
    """The OneID's merge and split history and its identifiers' moves (marts.fct_identity_changes
    where the OneID is either side), newest first; identifiers masked, the evidence in words with
    any personal data scrubbed. Empty after a first build."""
    api.check_one_id(one_id)
    frame = con.execute(
        """
        select
            changes.changed_at,
            changes.as_of_date,
            changes.change_type,
            changes.one_id,
            changes.other_one_id,
            changes.identifier_type,
            changes.identifier_value,
            identifiers.identifier_display,
            changes.evidence,
            changes.evidence_link_id
        from marts.fct_identity_changes as changes
        left join marts.dim_identifiers as identifiers
            on changes.identifier_type = identifiers.identifier_type
            and changes.identifier_value = identifiers.identifier_value
        where changes.one_id = ? or changes.other_one_id = ?
        order by
            changes.changed_at desc, changes.change_type, changes.other_one_id,
            changes.identifier_type, changes.identifier_value
        """,
        [one_id, one_id],
    ).df()
    frame["identifier"] = [
        None if _text(kind) is None else mask_public(kind, value, display)
        for kind, value, display in zip(
            frame.identifier_type, frame.identifier_value, frame.identifier_display, strict=True
        )
    ]
    frame["evidence"] = [scrub_pii(_text(text)) for text in frame.evidence]
    return frame[
        [
            "changed_at",
            "as_of_date",
            "change_type",
            "one_id",
            "other_one_id",
            "identifier_type",
            "identifier",
            "evidence",
            "evidence_link_id",
        ]
    ]


#: Timeline kinds in the page's words, and the mart each comes from.
TIMELINE_KINDS = {source.kind: source.table for source in timelines.TIMELINE_SOURCES}


def timeline(
    con: duckdb.DuckDBPyConnection, one_id: str, limit: int = TIMELINE_LIMIT
) -> pd.DataFrame:
    """One timeline across channels, newest first, at most ``limit`` rows: orders (with the net
    amount in yuan), visits (sessions of web, app and mini-program events), service tickets and
    campaign messages (treatment: sent; control: held out), each with its channel. The same query
    as the profile API's timeline (:func:`persona.consumers.timeline.timeline`)."""
    page = timelines.timeline(api.Marts(con), one_id, limit)
    frame = pd.DataFrame(page.rows, columns=list(timelines.COLUMNS))
    # a page without an order has no amount: still a number column
    frame["amount_yuan"] = frame["amount_yuan"].astype("float64")
    return frame


def timeline_counts(con: duckdb.DuckDBPyConnection, one_id: str) -> dict[str, int]:
    """How many timeline rows of each kind the person has (all of them, not only those shown)."""
    return timelines.timeline_counts(api.Marts(con), one_id)


#: Consent cells of the purpose x channel table.
_CONSENT_WORDS = {
    "granted": "✓ granted 同意",
    "withdrawn": "✗ withdrawn 撤回",
    "unreadable": "✗ unreadable 无法识别",
    None: "✗ refused (set-aside CRM row) 拒绝",
}


def consent_matrix(con: duckdb.DuckDBPyConnection, one_id: str) -> pd.DataFrame | None:
    """Consent as it stands at build time (marts.dim_customer_consents) as a purpose x channel
    table: one row per purpose, one column per channel, each cell the latest decision (granted,
    withdrawn, unreadable; a grant overruled by a refusal in a CRM row set aside says so) or
    "–" when the person never decided (no decision, no consent). None when the warehouse
    predates dim_customer_consents."""
    marts = api.Marts(con)
    if not marts.has(api.CONSENT_MART):
        return None
    answer = api.consents(marts, one_id) or {"consents": []}
    cells = {
        (row["purpose"], row["channel"]): (
            _CONSENT_WORDS["granted"]
            if row["is_consented"]
            else _CONSENT_WORDS.get(row["status"] if row["status"] != "granted" else None)
        )
        for row in answer["consents"]
    }
    return pd.DataFrame(
        [
            {
                "purpose 用途": purpose,
                **{
                    channel: cells.get((purpose, channel), "– no decision 未表态")
                    for channel in api.CONSENT_CHANNELS
                },
            }
            for purpose in api.CONSENT_PURPOSES
        ]
    )


def consent_details(con: duckdb.DuckDBPyConnection, one_id: str) -> pd.DataFrame | None:
    """The decisions behind :func:`consent_matrix`: per purpose and channel, whether the person
    may be contacted, the latest decision, when, on which legal basis and from which source.
    None when the warehouse predates dim_customer_consents."""
    marts = api.Marts(con)
    if not marts.has(api.CONSENT_MART):
        return None
    answer = api.consents(marts, one_id) or {"consents": []}
    return pd.DataFrame(answer["consents"], columns=list(api.CONSENT_COLUMNS))


def audiences(con: duckdb.DuckDBPyConnection, one_id: str) -> pd.DataFrame:
    """The audiences and trigger lists the person is in (persona.consumers.profile.audiences),
    with the date they entered (their open stay in marts.fct_audience_membership_history), the
    type (a rule audience or a lookalike expansion) and the kind the definition declares
    (``segment`` or ``trigger``: a trigger list, refreshed every build for a reminder within
    hours)."""
    rows = api.audiences(api.Marts(con), one_id) or []
    frame = pd.DataFrame(
        rows,
        columns=[
            "audience_code",
            "audience_type",
            "kind",
            "name_zh",
            "name_en",
            "channels",
            "purpose",
            "as_of_date",
        ],
    )
    entered = dict(
        con.execute(
            """
            select audience_code, max(entered_on)
            from marts.fct_audience_membership_history
            where one_id = ? and is_current
            group by audience_code
            """,
            [one_id],
        ).fetchall()
    )
    frame["entered_on"] = [entered.get(code) for code in frame.audience_code]
    return frame[
        [
            "audience_code",
            "name_zh",
            "name_en",
            "kind",
            "audience_type",
            "channels",
            "purpose",
            "entered_on",
            "as_of_date",
        ]
    ]


def tags(con: duckdb.DuckDBPyConnection, one_id: str) -> pd.DataFrame:
    """The person's tags (persona.consumers.profile.tags) with the catalog's bilingual names,
    category and definition, in catalog order; tags with no value are left out."""
    rows = api.tags(api.Marts(con), one_id) or []
    columns = [
        "tag_category_en",
        "tag_category_zh",
        "tag_code",
        "name_en",
        "name_zh",
        "value",
        "description",
    ]
    frame = pd.DataFrame(rows, columns=[*columns, "tag_category", "value_type"])
    frame["value"] = [_shown(value) for value in frame["value"]]
    return frame[columns]


def _shown(value: Any) -> str:
    """A tag value as text: whole numbers without ``.0``, booleans as true/false."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def person(
    con: duckdb.DuckDBPyConnection, one_id: str, limit: int = TIMELINE_LIMIT
) -> dict[str, Any] | None:
    """Every section of the page for one OneID, or None when the OneID is unknown: the masked
    profile (golden record, consent summary, scores; see persona.consumers.profile.profile) and
    the frames identifiers, links, history, consent_matrix and consent_details, timeline (with
    timeline_counts), tags and audiences."""
    profile = api.profile(api.Marts(con), one_id)
    if profile is None:
        return None
    return {
        "profile": profile,
        "identifiers": identifiers(profile),
        "links": identity_links(con, one_id),
        "history": identity_history(con, one_id),
        "consent_matrix": consent_matrix(con, one_id),
        "consent_details": consent_details(con, one_id),
        "timeline": timeline(con, one_id, limit),
        "timeline_counts": timeline_counts(con, one_id),
        "tags": tags(con, one_id),
        "audiences": audiences(con, one_id),
    }
