"""Who brought whom: the optional referral columns of raw contract version 2, with their truth.

Runs after a chunk's event tables are built and only *adds* columns to them:
``miniprogram_events.scene`` and ``share_from_openid``, ``web_events.referrer_member_id``. Every
draw comes from its own random stream (:func:`referral_rng`: the run's seed, the constant
:data:`REFERRAL_STREAM` and the chunk), never from the stream the other tables use, and no row is
added or removed, so every other column and file is byte-identical to a run without this pass.

Model (rates in :class:`ReferralRates`):

* A person *arrives* with their earliest valid event (web, app or mini-program; an event written
  with a broken timestamp does not count). Only an arrival on the web (not from an internet-cafe
  PC) or in the mini-program can come through a share or an invitation.
* A few persons are *sharers*, each with a heavy-tailed share weight (log-normal): a few share a
  lot. A referred person becomes a sharer too with probability ``promote``, which gives cascades
  of two, three or more generations.
* Arrivals are taken in time order. A referable arrival is referred with probability
  ``referred_mp`` / ``referred_web``; the referrer is drawn by weight among the sharers already
  *active where the share is resolvable* before the arrival: for the mini-program, a valid event
  under the same appid (their openid there is known to the brand); for the web, a logged-in web or
  app event (their member id is). When nobody qualifies, the arrival stays organic.
* Every event of the referred person's arrival session carries the referrer's identifier
  (``share_from_openid`` = the referrer's openid under the session's appid, ``referrer_member_id``
  = the referrer's member id), and mini-program events a share scene (1007 chat, 1008 group, 1044
  share ticket). Organic sessions have organic scenes (1001 discovery, 1089 recent, 1011 QR code,
  1035 official account, 1053 search, 1038 return from another mini-program) and no referrer.
* Noise that brings nobody: later sessions that come through a share (``repeat_share``), a share
  of one's own card (``self_share``), and arrivals whose share identifier is unknown
  (``unknown_referrer``: an openid or member id nobody in the data has).

Truth: ``_truth/referrals.parquet``, one row per referred person (:data:`TRUTH_SCHEMA`), with the
identifiers on both ends in the contract's normal form, so a warehouse maps the truth onto its own
OneIDs exactly as it resolves the raw rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from persona.dev import identifiers as ids
from persona.dev.generate import strings as st
from persona.dev.generate.config import APPIDS

#: Added to the run's seed sequence: the referral pass's own random stream.
REFERRAL_STREAM = 0x5EFE22A1

SHARE_SCENES = np.array([1007, 1008, 1044], dtype=np.int64)
SHARE_SCENE_P = np.array([0.70, 0.25, 0.05])
ORGANIC_SCENES = np.array([1001, 1089, 1011, 1035, 1053, 1038], dtype=np.int64)
ORGANIC_SCENE_P = np.array([0.25, 0.35, 0.12, 0.10, 0.12, 0.06])

#: Channel codes of the referral groups: 0/1 mini-program under APPIDS[0]/[1], 2 web.
GROUP_CHANNEL = ("miniprogram", "miniprogram", "web")

TRUTH_SCHEMA = pa.schema(
    [
        ("referred_person_id", pa.string()),
        ("referrer_person_id", pa.string()),
        ("channel", pa.string()),
        ("first_visit_at", pa.timestamp("us", tz="UTC")),
        ("referred_identifier_type", pa.string()),
        ("referred_identifier_value", pa.string()),
        ("referrer_identifier_type", pa.string()),
        ("referrer_identifier_value", pa.string()),
        ("generation", pa.int64()),
    ]
)

_INF = np.iinfo(np.int64).max
_B64 = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"))


@dataclass(frozen=True)
class ReferralRates:
    """Stated rates of the referral pass; each comment names its population."""

    sharer: float = 0.06  # persons with any event who share from the start
    share_weight_sigma: float = 1.4  # log-normal sigma of a sharer's weight (heavy tail)
    promote: float = 0.20  # referred persons who go on to share
    promoted_weight: float = 0.3  # their share weight relative to a first-hand sharer's
    referred_mp: float = 0.15  # mini-program arrivals that come through a share
    referred_web: float = 0.12  # web arrivals (not from a cafe PC) through an invite link
    unknown_referrer: float = 0.01  # referable arrivals carrying an identifier nobody has
    repeat_share: float = 0.03  # later sessions (mini-program, web) that come through a share
    self_share: float = 0.005  # later sessions carrying the person's own identifier


REFERRAL_RATES = ReferralRates()


def referral_rng(seed: int, chunk: int) -> np.random.Generator:
    """The referral pass's random stream for one chunk, apart from the tables' stream."""
    return np.random.default_rng(np.random.SeedSequence([seed, REFERRAL_STREAM, chunk]))


def _first_per(key: np.ndarray, order_keys: tuple[np.ndarray, ...], n: int) -> np.ndarray:
    """Per key 0..n-1, the index of its first row by ``order_keys`` (last is primary); -1 none."""
    out = np.full(n, -1, dtype=np.int64)
    if len(key) == 0:
        return out
    # only rows holding their key's smallest primary value can be first: sort just those
    best = np.full(n, _INF, dtype=np.int64)
    np.minimum.at(best, key, order_keys[-1])
    cand = np.flatnonzero(order_keys[-1] == best[key])
    order = np.lexsort((*(k[cand] for k in order_keys), key[cand]))
    k = key[cand][order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    out[k[first]] = cand[order[first]]
    return out


def _min_per(key: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, _INF, dtype=np.int64)
    np.minimum.at(out, key, value)
    return out


def _fake_ids(rng: np.random.Generator, prefix: str, n: int, alphabet: np.ndarray, width: int):
    chars = alphabet[rng.integers(0, len(alphabet), (n, width))]
    return [prefix + "".join(row) for row in chars]


def add_referrals(ctx, P, event_rows: dict, tables: dict[str, pa.Table], chunk: int):
    """Add the referral columns to ``tables`` (in place) and return the chunk's truth table."""
    r = REFERRAL_RATES
    rng = referral_rng(ctx.seed, chunk)
    n = P.n
    web, app = event_rows["web_events"], event_rows["app_events"]
    mp = event_rows["miniprogram_events"]
    n_sessions = 1 + max(int(x["session"].max(initial=-1)) for x in (web, app, mp))

    # arrival: each person's earliest valid event (true time = written time), its session
    parts = []
    for code, x in enumerate((mp, app, web)):
        ok = x["written"] == x["t"]
        parts.append((x["person"][ok], x["t"][ok], np.full(int(ok.sum()), code), x["session"][ok]))
    person = np.concatenate([p[0] for p in parts])
    t = np.concatenate([p[1] for p in parts])
    surface = np.concatenate([p[2] for p in parts])
    session = np.concatenate([p[3] for p in parts])
    first = _first_per(person, (session, surface, t), n)
    has_event = first >= 0
    arr_t = np.where(has_event, t[np.maximum(first, 0)], _INF)
    arr_surface = np.where(has_event, surface[np.maximum(first, 0)], -1)
    arr_session = np.where(has_event, session[np.maximum(first, 0)], -1)

    # per session: appid code (mini-program), cafe PC and cookie slot (web)
    sess_app = np.full(n_sessions, -1, dtype=np.int64)
    sess_app[mp["session"]] = mp["app"]
    sess_cafe = np.zeros(n_sessions, dtype=bool)
    sess_cafe[web["session"]] = web["cafe"]
    sess_cookie = np.zeros(n_sessions, dtype=np.int64)
    sess_cookie[web["session"]] = web["cookie_k"]

    # the referral group of an arrival: 0/1 mini-program under that appid, 2 web, -1 none
    group = np.full(n, -1, dtype=np.int64)
    on_mp = arr_surface == 0
    group[on_mp] = sess_app[arr_session[on_mp]]
    on_web = (arr_surface == 2) & ~sess_cafe[np.maximum(arr_session, 0)]
    group[on_web] = 2

    # since when each person's share is resolvable in each group
    active_since = np.full((3, n), _INF, dtype=np.int64)
    ok = mp["written"] == mp["t"]
    for k in (0, 1):
        m = ok & (mp["app"] == k)
        active_since[k] = _min_per(mp["person"][m], mp["t"][m], n)
    logged = [(x["person"], x["t"], (x["written"] == x["t"]) & x["login"]) for x in (web, app)]
    active_since[2] = np.minimum(*[_min_per(p[m], tt[m], n) for p, tt, m in logged])

    # sharers and who is referred (all draws up front, in a fixed order)
    base = has_event & (rng.random(n) < r.sharer)
    weight = rng.lognormal(0.0, r.share_weight_sigma, n)
    promote = rng.random(n) < r.promote
    u = rng.random(n)
    p_ref = np.where(group == 2, r.referred_web, r.referred_mp)
    wants = (group >= 0) & (u < p_ref)
    unknown = (group >= 0) & ~wants & (u >= p_ref) & (u < p_ref + r.unknown_referrer)
    pick_u = rng.random(n)

    cand = np.flatnonzero(base | promote)
    cand_pos = np.full(n, -1, dtype=np.int64)
    cand_pos[cand] = np.arange(len(cand))
    cand_active = base[cand].copy()
    cand_weight = np.where(base[cand], weight[cand], r.promoted_weight * weight[cand])
    cand_since = active_since[:, cand]
    referrer = np.full(n, -1, dtype=np.int64)
    generation = np.zeros(n, dtype=np.int64)
    for i in np.flatnonzero(wants)[np.argsort(arr_t[wants], kind="stable")]:
        g = group[i]
        ok_c = cand_active & (cand_since[g] < arr_t[i]) & (cand != i)
        if not ok_c.any():
            continue
        w = np.where(ok_c, cand_weight, 0.0)
        cw = np.cumsum(w)
        j = int(np.searchsorted(cw, pick_u[i] * cw[-1], side="right"))
        j = min(j, len(cw) - 1)
        referrer[i] = cand[j]
        generation[i] = generation[cand[j]] + 1
        if cand_pos[i] >= 0:
            cand_active[cand_pos[i]] = True
    referred = referrer >= 0

    # per session: the person whose identifier it carries (-2 unknown, -1 none) and the scene
    sess_person = np.full(n_sessions, -1, dtype=np.int64)
    for x in (web, mp):
        sess_person[x["session"]] = x["person"]
    sess_ref = np.full(n_sessions, -1, dtype=np.int64)
    sess_ref[arr_session[referred]] = referrer[referred]
    sess_ref[arr_session[unknown]] = -2
    is_arrival = np.zeros(n_sessions, dtype=bool)
    is_arrival[arr_session[has_event]] = True
    later = rng.random(n_sessions)
    sharers = np.flatnonzero(base)
    if len(sharers):
        sw = weight[sharers] / weight[sharers].sum()
        repeat_from = sharers[rng.choice(len(sharers), size=n_sessions, p=sw)]
    else:
        repeat_from = np.full(n_sessions, -1, dtype=np.int64)
    repeat = ~is_arrival & (later < r.repeat_share) & (repeat_from != sess_person)
    repeat &= repeat_from >= 0
    own = ~is_arrival & (later >= r.repeat_share) & (later < r.repeat_share + r.self_share)
    sess_ref[repeat] = repeat_from[repeat]
    sess_ref[own] = sess_person[own]
    sess_scene = np.where(
        sess_ref != -1,
        rng.choice(SHARE_SCENES, size=n_sessions, p=SHARE_SCENE_P),
        rng.choice(ORGANIC_SCENES, size=n_sessions, p=ORGANIC_SCENE_P),
    )
    n_unknown = int((sess_ref == -2).sum())
    fake_openids = _fake_ids(rng, "oX3a", n_unknown, _B64, 24)
    fake_members = _fake_ids(rng, "M9", n_unknown, _B64[52:62], 9)

    # mini-program columns, per output row
    row_sess = mp["session"][mp["row"]]
    ref = sess_ref[row_sess]
    appk = sess_app[row_sess]
    openids = P.values["openid"]
    known = ref >= 0
    of = np.maximum(ref, 0)
    share = st.where(appk == 1, st.take(openids[1], of), st.take(openids[0], of))
    share = st.where(~known, None, share)
    if n_unknown:
        unk_idx = np.cumsum(sess_ref == -2) - 1
        fake = pa.array(fake_openids, pa.string())
        share = st.where(ref == -2, st.take(fake, np.maximum(unk_idx[row_sess], 0)), share)
    tbl = tables["miniprogram_events"]
    tbl = tbl.append_column("scene", pa.array(sess_scene[row_sess], pa.int64()))
    tables["miniprogram_events"] = tbl.append_column("share_from_openid", share)

    # web column: only members can invite (a non-member referrer id is dropped)
    row_sess = web["session"][web["row"]]
    ref = sess_ref[row_sess]
    member = P.values["member_id"][0]
    known = (ref >= 0) & P.is_member[np.maximum(ref, 0)]
    invite = st.where(~known, None, st.take(member, np.maximum(ref, 0)))
    if n_unknown:
        fake = pa.array(fake_members, pa.string())
        invite = st.where(ref == -2, st.take(fake, np.maximum(unk_idx[row_sess], 0)), invite)
    tables["web_events"] = tables["web_events"].append_column("referrer_member_id", invite)

    # truth: one row per referred person
    who = np.flatnonzero(referred)
    by = referrer[who]
    g = group[who]
    referred_ids, referrer_ids = [], []
    for i, j, gg in zip(who.tolist(), by.tolist(), g.tolist(), strict=True):
        if gg == 2:
            cookie = P.values["cookie_id"][int(sess_cookie[arr_session[i]])][i].as_py()
            referred_ids.append(("cookie_id", ids.normalize_string_id(cookie)))
            referrer_ids.append(("member_id", ids.normalize_string_id(member[j].as_py())))
        else:
            referred_ids.append(("openid", ids.scoped_openid(APPIDS[gg], openids[gg][i].as_py())))
            referrer_ids.append(("openid", ids.scoped_openid(APPIDS[gg], openids[gg][j].as_py())))
    return pa.table(
        {
            "referred_person_id": P.person_id.take(pa.array(who)),
            "referrer_person_id": P.person_id.take(pa.array(by)),
            "channel": pa.array([GROUP_CHANNEL[x] for x in g.tolist()], pa.string()),
            "first_visit_at": pa.array(arr_t[who], pa.timestamp("us", tz="UTC")),
            "referred_identifier_type": pa.array([x[0] for x in referred_ids], pa.string()),
            "referred_identifier_value": pa.array([x[1] for x in referred_ids], pa.string()),
            "referrer_identifier_type": pa.array([x[0] for x in referrer_ids], pa.string()),
            "referrer_identifier_value": pa.array([x[1] for x in referrer_ids], pa.string()),
            "generation": pa.array(generation[who], pa.int64()),
        },
        schema=TRUTH_SCHEMA,
    )
