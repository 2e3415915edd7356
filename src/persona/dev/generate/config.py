"""Stated parameters of the synthetic generator: archetypes, channel mix and messiness rates.

Every rate a test or a document quotes lives in :data:`RATES` (a frozen :class:`Rates`); the
generator reads nothing else, and ``_truth/rates.json`` records these values next to the
realized counts. Rates are fractions (0.01 = 1 %), each with the population it applies to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Archetype:
    """Latent behaviour of one customer archetype (BG/NBD + Gamma-Gamma style)."""

    name: str
    share: float  # share of persons
    rate_mean: float  # mean purchase rate per week (lambda ~ Gamma(rate_shape, mean/shape))
    rate_shape: float
    dropout_a: float  # dropout probability after each repeat purchase p ~ Beta(a, b)
    dropout_b: float
    spend_mean: float  # mean order value in yuan (person level ~ Gamma(4, mean/4))
    member_prob: float  # probability of being a CRM member
    coupon_prob: float  # probability that an order uses a coupon
    seasonality_power: float  # promo sensitivity: purchase intensity ~ season(t) ** power
    sessions_per_week: float  # browsing sessions per week across web/app/mini-program
    buys: bool = True  # False: never buys (browsers)
    before_start_share: float = 0.35  # share first seen before the window starts


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype("loyal_vip", 0.05, 0.12, 3.0, 1.0, 30.0, 480.0, 0.97, 0.25, 1.0, 1.0),
    Archetype("regular", 0.20, 0.045, 2.0, 2.0, 20.0, 280.0, 0.75, 0.20, 1.0, 0.40),
    Archetype("promo_hunter", 0.15, 0.05, 2.0, 2.0, 14.0, 180.0, 0.60, 0.80, 2.2, 0.40),
    Archetype("one_off_buyer", 0.25, 0.012, 2.0, 6.0, 2.0, 210.0, 0.35, 0.25, 1.2, 0.15),
    Archetype("browser", 0.25, 0.0, 1.0, 1.0, 1.0, 150.0, 0.15, 0.0, 1.0, 0.80, buys=False),
    Archetype("lapsed", 0.10, 0.08, 2.0, 5.0, 5.0, 250.0, 0.55, 0.25, 1.0, 0.35, True, 0.85),
)


@dataclass(frozen=True)
class Rates:
    """Messiness and channel rates. Each field's comment names the population it applies to."""

    # --- funnels (browse sessions on web/app/mini-program) ---
    funnel_product_view: float = 0.55  # session -> at least one product view
    funnel_add_to_cart: float = 0.20  # product view -> add to cart
    funnel_checkout: float = 0.50  # cart -> checkout
    # checkout -> pay is realized by the order sessions built backwards from own-mall orders
    # (see the package docstring); browse sessions that reach checkout abandon it.

    # --- orders ---
    cancel_rate: float = 0.04  # orders cancelled before payment (paid_at null)
    unpaid_rate: float = 0.01  # orders left 'created' (never paid, not cancelled)
    refund_rate: float = 0.05  # paid online orders later refunded (status 'refunded')
    pos_return_rate: float = 0.04  # POS sales followed by a return transaction (is_return)
    mall_surface_app: float = 0.20  # own-mall orders placed from the app surface
    mall_surface_web: float = (
        0.10  # own-mall orders placed from the web surface (rest: mini-program)
    )
    treatment_share: float = 0.9  # campaign touches in the treatment variant (rest: control)
    uplift_window_days: int = 14  # a treated person's extra-purchase window after sent_at

    # --- identifier coverage ---
    email_rate: float = 0.40  # persons having an email address
    phone_change_rate: float = 0.03  # members whose phone changes in a later CRM version
    web_login_rate: float = 0.35  # web sessions of members that are logged in
    app_login_rate: float = 0.85  # app sessions of members that are logged in
    app_login_phone_rate: float = 0.40  # logged-in app events that also carry login_phone
    mp_unionid_auth_rate: float = 0.70  # mini-program users who authorized unionid
    mp_phone_auth_rate: float = 0.45  # mini-program users who authorized their phone
    marketplace_bind_rate: tuple[float, float, float, float] = (0.45, 0.25, 0.20, 0.0)
    # ^ members who bound the brand membership on tmall, jd, douyin, pdd
    pos_card_shown_rate: float = 0.60  # POS sales of members where the card is scanned
    pos_phone_typed_rate: float = 0.45  # POS sales where the cashier types a phone at all
    wecom_rate: float = 0.12  # persons added as WeCom external contacts (VIPs x4)
    wecom_unionid_rate: float = 0.85  # WeCom contacts whose unionid is known
    wecom_remark_phone_rate: float = 0.40  # WeCom contacts with a phone typed by staff
    wecom_deleted_rate: float = 0.12  # WeCom contacts that were later deleted

    # --- messiness ---
    duplicate_event_rate: float = 0.015  # event rows delivered twice (same event_id)
    late_event_rate: float = 0.01  # events ingested hours to days late (ingested_at)
    epoch_ts_rate: float = 0.0005  # event timestamps written as 1970-01-01 (epoch)
    future_ts_rate: float = 0.0005  # event timestamps written in 2099
    unknown_vocab_rate: float = 0.002  # event rows with an out-of-vocabulary event name
    unknown_status_rate: float = 0.005  # tmall orders with status 'WAIT_SELLER_SEND_GOODS'
    unknown_platform_rate: float = 0.003  # marketplace orders on platform 'pdd'
    unknown_app_platform_rate: float = 0.005  # non-iOS app events reporting 'harmonyos'
    null_token_rate: float = 0.03  # missing identifier cells written as '', 'null', 'undefined'
    masked_marketplace_phone_rate: float = 0.92  # marketplace receiver phones masked 138****8000
    # dirty forms of a phone cell outside marketplaces (own-channel phone columns), each a
    # fraction of the non-null phone cells; the rest is the bare 11 digits:
    phone_spaces_rate: float = 0.03  # '138 0013 8000'
    phone_plus86_dashes_rate: float = 0.02  # '+86-138-0013-8000'
    phone_86_prefix_rate: float = 0.015  # '8613800138000'
    phone_0086_prefix_rate: float = 0.005  # '008613800138000'
    phone_leading_zero_rate: float = 0.005  # '013800138000'
    phone_paren_plus86_rate: float = 0.005  # '(+86)13800138000'
    phone_fullwidth_rate: float = 0.002  # '１３８００１３８０００'
    phone_masked_rate: float = 0.005  # '138****8000' (not an identifier)
    pos_placeholder_phone_rate: float = 0.06  # POS transactions with a cashier placeholder phone
    zeroed_idfa_rate: float = 0.03  # iOS devices reporting the zeroed IDFA
    cafe_user_rate: float = 0.01  # web users who sometimes browse from an internet-cafe PC
    cafe_session_share: float = 0.4  # share of such a user's web sessions on the cafe cookie
    family_device_rate: float = 0.03  # app users who share a family device (2-4 members)
    email_dirty_rate: float = 0.05  # email cells with upper case and/or surrounding spaces
    card_dirty_rate: float = 0.03  # card cells with lower case and/or surrounding spaces
    birth_date_epoch_rate: float = 0.003  # CRM birth_date written as 1970-01-01

    def to_dict(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


RATES = Rates()


@dataclass(frozen=True)
class PrivacyRates:
    """Stated rates of the optional privacy tables (consent_events, erasure_requests).

    A person is *eligible* when at least one of their identifiers (other than a cookie) is linked
    in the other tables (see :mod:`persona.dev.generate.privacy`); rates apply to eligible persons
    unless the comment names another population. ``min_*`` are counts per chunk that a rate alone
    might miss in a small sample.
    """

    # --- consent_events: decisions ---
    marketing_withdrawal: float = 0.04  # persons withdrawing marketing consent on a channel
    withdrawal_all_channels: float = 0.15  # of those withdrawals, channel 'all'
    marketing_regrant: float = 0.25  # withdrawers who grant the same channel again later
    push_grant: float = 0.10  # persons with an app device who opt in to push in the app
    wecom_grant: float = 0.30  # WeCom contacts who grant wecom marketing
    email_grant: float = 0.03  # persons with an e-mail who subscribe on the web
    third_party_grant: float = 0.10  # separate consent to sharing with ad platforms
    third_party_withdrawal: float = 0.20  # of those, later withdrawn
    personalisation_refusal: float = 0.03  # persons refusing personalisation
    personalisation_all: float = 0.85  # of those refusals, channel 'all'
    personalisation_regrant: float = 0.10  # of those refusals, granted again later
    analytics_decision: float = 0.01  # analytics-purpose noise (channel 'all')
    analytics_withdrawn: float = 0.30  # of those, a withdrawal (else a grant)
    # --- consent_events: messiness (rate, and a minimum count per chunk) ---
    tie_grant: float = 0.05  # withdrawals with a grant at the same recorded_at (withdrawal wins)
    min_tie_grants: int = 1
    future_grant: float = 0.001  # persons with a grant dated 36 years ahead (quarantined)
    min_future_grants: int = 2
    future_withdrawal: float = 0.0005  # persons with a withdrawal dated 36 years ahead (applies)
    min_future_withdrawals: int = 1
    unknown_vocab: float = 0.002  # rows with an unknown purpose or channel (each half)
    min_unknown_vocab: int = 1  # each of purpose and channel
    null_recorded_at: float = 0.001  # rows with a null recorded_at
    min_null_recorded_at: int = 1
    duplicate_row: float = 0.001  # rows exported twice (exact copies)
    min_duplicate_rows: int = 1
    unknown_identifier_decisions: int = 1  # per chunk: a decision by an identifier nobody has
    # --- erasure_requests ---
    erasure: float = 0.001  # persons requesting erasure
    erasure_min_per_10k: int = 8  # at least this many per 10,000 persons (rounded up)
    restriction: float = 0.0003  # persons requesting restriction
    restriction_min_per_10k: int = 3
    repeat_request: float = 0.10  # erasure requesters who send a second request, other identifier
    unknown_requests: int = 2  # per chunk: requests by an identifier nobody has
    request_window_days: int = 90  # requests fall in the last days of the window

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


PRIVACY_RATES = PrivacyRates()

#: Cashier placeholder phones typed at the till when a customer gives none.
PLACEHOLDER_PHONES: tuple[str, ...] = ("13800138000", "13888888888", "18888888888", "18800000000")
ZEROED_IDFA = "00000000-0000-0000-0000-000000000000"
N_CAFE_COOKIES = 8  # global pool of internet-cafe cookies shared by many persons

#: Two WeChat mini-programs: the mall (orders) and the membership centre.
APPIDS: tuple[str, str] = ("wx8f3a2c1d5e7b9a04", "wx51c0e7a2b4d69f13")
PLATFORMS: tuple[str, ...] = ("tmall", "jd", "douyin", "pdd")
#: Purchase channel codes: 0 own mall (miniprogram_orders), 1 tmall, 2 jd, 3 douyin, 4 pos.
PURCHASE_CHANNELS: tuple[str, ...] = ("miniprogram", "tmall", "jd", "douyin", "pos")
PURCHASE_CHANNEL_WEIGHTS: tuple[float, ...] = (0.28, 0.30, 0.12, 0.13, 0.17)
PREFERRED_CHANNEL_STICKINESS = 0.7


@dataclass(frozen=True)
class Settings:
    """Engineering settings (not part of the data's meaning except through determinism)."""

    chunk_persons: int = 25_000
    history_days: int = 730  # persons may be first seen this many days before the window
    # days generated past the design window's end: a folder can be extended day by day up to
    # design end + extension_days (core.generate); the rows of a day never depend on --end
    extension_days: int = 92
    parquet_compression: str = "zstd"
    extra: dict[str, object] = field(default_factory=dict)


SETTINGS = Settings()
