"""Consent decisions and data-subject requests: the optional privacy tables of raw contract v2.

Runs last in a chunk, after every other table is built, and only *adds* two tables
(``consent_events``, ``erasure_requests``) and two truth tables. Every draw comes from its own
random stream (:func:`privacy_rng`: the run's seed, the constant :data:`PRIVACY_STREAM` and the
chunk), it reads the chunk's linking evidence without changing it, so every other file is
byte-identical to a run without this pass (as :mod:`persona.dev.generate.referrals`).

Whose identifiers
-----------------
A decision or a request carries one identifier the person really has in the other tables: a
*linked* identifier (carried by some raw row together with another of the person's identifiers,
exactly the identifiers of ``_truth/identity.parquet``), taken from the person's largest
*linkable part* (a WeChat user who never authorized a phone is a part apart from their CRM
membership; all decisions of a person use one part, so an ideal linker puts them on one OneID).
Cookies are never used. Only the deliberately unknown identifiers (a phone with the unused
prefix 147, an openid ``oZz0...``, a member id of 11 digits, an ``@unknown.invalid`` e-mail)
belong to nobody.

Identifiers are written in raw form, as a source system writes them: phones in the dirty forms of
:func:`strings.phone_form` (spaces, ``+86-`` with dashes, ``86`` / ``0086`` prefixes, a leading
zero, ``(+86)``, full-width digits; requests always in a non-normalized form), e-mails with upper
case or spaces, member cards in lower case, device ids in upper case, ids with a stray space. An
openid is written ``<appid>:<openid>`` and a marketplace buyer ``<platform>:<buyer_id>`` (the
contract's scoped forms: a bare openid is ambiguous across appids); a platform is sometimes
capitalized (``Tmall:...``).

Consent model (rates in :class:`config.PrivacyRates`)
-----------------------------------------------------
* Marketing withdrawals on a channel the person is reachable on (sms: a phone or a membership;
  email; wecom: a WeCom contact or unionid; push: an app device), sometimes on channel ``all``;
  some withdrawers grant again later. Grants: app users opting in to push, WeCom contacts granting
  wecom marketing, web e-mail subscriptions.
* Separate consent (``legal_basis`` ``separate_consent``) to ``third_party_sharing`` on channel
  ``ad_platform``, some withdrawn later; refusals of ``personalisation`` (usually channel
  ``all``), a few granted again; a little ``analytics`` noise (channel ``all``).
* ``source_system`` is one of crm, app, miniprogram, wecom, service, web, chosen by the channel
  (sms: service / crm / web; email: web / crm; push: app; wecom: wecom / miniprogram; ...) among
  the systems that know one of the person's identifiers; the identifier type follows the system
  (crm: member id, card, phone, e-mail; app: device, member id, phone; miniprogram: openid,
  unionid, phone; wecom: wecom_userid, unionid; service: phone, member id, openid, buyer id,
  e-mail, card; web: e-mail, member id, phone).
* Messiness a staging layer must handle: a grant at exactly the ``recorded_at`` of a withdrawal
  for the same person, purpose and channel (the withdrawal wins); grants dated 36 years ahead (a
  typo'd year: quarantined) and a withdrawal dated so (applies at once); rows with an unknown
  purpose (``profiling``, ``newsletter``) or channel (``wechat``, ``phone_call``, ``mms``); rows
  with a null ``recorded_at``; exact duplicate rows (same ``consent_event_id``); a decision by
  an identifier nobody has. ``recorded_at`` is a typed timestamp column, so an *unparseable*
  time cannot occur in the generated files (a null one does).

Requests: about one person in a thousand requests erasure (at least ``erasure_min_per_10k`` per
10,000 persons, among them two members with orders, a mini-program-only person and a person seen
on four or more channels when the chunk has them) and a few restriction; some erasure requesters
send a second request by another identifier; two requests per chunk come by an identifier nobody
has. The identifier types cover phone, openid, member id, e-mail and device id when the chunk's
requesters have them. ``requested_at`` falls in the last ``request_window_days`` of the window.

Truth
-----
``_truth/consent.parquet`` (:data:`CONSENT_TRUTH_SCHEMA`): one row per person, purpose and channel
with at least one effective decision in ``consent_events`` (``all`` expanded to sms, email,
wecom, push, ad_platform), with the status resolved as of the generation end by the contract's
rules: the latest ``recorded_at`` wins, at equal times a withdrawal wins (then the smallest
``consent_event_id`` is named as the deciding row); grants dated after the window end are
ignored (quarantined), withdrawals dated so apply; rows with an unknown purpose or channel or a
null ``recorded_at`` are ignored. The CRM opt-in flags (``crm_members.sms_opt_in`` /
``email_opt_in``, marketing decisions by the contract) are **not** in this truth: compare with a
warehouse only where the CRM has no say, i.e. outside marketing on sms and email.

``_truth/privacy_requests.parquet`` (:data:`REQUESTS_TRUTH_SCHEMA`): one row per request with the
person it belongs to (null for the unknown identifiers) and its identifier in the contract's
normal form (:mod:`persona.dev.identifiers`).

Windows: "future" means after the window end (the generation ``end`` date, Asia/Shanghai). Future
rows are 36 years ahead, so a staging layer that compares with the build time agrees.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from persona.dev import identifiers as ids
from persona.dev.generate import strings as st
from persona.dev.generate.config import APPIDS, PLATFORMS, PRIVACY_RATES
from persona.dev.generate.persons import DAY_US, US
from persona.dev.generate.truth import NORMALIZERS, SLOT_KINDS, Evidence, RateCounter

#: Added to the run's seed sequence: the privacy pass's own random stream.
PRIVACY_STREAM = 0x9B1C7A3D

PURPOSES = ("marketing", "personalisation", "third_party_sharing", "analytics")
CHANNELS = ("sms", "email", "wecom", "push", "ad_platform")  # 'all' expands to these
STATUSES = ("granted", "withdrawn")
LEGAL_BASES = ("consent", "separate_consent", "contract", "legal_obligation")
SOURCE_SYSTEMS = ("crm", "app", "miniprogram", "wecom", "service", "web")
REQUEST_TYPES = ("erasure", "restriction")

#: Identifier types a decision or request may carry (a cookie is never used).
ID_TYPES = (
    "member_id",
    "member_card",
    "phone",
    "email",
    "device_id",
    "openid",
    "unionid",
    "wecom_userid",
    "buyer_id",
)
#: The identifier types each source system writes.
SOURCE_TYPES: dict[str, tuple[str, ...]] = {
    "crm": ("member_id", "member_card", "phone", "email"),
    "app": ("device_id", "member_id", "phone"),
    "miniprogram": ("openid", "unionid", "phone"),
    "wecom": ("wecom_userid", "unionid"),
    "service": ("phone", "member_id", "openid", "buyer_id", "email", "member_card"),
    "web": ("email", "member_id", "phone"),
}
#: (purpose, channel) -> source systems with weights; channel None = any other channel.
SOURCES: dict[tuple[str, str | None], tuple[tuple[str, float], ...]] = {
    ("marketing", "sms"): (("service", 0.5), ("crm", 0.3), ("web", 0.2)),
    ("marketing", "email"): (("web", 0.7), ("crm", 0.3)),
    ("marketing", "push"): (("app", 1.0),),
    ("marketing", "wecom"): (("wecom", 0.8), ("miniprogram", 0.2)),
    ("marketing", None): (("crm", 0.4), ("service", 0.4), ("miniprogram", 0.1), ("app", 0.1)),
    ("third_party_sharing", None): (
        ("miniprogram", 0.4),
        ("app", 0.3),
        ("web", 0.2),
        ("crm", 0.05),
        ("service", 0.05),
    ),
    ("personalisation", None): (("app", 0.4), ("miniprogram", 0.4), ("web", 0.2)),
    ("analytics", None): (("web", 0.5), ("app", 0.3), ("miniprogram", 0.2)),
}
#: Raw phone forms (strings.PHONE_FORMS) and their weights in decisions; requests never "clean".
PHONE_FORM_WEIGHTS = {
    "clean": 0.50,
    "spaces": 0.15,
    "plus86_dashes": 0.12,
    "86_prefix": 0.06,
    "0086_prefix": 0.04,
    "leading_zero": 0.03,
    "paren_plus86": 0.05,
    "fullwidth": 0.05,
}
#: Request identifier types that the requests of a chunk should cover (rarest first).
REQUEST_TYPES_COVERED = ("openid", "device_id", "email", "member_id", "phone")
REQUEST_TYPE_WEIGHTS = {
    "phone": 0.35,
    "member_id": 0.20,
    "openid": 0.15,
    "email": 0.10,
    "device_id": 0.05,
    "member_card": 0.05,
    "unionid": 0.05,
    "buyer_id": 0.03,
    "wecom_userid": 0.02,
}
#: Erased persons each chunk includes when it has them: two members with orders, a
#: mini-program-only person, a person on four or more channels.
PROFILES = 4
UNKNOWN_PURPOSES = ("profiling", "newsletter")
UNKNOWN_CHANNELS = ("wechat", "phone_call", "mms")
FUTURE_YEARS = 36  # a typo'd year: 2026 -> 2062

S = pa.string()
UTC_TS = pa.timestamp("us", tz="UTC")
CONSENT_TRUTH_SCHEMA = pa.schema(
    [
        ("person_id", S),
        ("purpose", S),
        ("channel", S),
        ("status", S),
        ("consent_event_id", S),
        ("recorded_at", UTC_TS),
    ]
)
REQUESTS_TRUTH_SCHEMA = pa.schema(
    [
        ("request_id", S),
        ("request_type", S),
        ("requested_at", UTC_TS),
        ("person_id", S),
        ("identifier_type", S),
        ("identifier_value", S),
    ]
)

_PER = dict(SLOT_KINDS)
_BIT = {kind: b for b, kind in enumerate(ID_TYPES)}


def privacy_rng(seed: int, chunk: int) -> np.random.Generator:
    """The privacy pass's random stream for one chunk, apart from the tables' stream."""
    return np.random.default_rng(np.random.SeedSequence([seed, PRIVACY_STREAM, chunk]))


def normal_form(identifier_type: str, raw: str | None) -> str | None:
    """The contract's normal form of a raw ``identifier_value`` of ``identifier_type``.

    ``openid`` and ``buyer_id`` arrive scoped (``<appid>:<openid>``, ``<platform>:<buyer_id>``).
    """
    if identifier_type in ("openid", "buyer_id"):
        if raw is None:
            return None
        scope, sep, value = ids.trim_blanks(raw).partition(":")
        if not sep:
            return None
        if identifier_type == "openid":
            return ids.scoped_openid(scope, value)
        return ids.scoped_buyer_id(scope, value)
    return NORMALIZERS[identifier_type](raw)


class Owned:
    """Which linked identifiers each person of the chunk has in their main linkable part."""

    def __init__(self, P, ev: Evidence) -> None:
        reg = ev.registry
        n = P.n
        self.n = n
        self.P = P
        groups = ev.linkable_groups()
        slots = np.flatnonzero(ev.linked)
        person = slots % n if n else slots  # slot = base + k * n + person, base a multiple of n
        g = groups[slots]
        main = np.full(n, -1, dtype=np.int64)
        if len(slots):
            pairs, counts = np.unique(np.stack([person, g], axis=1), axis=0, return_counts=True)
            order = np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))
            p_sorted = pairs[order, 0]
            first = np.ones(len(order), dtype=bool)
            first[1:] = p_sorted[1:] != p_sorted[:-1]
            main[p_sorted[first]] = pairs[order[first], 1]
        self.has: dict[str, np.ndarray] = {}
        self.seen: dict[str, np.ndarray] = {}
        for kind, per in SLOT_KINDS:
            lo = reg.base[kind]
            rng_slots = np.arange(lo, lo + per * n, dtype=np.int64).reshape(per, n)
            owner = np.arange(n)
            self.has[kind] = ev.linked[rng_slots] & (groups[rng_slots] == main[owner][None, :])
            self.seen[kind] = ev.seen[rng_slots]
        # per person, a bit per identifier type of ID_TYPES they have (fast look-ups in loops)
        bits = np.zeros(n, dtype=np.int64)
        for b, kind in enumerate(ID_TYPES):
            bits |= self.has[kind].any(axis=0).astype(np.int64) << b
        self.bits = bits.tolist()
        self._values: dict[tuple[str, int], list] = {}

    def any_of(self, kinds) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for kind in kinds:
            out |= self.has[kind].any(axis=0)
        return out

    def types_of(self, i: int, kinds=ID_TYPES) -> list[str]:
        m = self.bits[i]
        return [k for k in kinds if m >> _BIT[k] & 1]

    def value(self, kind: str, k: int, i: int) -> str:
        key = (kind, k)
        if key not in self._values:
            self._values[key] = self.P.values[kind][k].to_pylist()
        return self._values[key][i]


class _Builder:
    """Rows of one chunk, with the draws made in a fixed order from the pass's stream."""

    def __init__(self, rng: np.random.Generator, own: Owned) -> None:
        self.rng = rng
        self.own = own

    def pick(self, options: list, weights: list[float]):
        w = np.asarray(weights, dtype=np.float64)
        j = int(np.searchsorted(np.cumsum(w / w.sum()), self.rng.random(), side="right"))
        return options[min(j, len(options) - 1)]

    def raw_identifier(self, kind: str, i: int, request: bool = False) -> tuple[str, str]:
        """(raw value, normal form) of one of person i's identifiers of ``kind``."""
        own, rng = self.own, self.rng
        ks = [k for k in range(_PER[kind]) if own.has[kind][k, i]]
        k = ks[-1] if kind == "phone" else ks[int(rng.random() * len(ks))]
        v = own.value(kind, k, i)
        u = rng.random()
        if kind == "phone":
            forms = [f for f in PHONE_FORM_WEIGHTS if not (request and f == "clean")]
            form = self.pick(forms, [PHONE_FORM_WEIGHTS[f] for f in forms])
            raw = st.phone_form(pa.array([v], S), form)[0].as_py()
        elif kind == "email":
            raw = (
                [v, v.upper(), f" {v}", f"{v} ", v[:1].upper() + v[1:]][int(u * 5)]
                if u < 0.3
                else v
            )
        elif kind == "member_card":
            raw = (v.lower() if u < 0.1 else f" {v}") if u < 0.15 else v
        elif kind == "device_id":
            raw = v.upper() if u < 0.2 else v
        elif kind == "openid":
            raw = f"{APPIDS[k]}:{v}"
        elif kind == "buyer_id":
            plat = PLATFORMS[k]
            raw = f"{plat.capitalize() if u < 0.2 else plat}:{v}"
        else:  # member_id, unionid, wecom_userid
            raw = f"{v} " if u < 0.1 else v
        return raw, normal_form(kind, raw)

    def source_and_type(self, i: int, purpose: str, channel: str) -> tuple[str, str]:
        own = self.own
        options = SOURCES.get((purpose, channel)) or SOURCES.get((purpose, None))
        options = options or SOURCES[("marketing", None)]  # an unknown purpose
        usable = [(s, w) for s, w in options if own.types_of(i, SOURCE_TYPES[s])]
        if not usable:
            usable = [(s, 1.0) for s in SOURCE_SYSTEMS if own.types_of(i, SOURCE_TYPES[s])]
        source = self.pick([s for s, _ in usable], [w for _, w in usable])
        types = own.types_of(i, SOURCE_TYPES[source])
        return source, types[int(self.rng.random() * len(types))]


def _future(t_us: int) -> int:
    """The same instant with the year FUTURE_YEARS ahead (a typo'd year)."""
    dt = datetime.fromtimestamp(t_us // US, UTC)
    try:
        later = dt.replace(year=dt.year + FUTURE_YEARS)
    except ValueError:  # 29 February
        later = dt.replace(year=dt.year + FUTURE_YEARS, day=28)
    return int(later.timestamp()) * US + t_us % US


def _count(rng: np.random.Generator, population: int, rate: float, minimum: int) -> int:
    return min(population, max(int(rng.binomial(population, rate)), minimum))


def add_privacy(ctx, P, B, ev: Evidence, chunk: int, counter: RateCounter):
    """The chunk's ``consent_events`` and ``erasure_requests`` and their truth tables.

    Returns ``(consent_events, erasure_requests, consent_truth, requests_truth)``; realized rates
    go to ``counter`` (names ``consent.*`` and ``requests.*``).
    """
    r = PRIVACY_RATES
    rng = privacy_rng(ctx.seed, chunk)
    salt = int(np.random.SeedSequence([ctx.seed, PRIVACY_STREAM]).generate_state(1, np.uint64)[0])
    n = P.n
    own = Owned(P, ev)
    bld = _Builder(rng, own)
    # decisions and requests fall in the design window; truth is as of --end (out_us)
    end_us = int(ctx.start_utc_us + ctx.design_days * DAY_US)
    out_us = int(ctx.start_utc_us + ctx.out_days * DAY_US)
    lo_us = P.first_us + 3600 * US
    eligible = own.any_of(ID_TYPES) & (lo_us < end_us - 2 * DAY_US)
    reach = {
        "sms": own.any_of(("phone", "member_id")),
        "email": own.any_of(("email",)),
        "wecom": own.any_of(("wecom_userid", "unionid")),
        "push": own.any_of(("device_id",)),
    }
    wecom_contact = own.has["wecom_userid"][0]
    # all per-person draws up front, in a fixed order
    u = rng.random((14, n))
    f = rng.random((9, n))

    # rows: [person, id_type, raw, normal, purpose, channel, status, basis, t_us, source]
    rows: list[list] = []
    # when each row is exported (the day file it is in): its recorded_at, or for a row whose
    # recorded_at is null or decades ahead, the time of the decision it copies
    deliver: dict[int, int] = {}

    def decide(i, purpose, channel, status, basis, t, deliver_t=None):
        source, kind = bld.source_and_type(i, purpose, channel)
        raw, norm = bld.raw_identifier(kind, i)
        rows.append([i, kind, raw, norm, purpose, channel, status, basis, t, source])
        deliver[id(rows[-1])] = t if deliver_t is None else deliver_t
        return rows[-1]

    # who decides what (realized rates: hits among the population each rate applies to)
    has_chan = reach["sms"] | reach["email"] | reach["wecom"] | reach["push"]
    mw = eligible & has_chan & (u[0] < r.marketing_withdrawal)
    regrant = mw & (u[2] < r.marketing_regrant)
    grant_pop = {
        "push": eligible & reach["push"],
        "wecom": eligible & wecom_contact,
        "email": eligible & reach["email"],
    }
    grant = {
        "push": grant_pop["push"] & (u[3] < r.push_grant),
        "wecom": grant_pop["wecom"] & (u[4] < r.wecom_grant),
        "email": grant_pop["email"] & (u[5] < r.email_grant),
    }
    tp = eligible & (u[6] < r.third_party_grant)
    tpw = tp & (u[7] < r.third_party_withdrawal)
    pers = eligible & (u[8] < r.personalisation_refusal)
    an = eligible & (u[11] < r.analytics_decision)
    for name, hit, population in (
        ("marketing_withdrawal", mw, eligible & has_chan),
        ("marketing_regrant", regrant, mw),
        ("push_grant", grant["push"], grant_pop["push"]),
        ("wecom_grant", grant["wecom"], grant_pop["wecom"]),
        ("email_grant", grant["email"], grant_pop["email"]),
        ("third_party_grant", tp, eligible),
        ("third_party_withdrawal", tpw, tp),
        ("personalisation_refusal", pers, eligible),
        ("analytics_decision", an, eligible),
    ):
        counter.add(f"consent.{name}", int(hit.sum()), int(population.sum()))
    deciders = mw | grant["push"] | grant["wecom"] | grant["email"] | tp | pers | an

    for i in np.flatnonzero(deciders).tolist():
        lo = int(lo_us[i])
        span = end_us - 1 - lo
        chans = [c for c in ("sms", "email", "wecom", "push") if reach[c][i]]
        # marketing withdrawal (and a later grant again)
        if mw[i]:
            ch = "all" if u[1, i] < r.withdrawal_all_channels else chans[int(f[0, i] * len(chans))]
            t = lo + int(f[1, i] * span)
            decide(i, "marketing", ch, "withdrawn", "consent", t)
            if regrant[i]:
                t2 = t + int(f[2, i] * (end_us - 1 - t))
                decide(i, "marketing", ch, "granted", "consent", t2)
        # grants: push in the app, wecom marketing by a WeCom contact, e-mail on the web
        for ch in ("push", "wecom", "email"):
            if grant[ch][i]:
                decide(i, "marketing", ch, "granted", "consent", lo + int(f[3, i] * span))
        # separate consent to third-party sharing, sometimes withdrawn later
        if tp[i]:
            t = lo + int(f[4, i] * span)
            decide(i, "third_party_sharing", "ad_platform", "granted", "separate_consent", t)
            if tpw[i]:
                t2 = t + int(f[5, i] * (end_us - 1 - t))
                decide(i, "third_party_sharing", "ad_platform", "withdrawn", "separate_consent", t2)
        # refusal of personalisation, a few granted again
        if pers[i]:
            ch = "all"
            if u[9, i] >= r.personalisation_all and chans:
                ch = chans[int(f[8, i] * len(chans))]
            t = lo + int(f[6, i] * span)
            decide(i, "personalisation", ch, "withdrawn", "consent", t)
            if u[10, i] < r.personalisation_regrant:
                t2 = t + int(f[7, i] * (end_us - 1 - t))
                decide(i, "personalisation", ch, "granted", "consent", t2)
        # analytics noise
        if an[i]:
            withdrawn = u[12, i] < r.analytics_withdrawn
            basis = "consent" if withdrawn or u[13, i] < 0.5 else "contract"
            status = "withdrawn" if withdrawn else "granted"
            decide(i, "analytics", "all", status, basis, lo + int(f[7, i] * span))

    n_eligible = int(eligible.sum())
    base = list(rows)
    withdrawals = [x for x in base if x[6] == "withdrawn"]
    grants = [x for x in base if x[6] == "granted"]

    def sample(pool: list, k: int) -> list:
        if not pool or k <= 0:
            return []
        idx = np.sort(rng.choice(len(pool), size=min(k, len(pool)), replace=False))
        return [pool[j] for j in idx.tolist()]

    messy: dict[str, int] = {}
    # a grant at exactly the time of a withdrawal that is its key's latest (the withdrawal wins)
    latest: dict[tuple, list] = {}
    for x in base:
        key = (x[0], x[4], x[5])
        if key not in latest or x[8] > latest[key][8]:
            latest[key] = x
    last_withdrawals = [x for x in withdrawals if latest[(x[0], x[4], x[5])] is x]
    k = _count(rng, len(withdrawals), r.tie_grant, r.min_tie_grants)
    picked = sample(last_withdrawals, k)
    for x in picked:
        decide(x[0], x[4], x[5], "granted", x[7], x[8])
    messy["tie_grant"] = len(picked)
    # grants dated in the future (quarantined), on a key whose latest decision is a withdrawal
    k = _count(rng, n_eligible, r.future_grant, r.min_future_grants)
    picked = sample(last_withdrawals, k)
    for x in picked:
        decide(x[0], x[4], x[5], "granted", x[7], _future(x[8]), x[8])
    messy["future_grant"] = len(picked)
    # a withdrawal dated in the future (applies at once), on a granted key
    k = _count(rng, n_eligible, r.future_withdrawal, r.min_future_withdrawals)
    picked = sample(grants, k)
    for x in picked:
        decide(x[0], x[4], x[5], "withdrawn", x[7], _future(x[8]), x[8])
    messy["future_withdrawal"] = len(picked)
    # unknown purpose / channel, null recorded_at: copies of a decision, status flipped
    half = r.unknown_vocab / 2
    for what, vocab in (("purpose", UNKNOWN_PURPOSES), ("channel", UNKNOWN_CHANNELS)):
        picked = sample(base, _count(rng, len(base), half, r.min_unknown_vocab))
        for x in picked:
            flip = "granted" if x[6] == "withdrawn" else "withdrawn"
            bad = str(vocab[int(rng.random() * len(vocab))])
            p, c = (bad, x[5]) if what == "purpose" else (x[4], bad)
            decide(x[0], p, c, flip, x[7], x[8] + int(rng.random() * (end_us - 1 - x[8])))
        messy[f"unknown_{what}"] = len(picked)
    picked = sample(base, _count(rng, len(base), r.null_recorded_at, r.min_null_recorded_at))
    for x in picked:
        flip = "granted" if x[6] == "withdrawn" else "withdrawn"
        decide(x[0], x[4], x[5], flip, x[7], None, x[8])
    messy["null_recorded_at"] = len(picked)
    # a decision by an identifier nobody has (an opt-out texted from an unknown number)
    unknown_phones = _unknown_values(rng, "phone", r.unknown_identifier_decisions)
    for raw in unknown_phones:
        t = end_us - 1 - int(rng.random() * 30 * DAY_US)
        rows.append(
            [-1, "phone", raw, normal_form("phone", raw), "marketing", "sms", "withdrawn"]
            + ["consent", t, "service"]
        )
        deliver[id(rows[-1])] = t
    messy["unknown_identifier"] = len(unknown_phones)

    # ids in export order (by recorded_at, null last), then exact duplicates re-sent at the end
    never = np.iinfo(np.int64).max
    rows.sort(key=lambda x: (never if x[8] is None else x[8], x[0], x[4], x[5], x[6], x[2]))
    keys = (np.uint64(chunk) << np.uint64(32)) + np.arange(len(rows), dtype=np.uint64)
    event_ids = st.concat("ce_", st.to_pa(st.encode(st.mix64(keys, salt), st.HEX, 16)))
    event_ids = event_ids.to_pylist() if len(rows) else []
    delivered: dict[str, int] = {}
    for x, eid in zip(rows, event_ids, strict=True):
        x.append(eid)
        delivered[eid] = deliver[id(x)]
    dups = sample(rows, _count(rng, len(rows), r.duplicate_row, r.min_duplicate_rows))
    messy["duplicate_row"] = len(dups)
    exported = rows + [list(x) for x in dups]
    # populations: withdrawals (ties), eligible persons (future rows), decisions (the rest)
    populations = {"tie_grant": len(withdrawals), "future_grant": n_eligible}
    populations["future_withdrawal"] = n_eligible
    populations["unknown_identifier"] = len(unknown_phones)
    for name, k in messy.items():
        counter.add(f"consent.{name}", k, populations.get(name, len(base)))

    consent_events = pa.table(
        {
            "consent_event_id": pa.array([x[10] for x in exported], S),
            "identifier_type": pa.array([x[1] for x in exported], S),
            "identifier_value": pa.array([x[2] for x in exported], S),
            "purpose": pa.array([x[4] for x in exported], S),
            "channel": pa.array([x[5] for x in exported], S),
            "status": pa.array([x[6] for x in exported], S),
            "legal_basis": pa.array([x[7] for x in exported], S),
            "recorded_at": pa.array([x[8] for x in exported], UTC_TS),
            "source_system": pa.array([x[9] for x in exported], S),
            # not a contract column: the time the row is exported at (core.py files it by day)
            "_deliver_at": pa.array([delivered[x[10]] for x in exported], UTC_TS),
        }
    )
    consent_truth = _resolve(P, [x for x in rows if delivered[x[10]] < out_us], out_us)
    requests, requests_truth = _requests(P, B, own, bld, rng, chunk, salt, eligible, end_us)
    counter.add("requests.erasure", requests_truth["n_erasure"], n)
    counter.add("requests.restriction", requests_truth["n_restriction"], n)
    return consent_events, requests, consent_truth, requests_truth["table"]


def _unknown_values(rng: np.random.Generator, kind: str, k: int) -> list[str]:
    """Raw values of ``kind`` that no generated person has."""
    out = []
    for _ in range(k):
        d = "".join(str(x) for x in rng.integers(0, 10, 11))
        if kind == "phone":
            out.append(f"147 {d[:4]} {d[4:8]}")  # prefix 147 is never generated
        elif kind == "openid":
            tail = "".join(st.B64.decode()[j] for j in rng.integers(0, 64, 24).tolist())
            out.append(f"{APPIDS[0]}:oZz0{tail}")  # prefix oZz0 is never generated
        elif kind == "member_id":
            out.append(f"M{d}")  # members have 10 digits
        else:
            out.append(f"User{d}@Unknown.invalid")
    return out


def _resolve(P, rows: list[list], end_us: int) -> pa.Table:
    """The consent truth: the contract's resolution over the effective rows."""
    best: dict[tuple[int, str, str], tuple] = {}
    for x in rows:
        person, purpose, channel, status, t = x[0], x[4], x[5], x[6], x[8]
        if person < 0 or t is None or purpose not in PURPOSES:
            continue
        if channel not in CHANNELS and channel != "all":
            continue
        if status == "granted" and t >= end_us:
            continue  # a future grant is quarantined
        # latest first, a withdrawal first at equal times, then the smallest id
        rank = (-t, 0 if status == "withdrawn" else 1, x[10])
        for ch in CHANNELS if channel == "all" else (channel,):
            key = (person, purpose, ch)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, status, x[10], t)
    keys = sorted(best, key=lambda k: (k[0], k[1], k[2]))
    pids = P.person_id.to_pylist()
    return pa.table(
        {
            "person_id": pa.array([pids[k[0]] for k in keys], S),
            "purpose": pa.array([k[1] for k in keys], S),
            "channel": pa.array([k[2] for k in keys], S),
            "status": pa.array([best[k][1] for k in keys], S),
            "consent_event_id": pa.array([best[k][2] for k in keys], S),
            "recorded_at": pa.array([best[k][3] for k in keys], UTC_TS),
        },
        schema=CONSENT_TRUTH_SCHEMA,
    )


def _requests(P, B, own: Owned, bld: _Builder, rng, chunk, salt, eligible, end_us):
    """Erasure and restriction requests of the chunk and their truth."""
    r = PRIVACY_RATES
    n = P.n
    window_lo = end_us - r.request_window_days * DAY_US
    cand = eligible & (P.first_us + DAY_US < end_us - DAY_US)
    n_orders = np.bincount(B.person, minlength=n)
    n_other = np.bincount(B.person[B.channel != 0], minlength=n)
    # profiles the erasure requests must include when the chunk has them
    member_orders = cand & P.is_member & (n_orders > 0) & own.has["member_id"][0]
    outside_mp = [k for k, _ in SLOT_KINDS if k not in ("openid", "unionid", "phone")]
    mp_only = cand & P.has_mp & ~P.is_member & ~P.has_web & ~P.has_app & (n_other == 0)
    for kind in outside_mp:
        mp_only &= ~own.seen[kind].any(axis=0)
    mp_only &= own.has["openid"].any(axis=0)
    families = (
        ("member_id", "member_card"),
        ("device_id",),
        ("openid", "unionid"),
        ("buyer_id",),
        ("wecom_userid",),
        ("cookie_id",),
    )
    n_fam = sum(own.any_of(fam).astype(np.int64) for fam in families)
    multi = cand & (n_fam >= 4)

    cap = max(1, n // 25)
    minimum = max(math.ceil(r.erasure_min_per_10k * n / 10_000), PROFILES)
    n_erase = max(int(rng.binomial(n, r.erasure)), minimum)
    n_erase = min(n_erase, cap, int(cand.sum()))
    n_restrict = max(
        int(rng.binomial(n, r.restriction)), math.ceil(r.restriction_min_per_10k * n / 10_000)
    )
    taken = np.zeros(n, dtype=bool)
    erase: list[int] = []

    def draw(mask: np.ndarray, k: int) -> list[int]:
        pool = np.flatnonzero(mask & ~taken)
        if len(pool) == 0 or k <= 0:
            return []
        got = np.sort(rng.choice(pool, size=min(k, len(pool)), replace=False)).tolist()
        taken[got] = True
        return got

    for mask, k in ((member_orders, 2), (mp_only, 1), (multi, 1)):  # the PROFILES
        erase += draw(mask, min(k, n_erase - len(erase)))
    erase += draw(cand, n_erase - len(erase))
    restrict = draw(cand, min(n_restrict, cap))
    people = [(i, "erasure") for i in erase] + [(i, "restriction") for i in restrict]

    # identifier types: cover as many of the listed types as the people allow (a maximum
    # matching of types to people, so a greedy pick cannot leave one uncovered), then by weight
    kinds: list[str | None] = [None] * len(people)
    if people:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import maximum_bipartite_matching

        has = np.array(
            [[bool(own.has[want][:, i].any()) for i, _ in people] for want in REQUEST_TYPES_COVERED]
        )
        match = maximum_bipartite_matching(csr_matrix(has.astype(np.int8)), perm_type="column")
        for w, j in enumerate(match.tolist()):
            if j >= 0:
                kinds[j] = REQUEST_TYPES_COVERED[w]
    out = []  # (person, request_type, kind, raw, normal, t)
    for j, (i, rtype) in enumerate(people):
        avail = own.types_of(i)
        kind = kinds[j] or bld.pick(avail, [REQUEST_TYPE_WEIGHTS[t] for t in avail])
        lo = max(window_lo, int(P.first_us[i]) + DAY_US)
        t = lo + int(rng.random() * (end_us - 1 - lo))
        raw, norm = bld.raw_identifier(kind, i, request=True)
        out.append((i, rtype, kind, raw, norm, t))
        if rtype == "erasure" and rng.random() < r.repeat_request and len(avail) > 1:
            other = [x for x in avail if x != kind]
            kind2 = bld.pick(other, [REQUEST_TYPE_WEIGHTS[x] for x in other])
            raw2, norm2 = bld.raw_identifier(kind2, i, request=True)
            t2 = t + 1 + int(rng.random() * min(14 * DAY_US, end_us - 2 - t))  # days later
            out.append((i, rtype, kind2, raw2, norm2, t2))
    kinds_unknown = ["phone", "openid", "member_id", "email"]
    chosen = rng.choice(len(kinds_unknown), size=r.unknown_requests, replace=True).tolist()
    for c in chosen:
        kind = kinds_unknown[c]
        raw = _unknown_values(rng, kind, 1)[0]
        t = window_lo + int(rng.random() * (end_us - 1 - window_lo))
        out.append((-1, "erasure", kind, raw, normal_form(kind, raw), t))
    out.sort(key=lambda x: (x[5], x[0], x[3]))
    keys = (np.int64(chunk) << np.int64(20)) + np.arange(len(out), dtype=np.int64)
    rids = st.concat("DSR", st.digits(st.affine(keys, 10**12, salt % 10**12), 12))
    rids = rids.to_pylist() if out else []
    pids = P.person_id.to_pylist()
    requests = pa.table(
        {
            "request_id": pa.array(rids, S),
            "identifier_type": pa.array([x[2] for x in out], S),
            "identifier_value": pa.array([x[3] for x in out], S),
            "request_type": pa.array([x[1] for x in out], S),
            "requested_at": pa.array([x[5] for x in out], UTC_TS),
        }
    )
    truth = pa.table(
        {
            "request_id": pa.array(rids, S),
            "request_type": pa.array([x[1] for x in out], S),
            "requested_at": pa.array([x[5] for x in out], UTC_TS),
            "person_id": pa.array([pids[x[0]] if x[0] >= 0 else None for x in out], S),
            "identifier_type": pa.array([x[2] for x in out], S),
            "identifier_value": pa.array([x[4] for x in out], S),
        },
        schema=REQUESTS_TRUTH_SCHEMA,
    )
    return requests, {"table": truth, "n_erasure": len(erase), "n_restriction": len(restrict)}
