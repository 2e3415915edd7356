"""Channel tables of one chunk: CRM, orders (mall, marketplaces, POS), events, WeCom, service,
campaign touches. Each builder returns pyarrow columns in contract order and reports linking
evidence (which identifier slots a row carries in a valid form) to :class:`truth.Evidence`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from persona.dev.generate import strings as st
from persona.dev.generate.catalog import (
    CITIES,
    L1_WEIGHTS,
    MP_PAGES,
    SEARCH_TERMS,
    USER_AGENTS,
    UTM,
    WEB_PAGES,
)
from persona.dev.generate.config import (
    APPIDS,
    ARCHETYPES,
    N_CAFE_COOKIES,
    PLACEHOLDER_PHONES,
    PLATFORMS,
    ZEROED_IDFA,
)
from persona.dev.generate.persons import (
    DAY_US,
    HOUR_P,
    PROMO_LABELS,
    TZ_US,
    US,
    Context,
    Persons,
    Purchases,
)
from persona.dev.generate.truth import Evidence, RateCounter, Registry

INT64_MAX = np.iinfo(np.int64).max
EPOCH_US = 0
FUTURE_US = 4_070_908_800 * US  # 2099-01-01T00:00:00Z

# Global black-hole codes: placeholder phones, the zeroed IDFA, internet-cafe cookies.
BH_PHONE0 = 0
BH_ZERO_IDFA = len(PLACEHOLDER_PHONES)
BH_CAFE0 = BH_ZERO_IDFA + 1
N_BH_CODES = BH_CAFE0 + N_CAFE_COOKIES


def phone_rates(ctx: Context) -> dict[str, float]:
    r = ctx.rates
    return {
        "spaces": r.phone_spaces_rate,
        "plus86_dashes": r.phone_plus86_dashes_rate,
        "86_prefix": r.phone_86_prefix_rate,
        "0086_prefix": r.phone_0086_prefix_rate,
        "leading_zero": r.phone_leading_zero_rate,
        "paren_plus86": r.phone_paren_plus86_rate,
        "fullwidth": r.phone_fullwidth_rate,
        "masked": r.phone_masked_rate,
    }


def _np(a: pa.Array) -> np.ndarray:
    return np.asarray(a.to_numpy(zero_copy_only=False))


def _notnull(a: pa.Array) -> np.ndarray:
    return ~np.asarray(pc.is_null(a).to_numpy(zero_copy_only=False), dtype=bool)


def _utc(t_us: np.ndarray) -> pa.Array:
    return pa.array(t_us.astype(np.int64), type=pa.timestamp("us", tz="UTC"))


def _utc_nullable(t_us: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array(t_us.astype(np.int64), type=pa.timestamp("us", tz="UTC"), mask=~valid)


def _local(t_us: np.ndarray) -> pa.Array:
    return pa.array(t_us.astype(np.int64), type=pa.timestamp("us"))


def _money(x: np.ndarray) -> pa.Array:
    return pa.array(np.round(x.astype(np.float64), 2), type=pa.float64())


def _strs(values: list[str] | tuple[str, ...]) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _nulls(n: int) -> pa.Array:
    return pa.nulls(n, type=pa.string())


def _masked(values: pa.Array, keep: np.ndarray) -> pa.Array:
    """Null out the cells where ``keep`` is False."""
    return st.where(~keep, None, values)


def _slot(reg: Registry, kind: str, k, person: np.ndarray, present: np.ndarray) -> np.ndarray:
    s = reg.slot(kind, k, person)
    return np.where(present, s, -1)


class Chunk:
    """Builds every table for one chunk of persons."""

    def __init__(
        self, ctx: Context, rng: np.random.Generator, P: Persons, index: int, counter: RateCounter
    ) -> None:
        self.ctx = ctx
        self.rng = rng
        self.P = P
        self.index = index
        self.reg = Registry(P.n)
        self.ev = Evidence(
            self.reg,
            int(ctx.start_utc_us + ctx.out_days * DAY_US),
            int(ctx.start_utc_us + ctx.design_days * DAY_US),
        )
        self.rc = counter
        self.prates = phone_rates(ctx)
        cat = ctx.catalog
        order = np.lexsort((cat.launched_day, cat.l2_code))
        self.flat_products = order
        self.l2_start = np.searchsorted(cat.l2_code[order], np.arange(len(cat.l2_names)))
        self.l2_count = np.bincount(cat.l2_code, minlength=len(cat.l2_names))
        self.product_ids = pa.array(cat.product_id, type=pa.string())
        self.family_usage: list[tuple[np.ndarray, np.ndarray]] = []
        # per event table, what the referral pass (referrals.py) needs of each row; filled
        # without drawing from ``rng``, so the tables stay the same with or without that pass
        self.event_rows: dict[str, dict[str, np.ndarray]] = {}

    # ------------------------------------------------------------------ helpers
    def keys(self, n: int, table: int) -> np.ndarray:
        """Globally unique integer keys for new rows of a table (chunk, table, row)."""
        base = (np.uint64(self.index) << np.uint64(40)) | (np.uint64(table) << np.uint64(34))
        return base + np.arange(n, dtype=np.uint64)

    def hex_ids(self, prefix: str, n: int, table: int, width: int = 16) -> pa.Array:
        h = st.mix64(self.keys(n, table), self.ctx.salts["event"] + table)
        return st.concat(prefix, st.to_pa(st.encode(h, st.HEX, width)))

    def num_ids(self, prefix: str, n: int, table: int, width: int) -> pa.Array:
        k = (np.int64(self.index) << np.int64(26)) + np.int64(table) * (1 << 22) + np.arange(n)
        return st.concat(prefix, st.digits(st.affine(k, 10**width, self.ctx.salts["order"]), width))

    def pick_products(self, l1: np.ndarray, day: np.ndarray) -> np.ndarray:
        cat = self.ctx.catalog
        n = len(l1)
        l2 = np.empty(n, dtype=np.int64)
        for i1 in range(len(cat.l2_of_l1)):
            m = l1 == i1
            if m.any():
                l2[m] = self.rng.choice(cat.l2_of_l1[i1], size=int(m.sum()), p=cat.l2_weights[i1])
        pos = self.l2_start[l2] + (self.rng.random(n) * self.l2_count[l2]).astype(np.int64)
        prod = self.flat_products[pos]
        late = cat.launched_day[prod] > day
        prod[late] = self.flat_products[self.l2_start[l2[late]]]
        return prod

    def person_l1(self, person: np.ndarray, stick: float) -> np.ndarray:
        w = np.array(list(L1_WEIGHTS.values()))
        other = self.rng.choice(3, size=len(person), p=w / w.sum())
        return np.where(self.rng.random(len(person)) < stick, self.P.pref_l1[person], other)

    def dirty_phone_col(self, values: pa.Array, name: str) -> tuple[pa.Array, np.ndarray]:
        """Own-channel phone column: dirty forms at the stated rates (counted per form)."""
        out, valid, form = st.dirty_phones(values, self.rng, self.prates)
        notnull = int((form >= 0).sum())
        for i, f in enumerate(st.PHONE_FORMS[1:], start=1):
            self.rc.add(f"phone_form.{f}", int((form == i).sum()), notnull)
        return out, valid

    def dirty_cs(self, values: pa.Array, rate: float, upper: bool, name: str) -> pa.Array:
        before = _notnull(values)
        out = st.dirty_case_space(values, self.rng, rate, upper)
        changed = np.asarray(pc.fill_null(pc.not_equal(out, values), False), dtype=bool)
        self.rc.add(name, int(changed.sum()), int(before.sum()))
        return out

    def tokens(self, values: pa.Array) -> pa.Array:
        isnull = ~_notnull(values)
        out = st.null_tokens(values, self.rng, self.ctx.rates.null_token_rate)
        self.rc.add("null_token", int((isnull & _notnull(out)).sum()), int(isnull.sum()))
        return out

    def phone_slots(self, person, k, valid) -> np.ndarray:
        return _slot(self.reg, "phone", k, person, valid)

    # ------------------------------------------------------------------ CRM
    def crm_members(self) -> pa.Table:
        P, rng, r = self.P, self.rng, self.ctx.rates
        mem = np.flatnonzero(P.is_member)
        nv = 1 + rng.poisson(0.6, len(mem))
        changed = P.phone_change_us[mem] < INT64_MAX
        self.rc.add("phone_change", int(changed.sum()), len(mem))
        nv = nv + changed
        person = np.repeat(mem, nv)
        first = np.concatenate([[0], np.cumsum(nv)[:-1]])
        version = np.arange(len(person)) - np.repeat(first, nv)
        n = len(person)
        end_us = self.ctx.day_to_utc(np.array([self.ctx.design_days]), np.zeros(1))[0] - 1
        delay = np.minimum(rng.exponential(3 * DAY_US, len(mem)), 9 * DAY_US).astype(np.int64)
        reg_us = np.repeat(np.minimum(P.first_us[mem] + delay, end_us - DAY_US), nv)
        upd = reg_us + (rng.random(n) * (end_us - reg_us)).astype(np.int64)
        upd[version == 0] = reg_us[version == 0]
        # the phone change is one of the versions: put it at the change time
        ch_person = P.phone_change_us[person] < INT64_MAX
        last = version == np.repeat(nv, nv) - 1
        upd[ch_person & last] = P.phone_change_us[person[ch_person & last]]
        # past the design window, changes go on at each member's rate of the window: a Poisson
        # process (mean extra versions over the window / the window's length after registering)
        gen_end = self.ctx.day_to_utc(np.array([self.ctx.n_days]), np.zeros(1))[0] - 1
        reg_m = np.minimum(P.first_us[mem] + delay, end_us - DAY_US)
        span = (end_us - reg_m).astype(np.float64)
        ext = rng.poisson(0.6 * (gen_end - end_us) / np.maximum(span, DAY_US))
        n_design = np.repeat(nv, nv)  # versions in the design window, per row
        if ext.sum():
            k_ext = int(ext.sum())
            t_ext = end_us + 1 + (rng.random(k_ext) * (gen_end - end_us)).astype(np.int64)
            person = np.concatenate([person, np.repeat(mem, ext)])
            upd = np.concatenate([upd, t_ext])
            reg_us = np.concatenate([reg_us, np.repeat(reg_m, ext)])
            n_design = np.concatenate([n_design, np.repeat(nv, ext)])
            nv = nv + ext
            first = np.concatenate([[0], np.cumsum(nv)[:-1]])
            n = len(person)
        order = np.lexsort((upd, person))
        person, upd, reg_us = person[order], upd[order], reg_us[order]
        n_design = n_design[order]
        version = np.arange(n) - np.repeat(first, nv)  # rank by time within member
        phone, k = P.phone_at(person, upd)
        phone_raw, pvalid = self.dirty_phone_col(phone, "crm")
        # email appears from the first version (70 %) or the second one
        email_from = np.where(rng.random(len(P.gidx)) < 0.7, 0, 1)
        has_email = P.has_email[person] & (version >= np.minimum(email_from[person], n_design - 1))
        email = _masked(st.take(P.values["email"][0], person), has_email)
        email = self.dirty_cs(email, r.email_dirty_rate, True, "email_dirty")
        card = st.take(P.values["member_card"][0], person)
        card = self.dirty_cs(card, r.card_dirty_rate, False, "card_dirty")
        member_id = st.take(P.values["member_id"][0], person)
        # names, gender, birth
        from persona.dev.generate.catalog import GIVEN_F, GIVEN_M, SURNAMES

        sur = _strs(SURNAMES)
        gf, gm = _strs(GIVEN_F), _strs(GIVEN_M)
        g = P.gender[person]
        pick = st.mix64(P.gidx[person].astype(np.uint64), self.ctx.salts["pick"])
        g1 = st.where(g == 1, st.take(gm, pick % len(GIVEN_M)), st.take(gf, pick % len(GIVEN_F)))
        g2 = st.where(
            g == 1,
            st.take(gm, (pick >> np.uint64(8)) % len(GIVEN_M)),
            st.take(gf, (pick >> np.uint64(8)) % len(GIVEN_F)),
        )
        two = (pick >> np.uint64(16)) % 3 > 0
        full_name = st.concat(
            st.take(sur, (pick >> np.uint64(24)) % len(SURNAMES)),
            g1,
            st.where(two, g2, pa.scalar("")),
        )
        style = (pick >> np.uint64(32)) % 100
        gcode = np.where(style < 15, g + 3, g)  # 3 女, 4 男, 5 U
        gcode = np.where(style >= 98, 6, gcode)
        gender = st.take(_strs(["F", "M", "U", "女", "男", "U"] + [""]), gcode)
        gender = st.where(gcode == 6, None, gender)
        bday = np.array(
            [np.datetime64(f"{y}-01-01") for y in range(1940, 2011)], dtype="datetime64[D]"
        )[P.birth_year[person] - 1940].astype(np.int64) + ((pick >> np.uint64(40)) % 365).astype(
            np.int64
        )
        bnull = ((pick >> np.uint64(50)) % 100) < 3
        bepoch = rng.random(n) < r.birth_date_epoch_rate
        bday = np.where(bepoch, 0, bday)
        self.rc.add("birth_date_epoch", int(bepoch.sum()), n)
        birth = pa.array(bday.astype(np.int32), type=pa.date32(), mask=bnull)
        city = st.take(_strs([c[0] for c in CITIES]), P.city[person])
        reg_ch = _strs(["miniprogram", "tmall", "jd", "douyin", "pos", "web", "app", "wecom"])
        rc_code = st.mix64(P.gidx[person].astype(np.uint64), 99) % 8
        rc_code = np.where(
            (rc_code % 2) == 0, P.pref_channel[person], rc_code
        )  # half follow the preferred channel
        tiers = _strs(["basic", "silver", "gold", "diamond"])
        arch_names = np.array([a.name for a in ARCHETYPES])[P.arch[person]]
        top = np.select(
            [arch_names == "loyal_vip", arch_names == "regular", arch_names == "promo_hunter"],
            [3, 2, 1],
            default=0,
        )
        tier = np.minimum(top, np.round(top * (version + 1) / n_design).astype(np.int64))
        # opt-ins are per member; a later version flips one now and then
        sms = np.repeat(rng.random(len(mem)) < 0.7, nv) ^ ((version > 0) & (rng.random(n) < 0.1))
        emailopt = np.repeat(rng.random(len(mem)) < 0.35, nv) ^ (
            (version > 0) & (rng.random(n) < 0.1)
        )
        self.ev.rows(
            (self.reg.slot("member_id", 0, person), np.ones(n, bool)),
            (self.reg.slot("member_card", 0, person), np.ones(n, bool)),
            (self.phone_slots(person, k, pvalid), pvalid),
            (_slot(self.reg, "email", 0, person, has_email), has_email),
            t=upd,
        )
        return pa.table(
            {
                "member_id": member_id,
                "member_card_no": card,
                "phone": self.tokens(phone_raw),
                "email": self.tokens(email),
                "full_name": full_name,
                "gender": gender,
                "birth_date": birth,
                "city": city,
                "register_at": _utc(reg_us),
                "register_channel": st.take(reg_ch, rc_code),
                "member_tier": st.take(tiers, tier),
                "sms_opt_in": pa.array(sms),
                "email_opt_in": pa.array(emailopt),
                "updated_at": _utc(upd),
            }
        )

    # ------------------------------------------------------------------ orders
    def orders(self, B: Purchases) -> dict[str, pa.Table]:
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        n = len(B.person)
        # lines
        n_lines = 1 + np.minimum(rng.poisson(0.6, n), 4)
        o_of_line = np.repeat(np.arange(n), n_lines)
        line_no = np.arange(len(o_of_line)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
        l1 = self.person_l1(B.person[o_of_line], 0.65)
        prod = self.pick_products(l1, B.day[o_of_line])
        price = ctx.catalog.price[prod]
        target = B.value[o_of_line] / n_lines[o_of_line]
        qty = np.clip(np.round(target / price * rng.uniform(0.7, 1.3, len(prod))), 1, 6).astype(
            np.int64
        )
        gross = np.bincount(o_of_line, weights=qty * price, minlength=n)
        # coupons: promo hunters mostly, more on promotion days
        label = ctx.promo_label[B.day + ctx.history]
        promo = label > 0
        cprob = np.clip(P.coupon_prob[B.person] * np.where(promo, 1.25, 0.6), 0, 1)
        coupon = rng.random(n) < cprob
        big = gross >= 300
        disc = np.where(big, np.floor(gross / 300) * 50, np.minimum(20.0, gross * 0.3))
        disc = np.where(coupon, np.minimum(disc, gross * 0.5), 0.0)
        disc = np.round(disc, 2)
        code_names = [f"{lab}-300-50" for lab in PROMO_LABELS] + [
            f"{lab}-20" for lab in PROMO_LABELS
        ]
        code = _masked(st.take(_strs(code_names), label + np.where(big, 0, 6)), coupon)
        amount = np.round(gross - disc, 2)
        # status
        u = rng.random(n)
        cancelled = u < r.cancel_rate
        unpaid = (u >= r.cancel_rate) & (u < r.cancel_rate + r.unpaid_rate)
        paid = ~(cancelled | unpaid)
        refunded = paid & (rng.random(n) < r.refund_rate)
        age_days = ctx.design_days - B.day  # status as seen at the design end (paid if later)
        status_code = np.where(age_days <= 2, 1, np.where(age_days <= 5, 2, 3))  # paid/shipped/done
        status_code = np.where(refunded, 5, status_code)
        status_code = np.where(cancelled, 4, np.where(unpaid, 0, status_code))
        paid_us = B.t_us + (rng.exponential(90, n) * US).astype(np.int64) + 5 * US
        statuses = ["created", "paid", "shipped", "completed", "cancelled", "refunded"]
        self.rc.add("refunded_orders", int(refunded.sum()), int(paid.sum()))

        out: dict[str, pa.Table] = {}
        ch = B.channel
        # ---------------- own mall (mini-program orders)
        m = np.flatnonzero(ch == 0)
        mp_ids = self.num_ids("MP", len(m), 1, 14)
        person = B.person[m]
        phone, pk = P.phone_at(person, B.t_us[m])
        has_phone = rng.random(len(m)) < 0.9
        phone = _masked(phone, has_phone)
        phone, pvalid = self.dirty_phone_col(phone, "mp_orders")
        uni = P.union_auth[person]
        openid = st.take(P.values["openid"][0], person)
        self.ev.rows(
            (self.reg.slot("openid", 0, person), np.ones(len(m), bool)),
            (_slot(self.reg, "unionid", 0, person, uni), uni),
            (self.phone_slots(person, pk, pvalid), pvalid),
            t=B.t_us[m],
        )
        out["miniprogram_orders"] = pa.table(
            {
                "order_id": mp_ids,
                "appid": pa.array([APPIDS[0]] * len(m), type=pa.string()),
                "openid": openid,
                "unionid": self.tokens(_masked(st.take(P.values["unionid"][0], person), uni)),
                "phone": self.tokens(phone),
                "order_at": _utc(B.t_us[m]),
                "paid_at": _utc_nullable(paid_us[m], paid[m]),
                "status": st.take(_strs(statuses), status_code[m]),
                "order_amount": _money(amount[m]),
                "discount_amount": _money(disc[m]),
                "coupon_code": code.take(pa.array(m)),
            }
        )
        self.mall = {
            "person": person,
            "order_at": B.t_us[m],
            "paid_at": paid_us[m],
            "paid": paid[m],
            "first_product": prod[np.cumsum(n_lines)[m] - n_lines[m]],
            "n_lines": n_lines[m],
        }
        out["miniprogram_order_items"] = self.items(
            m, mp_ids, n_lines, o_of_line, line_no, prod, qty, price
        )
        # ---------------- marketplaces
        e = np.flatnonzero((ch >= 1) & (ch <= 3))
        plat = ch[e] - 1
        pdd = rng.random(len(e)) < r.unknown_platform_rate
        plat = np.where(pdd, 3, plat)
        self.rc.add("unknown_platform", int(pdd.sum()), len(e))
        person = B.person[e]
        e_ids = st.concat(
            st.take(_strs(["1", "2", "3", "9"]), plat), self.num_ids("", len(e), 2, 15)
        )
        buyer = st.take(P.values["buyer_id"][0], person)
        for k in (1, 2, 3):
            buyer = st.where(plat == k, st.take(P.values["buyer_id"][k], person), buyer)
        bound = P.bound[person, plat]
        masked = rng.random(len(e)) < r.masked_marketplace_phone_rate
        self.rc.add("masked_marketplace_phone", int(masked.sum()), len(e))
        phone, pk = P.phone_at(person, B.t_us[e])
        real_rates = dict(self.prates)
        real_rates["masked"] = 0.0
        phone_dirty, _, _ = st.dirty_phones(phone, rng, real_rates)
        phone_raw = st.where(masked, st.phone_form(phone, "masked"), phone_dirty)
        pvalid = ~masked
        self.ev.rows(
            (self.reg.slot("buyer_id", plat, person), np.ones(len(e), bool)),
            (_slot(self.reg, "member_id", 0, person, bound), bound),
            (self.phone_slots(person, pk, pvalid), pvalid),
            t=B.t_us[e],
        )
        st_code = status_code[e]
        unknown = (plat == 0) & (rng.random(len(e)) < r.unknown_status_rate)
        self.rc.add("unknown_status_tmall", int(unknown.sum()), int((plat == 0).sum()))
        status = st.where(unknown, "WAIT_SELLER_SEND_GOODS", st.take(_strs(statuses), st_code))
        out["ecommerce_orders"] = pa.table(
            {
                "order_id": e_ids,
                "platform": st.take(_strs(PLATFORMS), plat),
                "buyer_id": buyer,
                "member_id": self.tokens(_masked(st.take(P.values["member_id"][0], person), bound)),
                "receiver_phone": phone_raw,
                "order_at": _utc(B.t_us[e]),
                "paid_at": _utc_nullable(paid_us[e], paid[e]),
                "status": status,
                "order_amount": _money(amount[e]),
                "discount_amount": _money(disc[e]),
                "coupon_code": code.take(pa.array(e)),
            }
        )
        out["ecommerce_order_items"] = self.items(
            e, e_ids, n_lines, o_of_line, line_no, prod, qty, price
        )
        # ---------------- POS
        out.update(
            self.pos(
                B,
                np.flatnonzero(ch == 4),
                n_lines,
                o_of_line,
                line_no,
                prod,
                qty,
                price,
                amount,
                disc,
            )
        )
        return out

    def items(self, sel, ids, n_lines, o_of_line, line_no, prod, qty, price, sign=1) -> pa.Table:
        n = len(n_lines)
        chosen = np.zeros(n, dtype=bool)
        chosen[sel] = True
        pos = np.full(n, -1, dtype=np.int64)
        pos[sel] = np.arange(len(sel))
        lines = np.flatnonzero(chosen[o_of_line])
        return pa.table(
            {
                "order_id": ids.take(pa.array(pos[o_of_line[lines]])),
                "line_no": pa.array(line_no[lines].astype(np.int64)),
                "product_id": st.take(self.product_ids, prod[lines]),
                "quantity": pa.array((sign * qty[lines]).astype(np.int64)),
                "unit_price": _money(price[lines]),
            }
        )

    def pos(self, B, sel, n_lines, o_of_line, line_no, prod, qty, price, amount, disc):
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        cat = ctx.catalog
        person = B.person[sel]
        n = len(sel)
        # store: one in the person's city when there is one
        city = P.city[person]
        first = np.searchsorted(cat.store_city, city, side="left")
        count = np.searchsorted(cat.store_city, city, side="right") - first
        local = first + (rng.random(n) * np.maximum(count, 1)).astype(np.int64)
        store = np.where(count > 0, local, rng.integers(0, len(cat.store_ids), n))
        # returns: a later transaction with is_return and negative amounts
        ret = rng.random(n) < r.pos_return_rate
        ret_t = B.t_us[sel] + (rng.uniform(1, 20, n) * DAY_US).astype(np.int64)
        end_us = ctx.day_to_utc(np.array([ctx.n_days]), np.zeros(1))[0]
        ret &= ret_t < end_us
        self.rc.add("pos_return", int(ret.sum()), n)
        rsel = np.flatnonzero(ret)
        allp = np.concatenate([person, person[rsel]])
        t = np.concatenate([B.t_us[sel], ret_t[rsel]])
        is_ret = np.concatenate([np.zeros(n, bool), np.ones(len(rsel), bool)])
        m = len(allp)
        card_shown = P.is_member[person] & (rng.random(n) < r.pos_card_shown_rate)
        u = rng.random(n)
        placeholder = u < r.pos_placeholder_phone_rate
        typed = (~placeholder) & (u < r.pos_placeholder_phone_rate + r.pos_phone_typed_rate)
        ph_code = rng.integers(0, len(PLACEHOLDER_PHONES), n)
        card_shown = np.concatenate([card_shown, card_shown[rsel]])
        placeholder = np.concatenate([placeholder, placeholder[rsel]])
        typed = np.concatenate([typed, typed[rsel]])
        ph_code = np.concatenate([ph_code, ph_code[rsel]])
        self.rc.add("pos_placeholder_phone", int(placeholder.sum()), m)
        phone, pk = P.phone_at(allp, t)
        phone = _masked(phone, typed)
        phone_raw, pvalid = self.dirty_phone_col(phone, "pos")
        phone_raw = st.where(placeholder, st.take(_strs(PLACEHOLDER_PHONES), ph_code), phone_raw)
        real = typed & pvalid
        card = _masked(st.take(P.values["member_card"][0], allp), card_shown)
        card = self.dirty_cs(card, r.card_dirty_rate, False, "card_dirty")
        self.ev.rows(
            (_slot(self.reg, "member_card", 0, allp, card_shown), card_shown),
            (self.phone_slots(allp, pk, real), real),
            t=t,
        )
        self.ev.black_hole(np.where(placeholder, BH_PHONE0 + ph_code, -1), P.gidx[allp], t=t)
        ids = self.num_ids("POS", m, 3, 13)
        amt = np.concatenate([amount[sel], -amount[sel][rsel]])
        dsc = np.concatenate([disc[sel], -disc[sel][rsel]])
        pay = rng.choice(4, size=n, p=[0.55, 0.30, 0.10, 0.05])
        pay = np.concatenate([pay, pay[rsel]])
        stores = np.concatenate([store, store[rsel]])
        txns = pa.table(
            {
                "txn_id": ids,
                "store_id": st.take(pa.array(cat.store_ids, pa.string()), stores),
                "member_card_no": self.tokens(card),
                "phone": self.tokens(phone_raw),
                "txn_at_local": _local(t + TZ_US),
                "txn_amount": _money(amt),
                "discount_amount": _money(dsc),
                "payment_method": st.take(_strs(["wechat", "alipay", "card", "cash"]), pay),
                "is_return": pa.array(is_ret),
            }
        )
        sale_items = self.items(sel, ids.slice(0, n), n_lines, o_of_line, line_no, prod, qty, price)
        # return lines: the sale's lines with negative quantity
        ret_orders = sel[rsel]
        ret_items = self.items(
            ret_orders,
            ids.slice(n, len(rsel)),
            n_lines,
            o_of_line,
            line_no,
            prod,
            qty,
            price,
            sign=-1,
        )
        return {
            "pos_transactions": txns,
            "pos_transaction_items": pa.concat_tables([sale_items, ret_items]).rename_columns(
                ["txn_id", "line_no", "product_id", "quantity", "unit_price"]
            ),
        }

    # ------------------------------------------------------------------ sessions and events
    def sessions(self) -> dict[str, np.ndarray]:
        """Browse sessions (funnel forward) plus order sessions (built back from mall orders)."""
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        n = P.n
        any_surface = P.has_web | P.has_app | P.has_mp
        lo = np.clip(P.first_day, 0, ctx.n_days)
        stop = np.where(P.dropout_day < INT64_MAX, P.dropout_day + 45, ctx.n_days)
        hi = np.clip(stop, lo, ctx.n_days)
        mass = ctx.mass(lo, hi, P.power)
        ns = rng.poisson(P.session_rate / 7.0 * mass)
        ns[~any_surface] = 0
        person = np.repeat(np.arange(n), ns)
        day = ctx.sample_days(rng, lo[person], hi[person], P.power[person])
        tod = rng.choice(24, size=len(day), p=HOUR_P) * 3600 * US + rng.integers(
            0, 3600 * US, len(day)
        )
        start = ctx.day_to_utc(day, tod)
        w = np.stack(
            [1.3 * P.has_mp[person], 2.0 * P.has_app[person], 1.0 * P.has_web[person]], axis=1
        )
        cw = np.cumsum(w, axis=1)
        u = rng.random(len(person)) * cw[:, -1]
        surface = (u[:, None] >= cw).sum(axis=1)
        S = len(person)
        pv = rng.random(S) < r.funnel_product_view
        cart = pv & (rng.random(S) < r.funnel_add_to_cart)
        chk = cart & (rng.random(S) < r.funnel_checkout)
        counts = np.zeros((S, 9), dtype=np.int64)
        counts[:, 0] = 1
        counts[:, 1] = np.where(surface == 2, rng.geometric(0.5, S) - 1, 0)
        counts[:, 2] = rng.random(S) < 0.25
        counts[:, 3] = pv * (1 + rng.poisson(0.8, S))
        counts[:, 4] = cart
        counts[:, 5] = chk
        counts[:, 7] = pv & (surface != 2) & (rng.random(S) < 0.04)
        counts[:, 8] = pv & (surface != 2) & (rng.random(S) < 0.06)
        l1 = self.person_l1(person, 0.7)
        product = self.pick_products(l1, np.clip(day, 0, ctx.n_days - 1))
        # order sessions
        M = self.mall
        mp_ = M["person"]
        n_orders = len(mp_)
        u = rng.random(n_orders)
        osurf = np.where(
            (u < r.mall_surface_app) & P.has_app[mp_],
            1,
            np.where(
                (u >= r.mall_surface_app)
                & (u < r.mall_surface_app + r.mall_surface_web)
                & P.has_web[mp_],
                2,
                0,
            ),
        )
        ocounts = np.zeros((n_orders, 9), dtype=np.int64)
        ocounts[:, 0] = 1
        ocounts[:, 1] = np.where(osurf == 2, rng.geometric(0.5, n_orders) - 1, 0)
        ocounts[:, 2] = rng.random(n_orders) < 0.2
        ocounts[:, 3] = 1 + rng.poisson(0.5, n_orders)
        ocounts[:, 4] = np.minimum(M["n_lines"], 3)
        ocounts[:, 5] = 1
        ocounts[:, 6] = M["paid"]
        anchor = np.where(M["paid"], M["paid_at"], M["order_at"])
        self.rc.add("mall_orders_with_purchase_event", int(M["paid"].sum()), n_orders)
        return {
            "person": np.concatenate([person, mp_]),
            "surface": np.concatenate([surface, osurf]),
            "anchor": np.concatenate([start, anchor]),
            "is_order": np.concatenate([np.zeros(S, bool), np.ones(n_orders, bool)]),
            "counts": np.concatenate([counts, ocounts]),
            "product": np.concatenate([product, M["first_product"]]),
        }

    def explode(self, S: dict[str, np.ndarray], sel: np.ndarray) -> dict[str, np.ndarray]:
        """Session rows -> event rows (person, session, type code, UTC time, product)."""
        rng = self.rng
        counts = S["counts"][sel]
        tot = counts.sum(axis=1)
        sess = np.repeat(np.arange(len(sel)), tot)
        typ = np.repeat(np.tile(np.arange(9), len(sel)), counts.ravel())
        gaps = rng.exponential(40.0, len(sess)) * US + US
        first = np.cumsum(tot) - tot
        gaps[first[tot > 0]] = 0
        cs = np.cumsum(gaps)
        off = cs - cs[np.repeat(first, tot)]
        dur = off[np.repeat(np.cumsum(tot) - 1, tot)]
        anchor = S["anchor"][sel][sess]
        is_first = np.zeros(len(sess), dtype=bool)
        is_first[first[tot > 0]] = True
        t = np.where(S["is_order"][sel][sess], anchor - (dur - off), anchor + off).astype(np.int64)
        # keep the session's events inside the window
        return {
            "person": S["person"][sel][sess],
            "session": sel[sess],
            "type": typ,
            "t": t,
            "product": S["product"][sel][sess],
            "is_first": is_first,
            "is_order": S["is_order"][sel][sess],
        }

    def event_mess(self, E: dict, n: int, table: str, unknown: str, names: pa.Array):
        """Timestamps, ingestion delay, duplicates and unknown vocabulary for an event table."""
        rng, r = self.rng, self.ctx.rates
        t_true = E["t"]
        late = rng.random(n) < r.late_event_rate
        delay = (rng.exponential(20.0, n) * US).astype(np.int64) + 200_000
        delay[late] = (rng.uniform(2 * 3600, 5 * 86400, int(late.sum())) * US).astype(np.int64)
        ingested = t_true + delay
        u = rng.random(n)
        epoch = u < r.epoch_ts_rate
        future = (u >= r.epoch_ts_rate) & (u < r.epoch_ts_rate + r.future_ts_rate)
        self.rc.add(f"{table}.late", int(late.sum()), n)
        self.rc.add(f"{table}.epoch_ts", int(epoch.sum()), n)
        self.rc.add(f"{table}.future_ts", int(future.sum()), n)
        bad = rng.random(n) < r.unknown_vocab_rate
        self.rc.add(f"{table}.unknown_vocab", int(bad.sum()), n)
        names = st.where(bad, unknown, names)
        dup = rng.random(n) < r.duplicate_event_rate
        self.rc.add(f"{table}.duplicate", int(dup.sum()), n)
        future_t = FUTURE_US + (rng.random(n) * 365 * DAY_US).astype(np.int64)
        written = np.where(epoch, EPOCH_US, np.where(future, future_t, t_true))
        return written, ingested, names, epoch, future, dup

    def finalize_events(
        self,
        cols: dict[str, pa.Array],
        t_sort: np.ndarray,
        dup: np.ndarray,
        ingested: np.ndarray,
        rows: dict[str, np.ndarray] | None = None,
    ) -> pa.Table:
        """Add the duplicate deliveries and sort by true time; ``rows`` (per event, before the
        duplicates) is kept in ``event_rows`` with ``row``: the event behind each output row."""
        n = len(t_sort)
        idx = np.concatenate([np.arange(n), np.flatnonzero(dup)])
        ing = np.concatenate(
            [
                ingested,
                ingested[dup] + (self.rng.exponential(600, int(dup.sum())) * US).astype(np.int64),
            ]
        )
        order = np.lexsort((np.arange(len(idx)), idx, t_sort[idx]))
        take = pa.array(idx[order])
        out = {k: v.take(take) for k, v in cols.items()}
        out["ingested_at"] = _utc(ing[order])
        if rows is not None:
            self.event_rows[rows.pop("table")] = {**rows, "row": idx[order]}
        return pa.table(out)

    def web_events(self, S: dict, sel: np.ndarray) -> pa.Table:
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        reg = self.reg
        E = self.explode(S, sel)
        n = len(E["t"])
        person = E["person"]
        ns = len(sel)
        # session attributes
        sp = S["person"][sel]
        k = (rng.random(ns) * P.n_cookies[sp]).astype(np.int64)
        cafe_s = (P.cafe[sp] >= 0) & (rng.random(ns) < r.cafe_session_share)
        login_rate = np.where(S["is_order"][sel], 0.8, r.web_login_rate)
        login_s = P.is_member[sp] & (rng.random(ns) < login_rate)
        utm_w = np.array([x[2] for x in UTM])
        utm_s = rng.choice(len(UTM), size=ns, p=utm_w / utm_w.sum())
        loc = np.searchsorted(sel, E["session"])
        ck, cafe, login, utm = k[loc], cafe_s[loc], login_s[loc], utm_s[loc]
        cookie = st.take(P.values["cookie_id"][0], person)
        for kk in (1, 2):
            cookie = st.where(ck == kk, st.take(P.values["cookie_id"][kk], person), cookie)
        cafe_vals = pa.array(ctx.catalog.cafe_cookies, pa.string())
        cookie = st.where(cafe, st.take(cafe_vals, np.maximum(P.cafe[person], 0)), cookie)
        member = _masked(st.take(P.values["member_id"][0], person), login)
        self.ev.rows(
            (_slot(reg, "cookie_id", ck, person, ~cafe), ~cafe),
            (_slot(reg, "member_id", 0, person, login), login),
            t=E["t"],
        )
        self.ev.black_hole(np.where(cafe, BH_CAFE0 + P.cafe[person], -1), P.gidx[person], t=E["t"])
        typ = E["type"]
        names = st.take(
            _strs(
                [
                    "page_view",
                    "page_view",
                    "search",
                    "product_view",
                    "add_to_cart",
                    "checkout",
                    "purchase",
                    "share",
                    "favorite",
                ]
            ),
            typ,
        )
        written, ingested, names, _, _, dup = self.event_mess(E, n, "web_events", "pageview", names)
        prod_ids = st.take(self.product_ids, E["product"])
        has_prod = (typ >= 3) & (typ <= 6)
        pages = st.take(
            _strs(
                list(WEB_PAGES)
                + [
                    "https://www.lanzhi.com.cn/search",
                    "https://www.lanzhi.com.cn/cart",
                    "https://www.lanzhi.com.cn/checkout",
                    "https://www.lanzhi.com.cn/checkout/success",
                ]
            ),
            np.select(
                [typ == 2, typ == 4, typ == 5, typ == 6],
                [len(WEB_PAGES), len(WEB_PAGES) + 1, len(WEB_PAGES) + 2, len(WEB_PAGES) + 3],
                default=rng.integers(0, len(WEB_PAGES), n),
            ),
        )
        page = st.where(typ == 3, st.concat("https://www.lanzhi.com.cn/product/", prod_ids), pages)
        search = _masked(
            st.take(_strs(SEARCH_TERMS), rng.integers(0, len(SEARCH_TERMS), n)), typ == 2
        )
        ua = st.take(
            _strs(USER_AGENTS),
            st.mix64(P.gidx[person].astype(np.uint64) * np.uint64(4) + ck.astype(np.uint64), 5)
            % len(USER_AGENTS),
        )
        first = E["is_first"]
        src = _strs([x[0] or "" for x in UTM])
        med = _strs([x[1] or "" for x in UTM])
        has_utm = first & (utm > 0)
        label = ctx.promo_label[
            np.clip((E["t"] - ctx.start_utc_us) // DAY_US, 0, ctx.n_days - 1) + ctx.history
        ]
        camp_names = [
            f"{lab.lower()}_{y}" for y in (2024, 2025, 2026, 2027) for lab in PROMO_LABELS
        ]
        years = (
            np.datetime64(ctx.start, "D")
            + np.clip((E["t"] - ctx.start_utc_us) // DAY_US, 0, ctx.n_days - 1).astype(
                "timedelta64[D]"
            )
        ).astype("datetime64[Y]").astype(int) + 1970
        camp_code = (np.clip(years, 2024, 2027) - 2024) * len(PROMO_LABELS) + label
        camp = st.take(_strs(camp_names), camp_code)
        camp = st.where(label == 0, "always_on", camp)
        cols = {
            "event_id": self.hex_ids("w-", n, 10, 16),
            "cookie_id": cookie,
            "member_id": self.tokens(member),
            "event_type": names,
            "page_url": page,
            "product_id": _masked(prod_ids, has_prod),
            "search_term": search,
            "event_at": _utc(written),
            "user_agent": ua,
            "utm_source": _masked(st.take(src, utm), has_utm),
            "utm_medium": _masked(st.take(med, utm), has_utm),
            "utm_campaign": _masked(camp, has_utm),
        }
        rows = {"table": "web_events", "person": person, "session": E["session"], "t": E["t"]}
        rows.update(written=written, cafe=cafe, login=login, cookie_k=ck)
        return self.finalize_events(cols, E["t"], dup, ingested, rows)

    def app_events(self, S: dict, sel: np.ndarray) -> pa.Table:
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        reg = self.reg
        E = self.explode(S, sel)
        n = len(E["t"])
        person = E["person"]
        ns = len(sel)
        sp = S["person"][sel]
        k = (rng.random(ns) * P.n_devices[sp]).astype(np.int64)
        fam_s = (P.family[sp] >= 0) & (rng.random(ns) < 0.6)
        login_s = P.is_member[sp] & (rng.random(ns) < r.app_login_rate)
        lphone_s = login_s & (rng.random(ns) < r.app_login_phone_rate)
        loc = np.searchsorted(sel, E["session"])
        dk, fam, login, lphone = k[loc], fam_s[loc], login_s[loc], lphone_s[loc]
        dev = st.where(
            dk == 1,
            st.take(P.values["device_id"][1], person),
            st.take(P.values["device_id"][0], person),
        )
        zero = P.device_zero[person, dk] & ~fam
        dev = st.where(zero, ZEROED_IDFA, dev)
        fam_code = np.maximum(P.family[person], 0).astype(np.uint64)
        fam_dev = st.to_pa(
            st.encode(st.mix64(fam_code, self.ctx.salts["device"] ^ 0xFA), st.HEX, 16)
        )
        dev = st.where(fam, fam_dev, dev)
        ios = P.device_ios[person, dk] & ~fam
        harmony = st.mix64(
            P.gidx[person].astype(np.uint64) * np.uint64(2) + dk.astype(np.uint64), 77
        ) % 1000 < int(r.unknown_app_platform_rate * 1000)
        harmony &= ~ios
        self.rc.add("app_events.unknown_platform", int(harmony.sum()), int((~ios).sum()))
        platform = st.take(
            _strs(["android", "ios", "harmonyos"]), np.where(harmony, 2, ios.astype(np.int64))
        )
        member = _masked(st.take(P.values["member_id"][0], person), login)
        phone, pk = P.phone_at(person, E["t"])
        phone = _masked(phone, lphone)
        phone, pvalid = self.dirty_phone_col(phone, "app")
        own_dev = ~(zero | fam)
        self.ev.rows(
            (_slot(reg, "device_id", dk, person, own_dev), own_dev),
            (_slot(reg, "member_id", 0, person, login), login),
            (self.phone_slots(person, pk, pvalid), pvalid),
            t=E["t"],
        )
        self.ev.black_hole(np.where(zero, BH_ZERO_IDFA, -1), P.gidx[person], t=E["t"])
        fam_out = fam & self.ev.written(E["t"], n)  # truth counts the written rows only
        if fam_out.any():
            self.family_usage.append((P.family[person[fam_out]], P.gidx[person[fam_out]]))
        typ = E["type"]
        names = st.take(
            _strs(
                [
                    "app_open",
                    "app_open",
                    "search",
                    "product_view",
                    "add_to_cart",
                    "checkout",
                    "purchase",
                    "share",
                    "favorite",
                ]
            ),
            typ,
        )
        written, ingested, names, _, _, dup = self.event_mess(
            E, n, "app_events", "AppLaunch", names
        )
        has_prod = ((typ >= 3) & (typ <= 8)) & (typ != 2)
        local = np.where(written == EPOCH_US, 0, written + TZ_US)
        local = np.where(written >= FUTURE_US, written, local)
        day = np.clip((E["t"] - ctx.start_utc_us) // DAY_US, 0, ctx.n_days)
        vidx = np.maximum(day // 45 - (P.gidx[person] % 3), 0)
        versions = _strs([f"{5 + i // 8}.{i % 8}.{j}" for i in range(40) for j in range(3)])
        version = st.take(versions, np.minimum(vidx, 39) * 3 + (P.gidx[person] % 3))
        cols = {
            "event_id": self.hex_ids("a-", n, 11, 16),
            "device_id": dev,
            "platform": platform,
            "member_id": self.tokens(member),
            "login_phone": self.tokens(phone),
            "event_name": names,
            "product_id": _masked(st.take(self.product_ids, E["product"]), has_prod),
            "event_at_local": _local(local),
            "app_version": version,
        }
        rows = {"table": "app_events", "person": person, "session": E["session"], "t": E["t"]}
        rows.update(written=written, login=login)
        return self.finalize_events(cols, E["t"], dup, ingested, rows)

    def mp_events(self, S: dict, sel: np.ndarray) -> pa.Table:
        rng, _r, P = self.rng, self.ctx.rates, self.P
        reg = self.reg
        E = self.explode(S, sel)
        n = len(E["t"])
        person = E["person"]
        ns = len(sel)
        sp = S["person"][sel]
        app_s = np.where(S["is_order"][sel], 0, (rng.random(ns) < 0.15).astype(np.int64))
        uni_s = P.union_auth[sp] & (rng.random(ns) < 0.9)
        ph_s = P.phone_auth[sp] & (rng.random(ns) < 0.6)
        loc = np.searchsorted(sel, E["session"])
        app, uni, ph = app_s[loc], uni_s[loc], ph_s[loc]
        openid = st.where(
            app == 1, st.take(P.values["openid"][1], person), st.take(P.values["openid"][0], person)
        )
        unionid = _masked(st.take(P.values["unionid"][0], person), uni)
        phone, pk = P.phone_at(person, E["t"])
        phone = _masked(phone, ph)
        phone, pvalid = self.dirty_phone_col(phone, "mp")
        self.ev.rows(
            (reg.slot("openid", app, person), np.ones(n, bool)),
            (_slot(reg, "unionid", 0, person, uni), uni),
            (self.phone_slots(person, pk, pvalid), pvalid),
            t=E["t"],
        )
        typ = E["type"]
        names = st.take(
            _strs(
                [
                    "mp_open",
                    "mp_open",
                    "search",
                    "product_view",
                    "add_to_cart",
                    "checkout",
                    "purchase",
                    "share",
                    "favorite",
                ]
            ),
            typ,
        )
        written, ingested, names, _, _, dup = self.event_mess(
            E, n, "miniprogram_events", "page_show", names
        )
        prod_ids = st.take(self.product_ids, E["product"])
        has_prod = ((typ >= 3) & (typ <= 8)) & (typ != 2)
        fixed = _strs(
            list(MP_PAGES)
            + ["pages/search/index", "pages/cart/index", "pages/order/confirm", "pages/pay/result"]
        )
        code = np.select(
            [typ == 2, typ == 4, typ == 5, typ == 6],
            [len(MP_PAGES), len(MP_PAGES) + 1, len(MP_PAGES) + 2, len(MP_PAGES) + 3],
            default=rng.integers(0, len(MP_PAGES), n),
        )
        page = st.where(
            (typ == 3) | (typ == 7) | (typ == 8),
            st.concat("pages/product/detail?id=", prod_ids),
            st.take(fixed, code),
        )
        cols = {
            "event_id": self.hex_ids("m-", n, 12, 16),
            "appid": st.take(_strs(APPIDS), app),
            "openid": openid,
            "unionid": self.tokens(unionid),
            "phone": self.tokens(phone),
            "event_name": names,
            "page_path": page,
            "product_id": _masked(prod_ids, has_prod),
            "event_at": _utc(written),
        }
        rows = {"table": "miniprogram_events", "person": person, "session": E["session"]}
        rows.update(t=E["t"], written=written, app=app)
        return self.finalize_events(cols, E["t"], dup, ingested, rows)

    # ------------------------------------------------------------------ WeCom, service, campaigns
    def wecom(self) -> pa.Table:
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        vip = np.array([a.name == "loyal_vip" for a in ARCHETYPES])[P.arch]
        sel = np.flatnonzero(rng.random(P.n) < np.where(vip, 4 * r.wecom_rate, r.wecom_rate))
        n = len(sel)
        lo = np.clip(P.first_day[sel], 0, ctx.design_days - 1)
        day = lo + (rng.random(n) * (ctx.design_days - lo)).astype(np.int64)
        added = ctx.day_to_utc(
            day, rng.choice(24, n, p=HOUR_P) * 3600 * US + rng.integers(0, 3600 * US, n)
        )
        deleted = rng.random(n) < r.wecom_deleted_rate
        end_us = ctx.day_to_utc(np.array([ctx.design_days]), np.zeros(1))[0]
        del_us = added + (rng.random(n) * (end_us - added)).astype(np.int64)
        uni = rng.random(n) < r.wecom_unionid_rate
        rem = rng.random(n) < r.wecom_remark_phone_rate
        phone, pk = P.phone_at(sel, added)
        phone, pvalid = self.dirty_phone_col(_masked(phone, rem), "wecom")
        self.ev.rows(
            (self.reg.slot("wecom_userid", 0, sel), np.ones(n, bool)),
            (_slot(self.reg, "unionid", 0, sel, uni), uni),
            (self.phone_slots(sel, pk, pvalid), pvalid),
            t=added,
        )
        staff = st.concat("LZBA", st.digits(rng.integers(1, 400, n), 4))
        return pa.table(
            {
                "external_userid": st.take(P.values["wecom_userid"][0], sel),
                "unionid": self.tokens(_masked(st.take(P.values["unionid"][0], sel), uni)),
                "staff_id": staff,
                "remark_phone": self.tokens(phone),
                "added_at": _utc(added),
                "deleted_at": _utc_nullable(del_us, deleted),
            }
        )

    def tickets(self, B: Purchases) -> pa.Table:
        ctx, rng, P = self.ctx, self.rng, self.P
        from_order = np.flatnonzero(rng.random(len(B.person)) < 0.03)
        extra = np.flatnonzero(rng.random(P.n) < 0.01)
        person = np.concatenate([B.person[from_order], extra])
        n = len(person)
        lo = np.clip(P.first_day[extra], 0, ctx.design_days - 1)
        eday = lo + (rng.random(len(extra)) * (ctx.design_days - lo)).astype(np.int64)
        t = np.concatenate(
            [
                B.t_us[from_order]
                + (rng.uniform(0.2, 10, len(from_order)) * DAY_US).astype(np.int64),
                ctx.day_to_utc(eday, rng.integers(8, 22, len(extra)) * 3600 * US),
            ]
        )
        end_us = ctx.day_to_utc(np.array([ctx.n_days]), np.zeros(1))[0]
        keep = t < end_us
        after = np.concatenate([np.ones(len(from_order), bool), np.zeros(len(extra), bool)])
        person, t, after = person[keep], t[keep], after[keep]
        n = len(person)
        chan = rng.choice(3, size=n, p=[0.35, 0.40, 0.25])  # hotline, wechat, online_chat
        chan = np.where((chan == 1) & ~P.has_mp[person], 0, chan)
        mem = P.is_member[person]
        has_member = mem & np.where(chan == 2, True, rng.random(n) < np.where(chan == 0, 0.5, 0.3))
        has_phone = (chan == 0) | ((chan == 2) & (rng.random(n) < 0.3))
        has_openid = chan == 1
        phone, pk = P.phone_at(person, t)
        phone, pvalid = self.dirty_phone_col(_masked(phone, has_phone), "cs")
        self.ev.rows(
            (_slot(self.reg, "member_id", 0, person, has_member), has_member),
            (self.phone_slots(person, pk, pvalid), pvalid),
            (_slot(self.reg, "openid", 0, person, has_openid), has_openid),
            t=t,
        )
        cat_code = np.where(
            after,
            rng.choice(4, size=n, p=[0.25, 0.20, 0.50, 0.05]),
            rng.choice(4, size=n, p=[0.60, 0.10, 0.10, 0.20]),
        )
        score_p = np.array([0.05, 0.07, 0.15, 0.33, 0.40])
        score = rng.choice(5, size=n, p=score_p) + 1
        score = np.where(cat_code == 1, np.maximum(1, score - 2), score)
        rated = rng.random(n) < 0.6
        return pa.table(
            {
                "ticket_id": self.num_ids("CS", n, 4, 12),
                "channel": st.take(_strs(["hotline", "wechat", "online_chat"]), chan),
                "member_id": self.tokens(
                    _masked(st.take(P.values["member_id"][0], person), has_member)
                ),
                "phone": self.tokens(phone),
                "openid": self.tokens(_masked(st.take(P.values["openid"][0], person), has_openid)),
                "appid": _masked(pa.array([APPIDS[0]] * n, pa.string()), has_openid),
                "created_at": _utc(t),
                "category": st.take(
                    _strs(["consultation", "complaint", "after_sales", "other"]), cat_code
                ),
                "satisfaction_score": pa.array(score.astype(np.int64), mask=~rated),
            }
        )

    def touches(self) -> tuple[pa.Table, np.ndarray, np.ndarray, np.ndarray]:
        """Campaign touches; returns the table and (person, campaign, sent_us) of treatments."""
        ctx, rng, r, P = self.ctx, self.rng, self.ctx.rates, self.P
        parts_p, parts_c, parts_v, parts_t = [], [], [], []
        vip = np.array([a.name == "loyal_vip" for a in ARCHETYPES])[P.arch]
        for ci, c in enumerate(ctx.campaigns):
            sent_day = (c["sent_on"] - ctx.start).days
            ch = c["channel"]
            if ch == "sms":
                elig = P.is_member
            elif ch == "email":
                elig = P.is_member & P.has_email
            elif ch == "push":
                elig = P.has_app
            else:
                elig = P.has_mp
            elig = elig & (P.first_day <= sent_day)
            target = elig & (rng.random(P.n) < np.where(vip, 0.7, 0.3))
            p = np.flatnonzero(target)
            parts_p.append(p)
            parts_c.append(np.full(len(p), ci))
            parts_v.append(rng.random(len(p)) < r.treatment_share)
            base = ctx.day_to_utc(np.full(len(p), sent_day), np.full(len(p), 10 * 3600 * US))
            parts_t.append(base + rng.integers(0, 2 * 3600 * US, len(p)))
        person = np.concatenate(parts_p) if parts_p else np.zeros(0, np.int64)
        camp = np.concatenate(parts_c) if parts_c else np.zeros(0, np.int64)
        treat = np.concatenate(parts_v) if parts_v else np.zeros(0, bool)
        sent = np.concatenate(parts_t) if parts_t else np.zeros(0, np.int64)
        n = len(person)
        chan_names = np.array([c["channel"] for c in ctx.campaigns] or ["sms"], dtype=object)
        chan = chan_names[camp] if n else np.zeros(0, dtype=object)
        is_sms, is_push = chan == "sms", chan == "push"
        is_wecom, is_email = chan == "wecom", chan == "email"
        phone, _ = P.phone_at(person, sent)
        phone, _ = self.dirty_phone_col(_masked(phone, is_sms), "touch")
        phone = self.tokens(phone)
        dk = (rng.random(n) * P.n_devices[person]).astype(np.int64)
        dev = st.where(
            dk == 1,
            st.take(P.values["device_id"][1], person),
            st.take(P.values["device_id"][0], person),
        )
        zero = P.device_zero[person, dk] & is_push
        dev = st.where(zero, ZEROED_IDFA, dev)
        self.ev.black_hole(np.where(zero, BH_ZERO_IDFA, -1), P.gidx[person], t=sent)
        email = self.dirty_cs(
            _masked(st.take(P.values["email"][0], person), is_email),
            r.email_dirty_rate,
            True,
            "email_dirty",
        )
        open_p = np.select([is_push, is_wecom, is_email], [0.08, 0.30, 0.15], default=0.0)
        opened = treat & (rng.random(n) < open_p)
        open_t = sent + (rng.exponential(3 * 3600, n) * US).astype(np.int64)
        click_p = np.where(is_sms, 0.03, 0.0)
        clicked = treat & ((opened & (rng.random(n) < 0.2)) | (rng.random(n) < click_p))
        click_t = np.where(opened, open_t, sent) + (rng.exponential(600, n) * US).astype(np.int64)
        tbl = pa.table(
            {
                "touch_id": self.hex_ids("t-", n, 13, 16),
                "campaign_id": st.take(
                    _strs([c["campaign_id"] for c in ctx.campaigns] or [""]), camp
                ),
                "channel": pa.array(chan.tolist(), pa.string()),
                "variant": st.where(treat, "treatment", pa.array(["control"] * n, pa.string())),
                "phone": phone,
                "device_id": _masked(dev, is_push),
                "openid": _masked(st.take(P.values["openid"][0], person), is_wecom),
                "appid": _masked(pa.array([APPIDS[0]] * n, pa.string()), is_wecom),
                "email": email,
                "sent_at": _utc(sent),
                "opened_at": _utc_nullable(open_t, opened),
                "clicked_at": _utc_nullable(click_t, clicked),
            }
        )
        self.rc.add("touch_treatment", int(treat.sum()), n)
        return tbl, person[treat], camp[treat], sent[treat]


@dataclass
class ChunkResult:
    tables: dict[str, pa.Table]
    identity: pa.Table
    persons: pa.Table
    bh_counts: np.ndarray
    family: list[tuple[np.ndarray, np.ndarray]]
