"""Synthetic raw data for persona: the channel exports of a Chinese beauty & health brand.

Usage::

    python -m persona.dev.generate --persons 10000 --start 2024-11-01 --end 2026-10-31 \\
        --seed 42 --out data/raw [--workers 2] [--quiet]

    from persona.dev.generate import generate
    summary = generate(10_000, date(2024, 11, 1), date(2026, 10, 31), 42, Path("data/raw"))

What it writes (the raw input contract ``raw-sources.md`` is authoritative): one folder per
contract table with its rows filed by the local day they happened on -- whole months before the
month of ``--end`` as ``<out>/<table>/<YYYY-MM>.parquet``, each day of that month as
``<out>/<table>/<YYYY-MM-DD>.parquet``, ``products/products.parquet`` -- every required column,
plus ``_truth/`` (identity, persons, black_holes, campaigns, referrals, consent,
privacy_requests, rates.json, all as of ``--end``) and ``_generator.json`` (the arguments). The
same arguments give byte-identical files, whatever the number of worker processes
(``--workers``). The rows of a day never depend on ``--end`` (everything is generated through
the design end plus 92 days and cut at ``--end``, see :func:`core.generate`): a later ``--end``
on a folder of the same sample adds one file per new day and leaves every data file there
byte-identical; another sample on it is refused (``--fresh`` replaces it).

Optional columns added: ``ingested_at`` (UTC) on ``web_events``, ``app_events`` and
``miniprogram_events`` -- when the event reached the warehouse; normally seconds after the
event, hours to days for late arrivals. Contract version 2's referral columns: ``scene``
(``int64``) and ``share_from_openid`` on ``miniprogram_events``, ``referrer_member_id`` on
``web_events`` -- who brought whom, with ``_truth/referrals.parquet``; drawn from a random stream
of their own after every other column, so the other columns are the same with or without them
(:mod:`persona.dev.generate.referrals`). Contract version 2's optional privacy tables
``consent_events`` (consent decisions per purpose and channel, by any identifier in raw form) and
``erasure_requests`` (erasure and restriction requests), with ``_truth/consent.parquet`` and
``_truth/privacy_requests.parquet``; likewise from a random stream of their own, after every
other table, so every other file is the same with or without them
(:mod:`persona.dev.generate.privacy`, rates in :data:`config.PRIVACY_RATES`). Nothing else beyond
the contract.

Types: ids, phones, emails and vocabularies are strings; ``*_at`` are ``timestamp[us, UTC]``;
``*_at_local`` are naive ``timestamp[us]`` in Asia/Shanghai wall-clock time (UTC+8);
``birth_date`` and ``launched_on`` are ``date32``; money is ``double`` with 2 decimals (yuan);
``quantity``, ``line_no``, ``satisfaction_score`` are ``int64``; opt-ins and ``is_return`` bool.

Model
-----
* Persons belong to archetypes (:data:`config.ARCHETYPES`: loyal_vip, regular, promo_hunter,
  one_off_buyer, browser, lapsed). Purchases follow BG/NBD: an initial purchase when first seen,
  then repeat purchases from a Poisson process with weekly rate lambda ~ Gamma, modulated by a
  seasonality curve (38 女神节, 618, Double 11, Double 12, Chinese New Year run-up and dip,
  weekends) raised to an archetype power (promo hunters concentrate on promotions); after each
  repeat purchase the person drops out with probability p ~ Beta. Order values are
  Gamma-Gamma style: a person-level spend level and Gamma-distributed orders around it.
  Persons are first seen across the window and up to two years before it.
* A purchase goes to the person's preferred channel (70 %) or another one: the own mall
  (``miniprogram_orders``), Tmall / JD / Douyin (``ecommerce_orders``, rarely 'pdd') or a store
  (``pos_transactions``). ``order_amount`` / ``txn_amount`` is the amount paid after
  ``discount_amount``; item ``unit_price`` is the list price. Refunded orders have status
  'refunded'; a POS return is a later transaction with ``is_return`` true, negative amounts and
  item lines with negative quantity.
* Funnels: web, app and mini-program *browse* sessions go page view -> product view (55 %) ->
  add to cart (20 %) -> checkout (50 %) and then abandon; every own-mall order also gets an
  *order session* built backwards from the order, ending with a ``purchase`` event at
  ``paid_at`` (unpaid orders stop at checkout). The brand's only own checkout is the mini-program
  mall: 20 % of its orders are placed from the app and 10 % from the website, which hand the
  payment to the mall, so those orders' ``purchase`` events are in ``app_events`` /
  ``web_events`` while the order itself is in ``miniprogram_orders`` (placed with the person's
  mall openid). Hence: every paid mall order has exactly one ``purchase`` event in one of the
  three event tables, and there are no other ``purchase`` events. Marketplace and store orders
  have no events.
* Campaign touches: two campaigns a month on a rotating channel (sms -> phone, push ->
  device_id, wecom -> openid + appid of the mall, email -> email). Control rows are the holdout:
  logged at the scheduled time but not delivered (never opened or clicked). A treated, still
  active buyer makes one extra purchase within ``uplift_window_days`` with probability equal to
  the campaign's ``true_uplift`` (``_truth/campaigns.parquet``).

Truth
-----
``_truth/identity.parquet`` lists (identifier_type, identifier_value in contract normal form,
person_id) for every identifier that linking evidence in the data ties to its person: it is
carried, in a valid form, by at least one raw row together with another valid identifier of the
same person. Anonymous cookies, buyers seen only with masked phones and black holes are absent.
``_truth/black_holes.parquet`` lists the shared identifiers (cashier placeholder phones, the
zeroed IDFA, internet-cafe cookies, family devices) with the number of persons using each in
the data. ``_truth/persons.parquet`` holds the latent traits; ``_truth/rates.json`` the stated
rates (:data:`config.RATES`) with realized hits and populations. ``_truth/referrals.parquet``: one
row per person brought by another's share or invite (both ends as identifiers in normal form,
the channel, the arrival time and the generation); its rates are
:data:`referrals.REFERRAL_RATES`. ``_truth/consent.parquet``: one row per person, purpose and
channel with an effective decision in ``consent_events`` (``all`` expanded), with the status the
contract's resolution gives at the window end and the deciding ``consent_event_id``; the CRM
opt-in flags are not in it. ``_truth/privacy_requests.parquet``: one row per request with its
person (null for an identifier nobody has) and its identifier in normal form. ``rates.json``
records the privacy rates and their realized counts in a section ``privacy`` of its own.
"""

from persona.dev.generate.core import generate

__all__ = ["generate"]
