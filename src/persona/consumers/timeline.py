"""One person's timeline across channels: the query behind the customer-360 page and the profile
API's ``GET /v1/profiles/{one_id}/timeline``.

Orders, visits (sessions of web, app and mini-program events), service tickets and campaign
messages of one OneID, newest first, each with its channel, a reference (order, session, ticket or
campaign id), a short detail in words and, for an order, its net amount in yuan. Read through a
:class:`persona.consumers.profile.Marts` (the warehouse or the published copy, which holds only
the columns of :data:`TIMELINE_SOURCES`, sorted by OneID).

Paging is by keyset: rows are ordered by ``happened_at`` descending, then kind and ``event_id``
(the row's unique id in its mart); a page's cursor is the position of its last row, and the next
page starts after it, so a page never repeats or skips a row even when two rows share a moment.
The cursor is opaque text (URL-safe base64 of that position): clients pass it back unchanged.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from persona.consumers.privacy import scrub_pii
from persona.consumers.profile import LookupInputError, Marts, NotInPublication, check_one_id

__all__ = [
    "MAX_LIMIT",
    "TIMELINE_SOURCES",
    "Source",
    "TimelinePage",
    "decode_cursor",
    "encode_cursor",
    "timeline",
    "timeline_counts",
]

#: The largest page a caller may ask for.
MAX_LIMIT = 500


@dataclass(frozen=True)
class Source:
    """One mart of the timeline: its columns (what the published copy keeps) and its rows in the
    timeline's shape (``{table}`` is the mart's name; ``$one_id`` the person)."""

    kind: str
    table: str
    columns: tuple[str, ...]
    select: str


TIMELINE_SOURCES: tuple[Source, ...] = (
    Source(
        "order",
        "marts.fct_orders",
        (
            "one_id",
            "order_at",
            "channel",
            "order_id",
            "status",
            "is_return",
            "has_coupon",
            "net_amount",
        ),
        """
        select
            order_at as happened_at,
            'order' as kind,
            order_id as event_id,
            channel,
            order_id as reference,
            status
                || case when is_return then ' (return 退货)' else '' end
                || case when has_coupon then ', coupon 用券' else '' end as detail,
            cast(net_amount as double) as amount_yuan
        from {table}
        where one_id = $one_id
        """,
    ),
    Source(
        "visit",
        "marts.fct_sessions",
        (
            "one_id",
            "started_at",
            "channel",
            "session_id",
            "n_events",
            "n_product_views",
            "has_search",
            "has_add_to_cart",
            "has_purchase",
            "is_cart_abandoned",
        ),
        """
        select
            started_at,
            'visit',
            session_id,
            channel,
            session_id,
            n_events || ' events, ' || n_product_views || ' product views'
                || case when has_search then ', searched' else '' end
                || case when has_add_to_cart then ', added to cart' else '' end
                || case when has_purchase then ', purchased' else '' end
                || case when is_cart_abandoned then ' (cart abandoned 加购未买)' else '' end,
            null
        from {table}
        where one_id = $one_id
        """,
    ),
    Source(
        "service",
        "marts.fct_service_tickets",
        ("one_id", "created_at", "channel", "ticket_id", "category", "satisfaction_score"),
        """
        select
            created_at,
            'service',
            ticket_id,
            channel,
            ticket_id,
            category
                || case
                    when satisfaction_score is null then ''
                    else ', satisfaction ' || satisfaction_score || '/5'
                end,
            null
        from {table}
        where one_id = $one_id
        """,
    ),
    Source(
        "campaign",
        "marts.fct_campaign_touches",
        (
            "one_id",
            "sent_at",
            "channel",
            "touch_id",
            "campaign_id",
            "variant",
            "is_opened",
            "is_clicked",
        ),
        """
        select
            sent_at,
            'campaign',
            touch_id,
            channel,
            campaign_id,
            variant
                || case when is_opened then ', opened' else '' end
                || case when is_clicked then ', clicked' else '' end,
            null
        from {table}
        where one_id = $one_id
        """,
    ),
)

#: The columns of a timeline row, in order (``event_id`` is internal: the cursor holds it).
COLUMNS = ("happened_at", "kind", "channel", "reference", "detail", "amount_yuan")


@dataclass
class TimelinePage:
    """A page of the timeline: its rows (dicts with :data:`COLUMNS`), the cursor of the next page
    (None on the last page), and the kinds whose mart was read."""

    rows: list[dict[str, Any]]
    next_cursor: str | None
    kinds: list[str]


def _union(marts: Marts) -> tuple[str, list[str]]:
    sources = [source for source in TIMELINE_SOURCES if marts.has(source.table)]
    if not sources:
        raise NotInPublication(
            "timeline_not_published",
            "These marts hold no timeline mart (fct_orders, fct_sessions, fct_service_tickets, "
            "fct_campaign_touches): rebuild and publish again (make run).",
        )
    sql = "\n        union all\n".join(
        source.select.format(table=marts.name(source.table)) for source in sources
    )
    return f"with timeline as ({sql})\n", [source.kind for source in sources]


def encode_cursor(row: dict[str, Any]) -> str:
    """The opaque cursor after ``row`` (its time, kind and event id)."""
    position = [row["happened_at"].isoformat(), row["kind"], row["event_id"]]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str, str]:
    """The position a cursor holds; :class:`LookupInputError` (``invalid_cursor``) when it is
    not one this module wrote."""
    kinds = {source.kind for source in TIMELINE_SOURCES}
    try:
        if len(cursor) > 1000:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        happened_at, kind, event_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if kind not in kinds or not isinstance(event_id, str):
            raise ValueError("not a timeline position")
        return dt.datetime.fromisoformat(happened_at), kind, event_id
    except (ValueError, TypeError, binascii.Error, UnicodeError) as error:
        raise LookupInputError(
            "invalid_cursor", "The cursor is not one a previous page returned: pass next_cursor."
        ) from error


def timeline(
    marts: Marts,
    one_id: str,
    limit: int = 100,
    cursor: str | None = None,
    con: Any = None,
) -> TimelinePage:
    """At most ``limit`` (1 to :data:`MAX_LIMIT`) rows of the person's timeline, newest first,
    after ``cursor`` (a previous page's ``next_cursor``) when given. The reference and the detail
    are scrubbed of personal data (``[phone]``) should a source put any there."""
    check_one_id(one_id)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise LookupInputError("invalid_limit", f"limit is a whole number from 1 to {MAX_LIMIT}.")
    union, kinds = _union(marts)
    parameters: dict[str, Any] = {"one_id": one_id, "limit": limit + 1}
    after = ""
    if cursor is not None:
        parameters["t"], parameters["k"], parameters["e"] = decode_cursor(cursor)
        after = """
        where happened_at < $t
            or (happened_at = $t and (kind > $k or (kind = $k and event_id > $e)))
        """
    rows = marts.rows(
        union
        + f"""
        select happened_at, kind, event_id, channel, reference, detail, amount_yuan
        from timeline
        {after}
        order by happened_at desc, kind, event_id
        limit $limit
        """,
        parameters,
        con,
    )
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    page = [
        {
            "happened_at": row["happened_at"],
            "kind": row["kind"],
            "channel": row["channel"],
            "reference": scrub_pii(row["reference"]),
            "detail": scrub_pii(row["detail"]),
            "amount_yuan": row["amount_yuan"],
        }
        for row in rows[:limit]
    ]
    return TimelinePage(page, next_cursor, kinds)


def timeline_counts(marts: Marts, one_id: str, con: Any = None) -> dict[str, int]:
    """How many timeline rows of each kind the person has (every row, not one page); 0 for a
    kind whose mart is not in these marts."""
    check_one_id(one_id)
    union, _ = _union(marts)
    rows = marts.rows(
        union + "select kind, count(*) as n from timeline group by kind", {"one_id": one_id}, con
    )
    counts = {row["kind"]: int(row["n"]) for row in rows}
    return {source.kind: counts.get(source.kind, 0) for source in TIMELINE_SOURCES}
