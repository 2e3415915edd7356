"""Persons of one chunk: latent traits, owned identifiers and the BG/NBD purchase process.

Time is kept as integers: ``day`` is the local (Asia/Shanghai) calendar day relative to the
window start (negative = before the window), ``*_us`` are UTC microseconds since the epoch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa

from persona.dev.generate import strings as st
from persona.dev.generate.catalog import CITIES, L1_WEIGHTS, Catalog, campaign_calendar, seasonality
from persona.dev.generate.config import (
    APPIDS,
    ARCHETYPES,
    N_CAFE_COOKIES,
    PREFERRED_CHANNEL_STICKINESS,
    PURCHASE_CHANNEL_WEIGHTS,
    RATES,
    SETTINGS,
    Rates,
)

US = 1_000_000
DAY_US = 86_400 * US
TZ_US = 8 * 3_600 * US  # Asia/Shanghai is UTC+8 all year
HOUR_WEIGHTS = np.array(
    [
        0.6,
        0.35,
        0.2,
        0.1,
        0.1,
        0.15,
        0.4,
        0.9,
        1.4,
        2.0,
        2.4,
        2.8,
        3.3,
        3.0,
        2.5,
        2.4,
        2.5,
        2.7,
        3.0,
        3.6,
        4.6,
        5.2,
        4.6,
        2.2,
    ]
)
HOUR_P = HOUR_WEIGHTS / HOUR_WEIGHTS.sum()

PHONE_PREFIX_A = np.array(
    [
        "130",
        "131",
        "132",
        "133",
        "135",
        "136",
        "137",
        "139",
        "150",
        "151",
        "152",
        "155",
        "156",
        "157",
        "158",
        "159",
        "176",
        "177",
        "180",
        "181",
        "182",
        "183",
        "185",
        "186",
        "187",
        "189",
        "191",
        "199",
    ],
    dtype=object,
)
PHONE_PREFIX_B = np.array(
    ["134", "153", "166", "173", "175", "178", "184", "195", "198"], dtype=object
)


@dataclass
class Context:
    """Everything shared by all chunks of a run."""

    seed: int
    start: date
    end: date
    n_days: int  # days generated: through the design end plus SETTINGS.extension_days
    design_days: int  # days of the design window (arrivals, registrations, privacy requests)
    out_days: int  # days written: through --end (rows of later days are generated, not written)
    history: int  # days before the window a person may be first seen
    start_utc_us: int  # UTC microseconds of local midnight of ``start``
    season: np.ndarray  # multiplier per day, index day + history
    cum: dict[float, np.ndarray]  # cumulative season**power, index day + history (len +1)
    promo_label: np.ndarray  # per day: 0 none, else index into PROMO_LABELS
    catalog: Catalog
    campaigns: list[dict[str, object]]
    campaign_uplift: np.ndarray
    rates: Rates
    salts: dict[str, int]

    def day_to_utc(self, day: np.ndarray, tod_us: np.ndarray) -> np.ndarray:
        """Local day + local time of day -> UTC microseconds."""
        return self.start_utc_us + day.astype(np.int64) * DAY_US + tod_us.astype(np.int64)

    def utc_to_day(self, t_us: np.ndarray) -> np.ndarray:
        return (t_us - self.start_utc_us) // DAY_US

    def sample_days(
        self, rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray, power: float | np.ndarray
    ) -> np.ndarray:
        """Days in [lo, hi) drawn with density season**power (lo, hi relative days)."""
        out = np.empty(len(lo), dtype=np.int64)
        powers = np.broadcast_to(np.asarray(power, dtype=float), lo.shape)
        for pw in np.unique(powers):
            m = powers == pw
            cum = self.cum[float(pw)]
            a = lo[m] + self.history
            b = hi[m] + self.history
            x = cum[a] + rng.random(int(m.sum())) * (cum[b] - cum[a])
            d = np.searchsorted(cum, x, side="right") - 1
            out[m] = np.clip(d, a, np.maximum(a, b - 1)) - self.history
        return out

    def mass(self, lo: np.ndarray, hi: np.ndarray, power: float | np.ndarray) -> np.ndarray:
        """Integrated season**power over [lo, hi) in days."""
        out = np.zeros(len(lo))
        powers = np.broadcast_to(np.asarray(power, dtype=float), lo.shape)
        for pw in np.unique(powers):
            m = powers == pw
            cum = self.cum[float(pw)]
            out[m] = cum[hi[m] + self.history] - cum[lo[m] + self.history]
        return out


def default_design_end(start: date) -> date:
    """The design window's last day when none is given: two years after ``start``, minus a day."""
    try:
        later = start.replace(year=start.year + 2)
    except ValueError:  # 29 February
        later = start.replace(year=start.year + 2, day=28)
    return date.fromordinal(later.toordinal() - 1)


PROMO_LABELS = ("LZ", "38", "618", "D11", "D12", "CNY")


def build_context(
    seed: int, start: date, end: date, catalog: Catalog, rng, design_end: date | None = None
) -> Context:
    """The run's shared context. Nothing in it depends on ``end`` but ``out_days``: the data is
    generated through ``design_end`` + ``SETTINGS.extension_days`` and cut at ``end`` when
    written, so the rows of a day are the same whatever ``end`` (see ``core.generate``)."""
    history = SETTINGS.history_days
    design_end = default_design_end(start) if design_end is None else design_end
    design_days = (design_end - start).days + 1
    n_days = design_days + SETTINGS.extension_days
    first = date.fromordinal(start.toordinal() - history)
    season = seasonality(first, history + n_days)
    powers = sorted({float(a.seasonality_power) for a in ARCHETYPES} | {1.0})
    cum = {p: np.concatenate([[0.0], np.cumsum(season**p / np.mean(season**p))]) for p in powers}
    days = np.array(
        [date.fromordinal(first.toordinal() + i) for i in range(history + n_days)],
        dtype="datetime64[D]",
    )
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    dom = (days - days.astype("datetime64[M]")).astype(int) + 1
    label = np.zeros(len(days), dtype=np.int64)
    label[(months == 3) & (dom <= 8)] = 1
    label[((months == 5) & (dom >= 20)) | ((months == 6) & (dom <= 18))] = 2
    label[((months == 10) & (dom >= 20)) | ((months == 11) & (dom <= 11))] = 3
    label[(months == 12) & (dom == 12)] = 4
    label[(label == 0) & (season > 1.15) & (months <= 2)] = 5
    start_utc_us = (
        int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) * US - TZ_US
    )
    campaigns = campaign_calendar(start, date.fromordinal(start.toordinal() + n_days - 1))
    uplift = np.round(rng.uniform(0.01, 0.05, len(campaigns)), 4)
    salts = {
        name: int(np.random.SeedSequence([seed, i]).generate_state(1, dtype=np.uint64)[0])
        for i, name in enumerate(
            [
                "member",
                "card",
                "phone1",
                "phone2",
                "email",
                "cookie",
                "device",
                "openid",
                "union",
                "wecom",
                "buyer",
                "event",
                "order",
                "touch",
                "ticket",
                "pick",
            ]
        )
    }
    return Context(
        seed=seed,
        start=start,
        end=end,
        n_days=n_days,
        design_days=design_days,
        out_days=(end - start).days + 1,
        history=history,
        start_utc_us=start_utc_us,
        season=season,
        cum=cum,
        promo_label=label,
        catalog=catalog,
        campaigns=campaigns,
        campaign_uplift=uplift,
        rates=RATES,
        salts=salts,
    )


@dataclass
class Persons:
    """Latent traits (numpy, length n) and owned identifier spellings (pyarrow, length n)."""

    n: int
    gidx: np.ndarray
    arch: np.ndarray
    lam: np.ndarray
    p: np.ndarray
    spend: np.ndarray
    power: np.ndarray
    coupon_prob: np.ndarray
    session_rate: np.ndarray
    first_day: np.ndarray
    first_us: np.ndarray
    gender: np.ndarray  # 0 F, 1 M, 2 U
    birth_year: np.ndarray
    city: np.ndarray
    is_member: np.ndarray
    pref_l1: np.ndarray
    pref_channel: np.ndarray
    has_web: np.ndarray
    has_app: np.ndarray
    has_mp: np.ndarray
    has_email: np.ndarray
    n_cookies: np.ndarray
    n_devices: np.ndarray
    device_ios: np.ndarray  # (n, 2) bool
    device_zero: np.ndarray  # (n, 2) bool: device reports the zeroed IDFA
    family: np.ndarray  # family id (global code) or -1
    cafe: np.ndarray  # cafe cookie code or -1
    union_auth: np.ndarray
    phone_auth: np.ndarray
    bound: np.ndarray  # (n, 4) marketplace membership binding
    phone_change_us: np.ndarray  # UTC us of the phone change, int64 max if none
    dropout_day: np.ndarray  # -1 when still alive at the window end (int64 max sentinel)
    # identifier spellings
    person_id: pa.Array
    values: dict[str, list[pa.Array]]

    def phone_at(self, person: np.ndarray, t_us: np.ndarray) -> tuple[pa.Array, np.ndarray]:
        """Clean phone spelling of ``person`` at time ``t_us`` and its slot index k (0/1)."""
        k = (t_us >= self.phone_change_us[person]).astype(np.int64)
        p0 = st.take(self.values["phone"][0], person)
        p1 = st.take(self.values["phone"][1], person)
        return st.where(k == 1, p1, p0), k


def make_persons(ctx: Context, rng: np.random.Generator, offset: int, n: int) -> Persons:
    r = ctx.rates
    gidx = offset + np.arange(n, dtype=np.int64)
    shares = np.array([a.share for a in ARCHETYPES])
    arch = rng.choice(len(ARCHETYPES), size=n, p=shares / shares.sum())

    def col(attr: str) -> np.ndarray:
        return np.array([getattr(a, attr) for a in ARCHETYPES])[arch]

    rate_mean, rate_shape = col("rate_mean"), col("rate_shape")
    lam = rng.gamma(rate_shape, np.maximum(rate_mean, 1e-9) / rate_shape)
    lam[~col("buys").astype(bool)] = 0.0
    p = rng.beta(col("dropout_a"), col("dropout_b"))
    spend = np.round(rng.gamma(4.0, col("spend_mean") / 4.0), 2)
    before = rng.random(n) < col("before_start_share")
    first_day = np.where(
        before,
        rng.integers(-ctx.history, 0, n),
        ctx.sample_days(rng, np.zeros(n, np.int64), np.full(n, ctx.design_days), 1.0),
    )
    lapsed = np.array([a.name for a in ARCHETYPES])[arch] == "lapsed"
    first_day = np.where(lapsed & before, rng.integers(-ctx.history, -120, n), first_day)
    hour = rng.choice(24, size=n, p=HOUR_P)
    first_us = ctx.day_to_utc(first_day, hour * 3600 * US + rng.integers(0, 3600 * US, n))
    gender = rng.choice(3, size=n, p=[0.78, 0.18, 0.04])
    age = np.clip(np.round(rng.normal(32, 8.5, n)), 18, 68).astype(np.int64)
    birth_year = ctx.start.year - age
    city_w = np.array([c[2] for c in CITIES])
    city = rng.choice(len(CITIES), size=n, p=city_w / city_w.sum())
    is_member = rng.random(n) < col("member_prob")
    l1w = np.array(list(L1_WEIGHTS.values()))
    pref_l1 = rng.choice(3, size=n, p=l1w / l1w.sum())
    cw = np.array(PURCHASE_CHANNEL_WEIGHTS)
    pref_channel = rng.choice(len(cw), size=n, p=cw / cw.sum())
    vip = np.array([a.name for a in ARCHETYPES])[arch] == "loyal_vip"
    browser = np.array([a.name for a in ARCHETYPES])[arch] == "browser"
    has_web = rng.random(n) < np.where(browser, 0.65, 0.35)
    has_app = rng.random(n) < np.where(vip, 0.55, np.where(browser, 0.30, 0.20))
    has_mp = (rng.random(n) < np.where(browser, 0.60, 0.50)) | (pref_channel == 0)
    has_email = rng.random(n) < r.email_rate
    n_cookies = 1 + rng.binomial(2, 0.3, n)
    n_devices = 1 + (rng.random(n) < 0.2)
    device_ios = rng.random((n, 2)) < 0.45
    device_zero = device_ios & (rng.random((n, 2)) < r.zeroed_idfa_rate)
    # families: app users grouped 2-4 per family, sharing one family device
    family = np.full(n, -1, dtype=np.int64)
    fam_members = np.flatnonzero(has_app & (rng.random(n) < r.family_device_rate))
    if len(fam_members) >= 2:
        sizes = rng.integers(2, 5, len(fam_members))
        fam_of = np.repeat(np.arange(len(sizes)), sizes)[: len(fam_members)]
        counts = np.bincount(fam_of)
        fam_of[counts[fam_of] < 2] = -1  # a trailing family of one gets no family device
        family[fam_members] = np.where(fam_of >= 0, offset * 4 + fam_of, -1)
    cafe = np.where(
        has_web & (rng.random(n) < r.cafe_user_rate), rng.integers(0, N_CAFE_COOKIES, n), -1
    ).astype(np.int64)
    union_auth = has_mp & (rng.random(n) < r.mp_unionid_auth_rate)
    phone_auth = has_mp & (rng.random(n) < r.mp_phone_auth_rate)
    bound = is_member[:, None] & (rng.random((n, 4)) < np.array(r.marketplace_bind_rate))
    changes = is_member & (rng.random(n) < r.phone_change_rate)
    end_us = ctx.day_to_utc(np.array([ctx.design_days]), np.zeros(1, np.int64))[0]
    lo_us = np.maximum(first_us + 10 * DAY_US, ctx.start_utc_us)  # after registration
    change_us = lo_us + (rng.random(n) * (end_us - lo_us)).astype(np.int64)
    phone_change_us = np.where(changes & (lo_us < end_us), change_us, np.iinfo(np.int64).max)

    values = person_identifiers(ctx, gidx, device_ios, device_zero)
    return Persons(
        n=n,
        gidx=gidx,
        arch=arch,
        lam=lam,
        p=p,
        spend=spend,
        power=col("seasonality_power"),
        coupon_prob=col("coupon_prob"),
        session_rate=col("sessions_per_week"),
        first_day=first_day,
        first_us=first_us,
        gender=gender,
        birth_year=birth_year,
        city=city,
        is_member=is_member,
        pref_l1=pref_l1,
        pref_channel=pref_channel,
        has_web=has_web,
        has_app=has_app,
        has_mp=has_mp,
        has_email=has_email,
        n_cookies=n_cookies,
        n_devices=n_devices,
        device_ios=device_ios,
        device_zero=device_zero,
        family=family,
        cafe=cafe,
        union_auth=union_auth,
        phone_auth=phone_auth,
        bound=bound,
        phone_change_us=phone_change_us,
        dropout_day=np.full(n, np.iinfo(np.int64).max),
        person_id=st.concat("P", st.digits(gidx + 1, 8)),
        values=values,
    )


def _b64(keys: np.ndarray, salt: int, n: int) -> pa.Array:
    """Injective base64url spelling of n >= 11 symbols: 11 from a bijection of the key, the
    rest from further hashes (10 symbols each)."""
    parts = [st.to_pa(st.encode(st.mix64(keys, salt), st.B64, 11))]
    left, j = n - 11, 1
    while left > 0:
        k = min(left, 10)
        h = st.mix64(keys, salt ^ (0x2545F4914F6CDD1D * j))
        parts.append(st.to_pa(st.encode(h, st.B64, k)))
        left -= k
        j += 1
    return st.concat(*parts)


def person_identifiers(
    ctx: Context, g: np.ndarray, device_ios: np.ndarray, device_zero: np.ndarray
) -> dict[str, list[pa.Array]]:
    """Clean spellings of every identifier slot (see truth.SLOT_KINDS) for global indices g."""
    s = ctx.salts
    gu = g.astype(np.uint64)
    pa_a = st.take(pa.array(PHONE_PREFIX_A, pa.string()), st.mix64(gu, s["phone1"]) % 28)
    pa_b = st.take(pa.array(PHONE_PREFIX_B, pa.string()), st.mix64(gu, s["phone2"]) % 9)
    from persona.dev.generate.catalog import EMAIL_DOMAINS, EMAIL_WORDS

    words = pa.array(EMAIL_WORDS, pa.string())
    dom_p = np.array([d[1] for d in EMAIL_DOMAINS])
    dom_cum = np.cumsum(dom_p / dom_p.sum())
    u = (st.mix64(gu, s["email"] ^ 1) >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    dom_idx = np.minimum(np.searchsorted(dom_cum, u, side="right"), len(dom_cum) - 1)
    domains = pa.array([d[0] for d in EMAIL_DOMAINS], pa.string())
    email = st.concat(
        st.take(words, st.mix64(gu, s["email"]) % len(EMAIL_WORDS)),
        st.digits(st.affine(g, 10**7, s["email"]), 7),
        "@",
        st.take(domains, dom_idx),
    )
    cookies = [st.uuid_like(gu * np.uint64(4) + np.uint64(k), s["cookie"]) for k in range(3)]
    devices = []
    for k in range(2):
        keys = gu * np.uint64(2) + np.uint64(k)
        ios = st.uuid_like(keys, s["device"], upper=True)
        android = st.to_pa(st.encode(st.mix64(keys, s["device"] ^ 7), st.HEX, 16))
        dev = st.where(device_ios[:, k], ios, android)
        devices.append(dev)
    openids = [
        st.concat(prefix, _b64(gu * np.uint64(2) + np.uint64(k), s["openid"], 24))
        for k, prefix in enumerate(("oX3a", "oK9f"))
    ]
    unionid = st.concat("o6_b", _b64(gu, s["union"], 24))
    wecom = st.concat("wm", _b64(gu, s["wecom"], 30))
    buyers = [
        st.concat("AAG", _b64(gu * np.uint64(4), s["buyer"], 22)),
        st.concat(
            "jd_",
            st.to_pa(st.encode(st.mix64(gu * np.uint64(4) + np.uint64(1), s["buyer"]), st.HEX, 16)),
        ),
        st.concat("7", st.digits(st.affine(g, 10**15, s["buyer"] + 2), 15)),
        st.concat(
            "pdd_",
            st.to_pa(st.encode(st.mix64(gu * np.uint64(4) + np.uint64(3), s["buyer"]), st.HEX, 16)),
        ),
    ]
    return {
        "member_id": [st.concat("M", st.digits(st.affine(g, 10**10, s["member"]), 10))],
        "member_card": [st.concat("LZ", st.digits(st.affine(g, 10**10, s["card"]), 10))],
        "phone": [
            st.concat(pa_a, st.digits(st.affine(g, 10**8, s["phone1"]), 8)),
            st.concat(pa_b, st.digits(st.affine(g, 10**8, s["phone2"]), 8)),
        ],
        "email": [email],
        "cookie_id": cookies,
        "device_id": devices,
        "openid": openids,
        "unionid": [unionid],
        "wecom_userid": [wecom],
        "buyer_id": buyers,
    }


OPENID_APPIDS = list(APPIDS)


@dataclass
class Purchases:
    """Purchase occasions of a chunk (numpy arrays of equal length, sorted by person, time)."""

    person: np.ndarray
    t_us: np.ndarray
    day: np.ndarray
    channel: np.ndarray  # index into config.PURCHASE_CHANNELS
    value: np.ndarray  # target order value in yuan
    uplift: np.ndarray  # bool: extra purchase caused by a campaign treatment


def purchase_process(ctx: Context, rng: np.random.Generator, P: Persons) -> Purchases:
    """BG/NBD: an initial purchase when first seen, then Poisson(lambda * season**power) repeat
    purchases until dropout, which happens after each repeat purchase with probability p."""
    n = P.n
    buyer = P.lam > 0
    lo = P.first_day + 1
    hi = np.full(n, ctx.n_days, dtype=np.int64)
    mass = ctx.mass(np.minimum(lo, hi), hi, P.power)
    n_rep = rng.poisson(P.lam / 7.0 * mass)
    n_rep[~buyer] = 0
    person = np.repeat(np.arange(n), n_rep)
    day = ctx.sample_days(rng, lo[person], hi[person], P.power[person])
    order = np.lexsort((day, person))
    person, day = person[order], day[order]
    first_of = np.concatenate([[0], np.cumsum(n_rep)[:-1]])
    rank = np.arange(len(person)) - first_of[person]
    k_drop = rng.geometric(np.clip(P.p, 1e-6, 1.0))  # repeats made before dropping out
    keep = rank < k_drop[person]
    dropped = n_rep >= k_drop
    # dropout day = day of the k-th repeat purchase
    last_idx = first_of + k_drop - 1
    dd = np.full(n, np.iinfo(np.int64).max)
    ok = dropped & buyer & (n_rep > 0)
    dd[ok] = day[np.minimum(last_idx[ok], max(len(day) - 1, 0))]
    P.dropout_day = dd
    person, day = person[keep], day[keep]
    # initial purchase
    init_p = np.flatnonzero(buyer)
    person = np.concatenate([init_p, person])
    day = np.concatenate([P.first_day[init_p], day])
    tod = rng.choice(24, size=len(day), p=HOUR_P) * 3600 * US + rng.integers(0, 3600 * US, len(day))
    t_us = ctx.day_to_utc(day, tod)
    t_us[: len(init_p)] = P.first_us[init_p] + rng.integers(0, 1800 * US, len(init_p))
    day = ctx.utc_to_day(t_us + 0)  # consistent with t_us
    return _finish(ctx, rng, P, person, t_us, np.zeros(len(person), dtype=bool))


def _finish(ctx, rng, P, person, t_us, uplift) -> Purchases:
    # local day from UTC: add the offset back
    day = (t_us - ctx.start_utc_us) // DAY_US
    inwin = (day >= 0) & (day < ctx.n_days)
    person, t_us, day, uplift = person[inwin], t_us[inwin], day[inwin], uplift[inwin]
    stick = rng.random(len(person)) < PREFERRED_CHANNEL_STICKINESS
    cw = np.array(PURCHASE_CHANNEL_WEIGHTS)
    other = rng.choice(len(cw), size=len(person), p=cw / cw.sum())
    channel = np.where(stick, P.pref_channel[person], other)
    value = rng.gamma(6.0, P.spend[person] / 6.0)
    order = np.lexsort((t_us, person))
    return Purchases(
        person=person[order],
        t_us=t_us[order],
        day=day[order],
        channel=channel[order],
        value=value[order],
        uplift=uplift[order],
    )


def add_uplift(
    ctx: Context,
    rng: np.random.Generator,
    P: Persons,
    base: Purchases,
    treated_person: np.ndarray,
    treated_campaign: np.ndarray,
    sent_us: np.ndarray,
) -> Purchases:
    """Extra purchases caused by treatment touches (probability = the campaign's true uplift)."""
    sent_day = (sent_us - ctx.start_utc_us) // DAY_US
    alive = (P.lam[treated_person] > 0) & (sent_day < P.dropout_day[treated_person])
    hit = alive & (rng.random(len(treated_person)) < ctx.campaign_uplift[treated_campaign])
    win = ctx.rates.uplift_window_days * DAY_US
    extra_t = sent_us[hit] + (rng.random(int(hit.sum())) * win).astype(np.int64)
    extra_p = treated_person[hit]
    stick = rng.random(len(extra_p)) < PREFERRED_CHANNEL_STICKINESS
    cw = np.array(PURCHASE_CHANNEL_WEIGHTS)
    other = rng.choice(len(cw), size=len(extra_p), p=cw / cw.sum())
    extra = Purchases(
        person=extra_p,
        t_us=extra_t,
        day=(extra_t - ctx.start_utc_us) // DAY_US,
        channel=np.where(stick, P.pref_channel[extra_p], other),
        value=rng.gamma(6.0, P.spend[extra_p] / 6.0),
        uplift=np.ones(len(extra_p), dtype=bool),
    )
    keep = (extra.day >= 0) & (extra.day < ctx.n_days)
    person = np.concatenate([base.person, extra.person[keep]])
    t_us = np.concatenate([base.t_us, extra.t_us[keep]])
    order = np.lexsort((t_us, person))

    def cat(a, b):
        return np.concatenate([a, b[keep]])[order]

    return Purchases(
        person=person[order],
        t_us=t_us[order],
        day=cat(base.day, extra.day),
        channel=cat(base.channel, extra.channel),
        value=cat(base.value, extra.value),
        uplift=cat(base.uplift, extra.uplift),
    )
