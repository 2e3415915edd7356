"""The dashboard's customer-360 page (dashboard/customer360.py over persona.consumers.customer360).

Data functions: hand-made marts with known answers (masking of links and history), then one real
person of the default sample against independent SQL (timeline, counts, tags, audiences) and a scan
of everything the page gets for personal data. The page: Streamlit's AppTest for every lookup
answer (found, no match, excluded, not an identifier; erased on a hand-made warehouse), and one
headless-Chromium run that looks the person up by a phone typed with spaces and a dash, sees the
timeline and tags, and saves .build/screenshots/customer360.png.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from browser import chromium_page, screenshot_path, streamlit_app
from conftest import PROJECT_DIR

from persona.consumers import customer360 as c360
from persona.consumers import dashboard_data as data
from persona.consumers import profile as api
from persona.consumers import timeline as timelines
from persona.consumers.privacy import looks_like_pii

APP = PROJECT_DIR / "dashboard" / "app.py"
PAGE = "customer360.py"


@pytest.fixture(scope="module")
def warehouse_file(default_sample: tuple[Path, Path]) -> Path:
    return default_sample[0] / "w.duckdb"


@pytest.fixture(scope="module")
def con(warehouse_file: Path):
    connection = data.connect(warehouse_file)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def someone(con) -> dict:
    """A member of the sample with a CRM phone, orders, visits, a service ticket, a campaign
    message and an audience: their OneID, phone (normal form +86...) and the phone typed as a
    person would (138 0013-8000). The phone is read from staging by the test only."""
    one_id, phone = con.execute(
        """
        with phones as (
            select distinct phone from staging.base_crm__members where phone like '+86%'
        )
        select customers.one_id, phones.phone
        from marts.dim_customers as customers
        inner join phones on customers.phone_sha256 = sha256(phones.phone)
        where customers.one_id in (select one_id from marts.fct_orders)
          and customers.one_id in (select one_id from marts.fct_sessions)
          and customers.one_id in (select one_id from marts.fct_service_tickets)
          and customers.one_id in (select one_id from marts.fct_campaign_touches)
          and customers.one_id in (select one_id from marts.fct_audience_members)
        order by customers.one_id
        limit 1
        """
    ).fetchone()
    digits = phone[3:]
    return {
        "one_id": one_id,
        "phone": phone,
        "typed": f"{digits[:3]} {digits[3:7]}-{digits[7:]}",
        "masked": f"{digits[:3]}****{digits[-4:]}",
    }


def typed_identifier(con, condition: str) -> dict:
    """A person matching ``condition`` (SQL on ``customers``, marts.dim_customers) and one of
    their identifiers the marts hold in clear (not personal data: a member id, device id, ...),
    to type into the page with its type."""
    one_id, kind, value = con.execute(
        f"""
        select customers.one_id, identifiers.identifier_type, identifiers.identifier_value
        from marts.dim_customers as customers
        inner join marts.dim_identifiers as identifiers on customers.one_id = identifiers.one_id
        where ({condition})
          and identifiers.exclusion_reason is null
          and identifiers.identifier_type not in ('phone', 'email')
          and identifiers.identifier_display = identifiers.identifier_value
        order by customers.one_id, identifiers.identifier_type, identifiers.identifier_value
        limit 1
        """
    ).fetchone()
    return {"one_id": one_id, "type": kind, "value": value}


@pytest.fixture(scope="module")
def withdrawn(con) -> dict:
    """A person who withdrew marketing consent on a channel (dim_customer_consents), with the
    channel and an identifier to type."""
    person = typed_identifier(
        con,
        "customers.one_id in (select one_id from marts.dim_customer_consents "
        "where purpose = 'marketing' and status = 'withdrawn') and not customers.is_restricted",
    )
    (person["channel"],) = con.execute(
        "select min(channel) from marts.dim_customer_consents "
        "where one_id = ? and purpose = 'marketing' and status = 'withdrawn'",
        [person["one_id"]],
    ).fetchone()
    return person


# --- no warehouse needed ------------------------------------------------------------------------


def test_the_profile_marts_cover_what_the_profile_module_reads() -> None:
    """The page reads some marts through persona.consumers.profile; PROFILE_MARTS names them so
    that the dashboard's exposure lists them (dim_identifiers_by_one_id exists only in a
    published copy, where profile prefers it)."""
    read = set(re.findall(r"marts\.((?:dim|fct|rpt)_\w+)", inspect.getsource(api)))
    listed = {name.removeprefix("marts.") for name in c360.PROFILE_MARTS}
    assert read - {"dim_identifiers_by_one_id"} == listed


def test_mask_public() -> None:
    digest = hashlib.sha256(b"+8613800138000").hexdigest()
    assert c360.mask_public("phone", digest, "138****8000") == "138****8000"
    assert c360.mask_public("phone", digest, None) == "****"
    assert c360.mask_public("member_id", digest, None) == "****"
    assert c360.mask_public("member_id", "M8412425713", "M8412425713") == "M8***13"
    assert c360.mask_public("openid", "wx1234:oK9abcdefAG", "wx1234:oK9abcdefAG") == (
        "wx1234:oK***AG"
    )
    assert c360.mask_public("member_id", None, None) is None


@pytest.fixture()
def made(tmp_path: Path):
    """Hand-made marts: OneID oid_a (a phone, a member id, an openid) absorbed oid_b."""
    phone = hashlib.sha256(b"+8613800138000").hexdigest()
    connection = duckdb.connect(str(tmp_path / "made.duckdb"))
    connection.execute("create schema marts")
    connection.execute(
        f"""
        create table marts.dim_identifiers as select * from (values
            ('phone', '{phone}', '138****8000', 'oid_a'),
            ('member_id', 'M8412425713', 'M8412425713', 'oid_a'),
            ('openid', 'wx1234:oK9abcdefAG', 'wx1234:oK9abcdefAG', 'oid_a'),
            ('openid', 'wx1234:oShared0001', 'wx1234:oShared0001', null)
        ) as t(identifier_type, identifier_value, identifier_display, one_id)
        """
    )
    connection.execute(
        f"""
        create table marts.fct_identity_changes as select * from (values
            (timestamp '2026-10-02 01:00', date '2026-10-01', 'merge', 'oid_a', 'oid_b',
             null, null, 'l1', 'member_id M8412425713 ~ phone 13800138000 in stg_crm__members'),
            (timestamp '2026-10-02 01:00', date '2026-10-01', 'moved', 'oid_a', 'oid_b',
             'phone', '{phone}', 'l1', 'seen together in stg_crm__members'),
            (timestamp '2026-09-02 01:00', date '2026-09-01', 'joined', 'oid_a', null,
             'openid', 'wx1234:oK9abcdefAG', 'l2', 'seen together in stg_miniprogram__orders'),
            (timestamp '2026-09-02 01:00', date '2026-09-01', 'joined', 'oid_c', null,
             'member_id', 'M0000000001', 'l3', 'someone else')
        ) as t(changed_at, as_of_date, change_type, one_id, other_one_id, identifier_type,
               identifier_value, evidence_link_id, evidence)
        """
    )
    connection.execute(
        f"""
        create table marts.fct_identity_links as select * from (values
            ('l1', 'oid_a', 'member_id', 'M8412425713', 'phone', '{phone}', 'stg_crm__members',
             timestamp '2025-01-01', timestamp '2025-02-01', 2, 90, true, null),
            ('l2', 'oid_a', 'openid', 'wx1234:oK9abcdefAG', 'phone', '{phone}',
             'stg_miniprogram__orders', timestamp '2025-03-01', timestamp '2025-03-01', 1, 75,
             true, null),
            ('l4', null, 'openid', 'wx1234:oShared0001', 'phone', '{phone}',
             'stg_miniprogram__events', timestamp '2025-04-01', timestamp '2025-04-01', 1, 75,
             false, 'shared_identifier'),
            ('l5', null, 'member_id', 'M0000000001', 'openid', 'wx1234:oOther', 'stg_web__events',
             timestamp '2025-04-01', timestamp '2025-04-01', 1, 60, false, null)
        ) as t(link_id, one_id, identifier_type_a, identifier_value_a, identifier_type_b,
               identifier_value_b, source_model, first_seen_at, last_seen_at, n_rows,
               link_priority, is_used, exclusion_reason)
        """
    )
    yield connection
    connection.close()


def test_history_is_newest_first_with_identifiers_masked(made) -> None:
    history = c360.identity_history(made, "oid_a")
    shown = history[["change_type", "other_one_id", "identifier"]].fillna("-")
    assert shown.values.tolist() == [
        ["merge", "oid_b", "-"],
        ["moved", "oid_b", "138****8000"],
        ["joined", "-", "wx1234:oK***AG"],
    ]
    # the evidence's words are kept, a phone in them is scrubbed
    assert "13800138000" not in history.evidence.iloc[0]
    assert "stg_crm__members" in history.evidence.iloc[0]
    # the absorbed OneID sees the same merge
    assert c360.identity_history(made, "oid_b").change_type.tolist() == ["merge", "moved"]
    assert c360.identity_history(made, "oid_z").empty


def test_links_are_the_used_ones_then_those_a_guard_dropped(made) -> None:
    links = c360.identity_links(made, "oid_a")
    assert links[["link_id", "is_used", "identifier_a", "identifier_b"]].values.tolist() == [
        ["l1", True, "M8***13", "138****8000"],
        ["l2", True, "wx1234:oK***AG", "138****8000"],
        ["l4", False, "wx1234:oS***01", "138****8000"],
    ]
    assert links.exclusion_reason.iloc[2] == "shared_identifier"
    assert c360.identity_links(made, "oid_a", limit=1).link_id.tolist() == ["l1"]
    with pytest.raises(api.LookupInputError):
        c360.identity_links(made, "oid'; drop table x")


# --- one person of the default sample -------------------------------------------------------------


def test_the_typed_phone_finds_the_person(con, someone) -> None:
    found = c360.find(con, someone["typed"])
    assert (found.status, found.one_id, found.identifier_type) == (
        "found",
        someone["one_id"],
        "phone",
    )
    assert found.identifier_masked == someone["masked"]
    assert c360.find(con, someone["typed"], "phone").one_id == someone["one_id"]
    assert c360.find(con, "139 0000-0000").status in {"no_match", "excluded"}
    assert c360.find(con, "138-0013-8000").status == "excluded"  # the seed's placeholder
    with pytest.raises(api.LookupInputError):
        c360.find(con, "12", "phone")


def test_timeline_is_every_channel_newest_first(con, someone) -> None:
    one_id = someone["one_id"]
    counts = c360.timeline_counts(con, one_id)
    for kind, mart in c360.TIMELINE_KINDS.items():
        expected = con.execute(f"select count(*) from {mart} where one_id = ?", [one_id]).fetchone()
        assert counts[kind] == expected[0] > 0, kind
    assert sum(counts.values()) <= timelines.MAX_LIMIT
    everything = c360.timeline(con, one_id, limit=timelines.MAX_LIMIT)
    assert len(everything) == sum(counts.values())
    assert everything.happened_at.is_monotonic_decreasing
    assert everything.kind.value_counts().to_dict() == counts
    orders = everything[everything.kind == "order"].set_index("reference")
    expected = con.execute(
        "select order_id, channel, net_amount from marts.fct_orders where one_id = ?", [one_id]
    ).fetchall()
    for order_id, channel, amount in expected:
        assert orders.loc[order_id, "channel"] == channel
        assert orders.loc[order_id, "amount_yuan"] == pytest.approx(float(amount))
    shown = c360.timeline(con, one_id, limit=5)
    assert len(shown) == min(5, len(everything))
    pd.testing.assert_frame_equal(shown, everything.head(len(shown)))


def test_tags_and_audiences_match_the_marts(con, someone) -> None:
    one_id = someone["one_id"]
    tags = c360.tags(con, one_id)
    tagged = con.execute(
        "select tag_code from marts.fct_customer_tags where one_id = ?", [one_id]
    ).fetchall()
    assert set(tags.tag_code) == {code for (code,) in tagged}
    assert tags.name_zh.notna().all() and tags.name_en.notna().all()
    assert tags.description.notna().all()
    audiences = c360.audiences(con, one_id)
    members = con.execute(
        "select audience_code from marts.fct_audience_members where one_id = ? order by 1",
        [one_id],
    ).fetchall()
    assert audiences.audience_code.tolist() == [code for (code,) in members]
    assert audiences.entered_on.notna().all()
    catalog = dict(con.execute("select audience_code, kind from marts.dim_audiences").fetchall())
    assert audiences.kind.tolist() == [catalog[code] for code in audiences.audience_code]
    assert set(catalog.values()) == {"segment", "trigger"}  # accepted values, both in use
    assert catalog["cart_abandoners"] == "trigger"
    # every audience the catalog describes as a trigger list declares kind trigger
    described = con.execute(
        "select audience_code from marts.dim_audiences where description ilike '%trigger list%'"
    ).fetchall()
    assert described and all(catalog[code] == "trigger" for (code,) in described)


def test_consent_matrix_is_the_consent_mart(con, withdrawn) -> None:
    one_id = withdrawn["one_id"]
    matrix = c360.consent_matrix(con, one_id).set_index("purpose 用途")
    assert list(matrix.index) == list(api.CONSENT_PURPOSES)
    assert list(matrix.columns) == list(api.CONSENT_CHANNELS)
    rows = con.execute(
        "select purpose, channel, status, is_consented from marts.dim_customer_consents "
        "where one_id = ?",
        [one_id],
    ).fetchall()
    decided = {(purpose, channel) for purpose, channel, *_ in rows}
    for purpose, channel, status, consented in rows:
        cell = matrix.loc[purpose, channel]
        assert cell.startswith("✓" if consented else "✗"), (purpose, channel, cell)
        assert (status or "refused") in cell or (status == "granted" and not consented)
    for purpose in api.CONSENT_PURPOSES:
        for channel in api.CONSENT_CHANNELS:
            if (purpose, channel) not in decided:
                assert matrix.loc[purpose, channel].startswith("– no decision")
    assert "withdrawn" in matrix.loc["marketing", withdrawn["channel"]]
    details = c360.consent_details(con, one_id)
    assert len(details) == len(rows)
    assert details.decided_at.notna().any() and details.legal_basis.notna().any()


def test_the_page_holds_no_raw_identifier(con, someone) -> None:
    """Everything the page gets for the person, scanned for any identifier value of theirs in
    the form the marts or the sources hold it (phones and e-mails as digests there)."""
    one_id = someone["one_id"]
    whole = c360.person(con, one_id)
    assert whole is not None and set(whole["identifiers"].identifier_type) >= {"phone"}
    text = repr(whole["profile"]) + "".join(
        frame.to_csv() for frame in whole.values() if isinstance(frame, pd.DataFrame)
    )
    values = con.execute(
        "select identifier_value from marts.dim_identifiers where one_id = ?", [one_id]
    ).fetchall()
    assert len(values) >= 2
    for (value,) in values:
        assert value not in text
    assert someone["phone"][3:] not in text
    assert someone["masked"] in text
    assert c360.person(con, "oid_nobody") is None


# --- the page -----------------------------------------------------------------------------------


def page_text(app) -> str:
    parts = [
        element.value
        for kind in ("markdown", "caption", "info", "warning", "error", "success")
        for element in getattr(app, kind)
    ]
    return "\n".join(str(part) for part in parts)


def test_page_answers_every_lookup(con, someone, warehouse_file, monkeypatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PERSONA_DB", str(warehouse_file))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert [title.value for title in app.title] == ["Customer 360 客户360"]
    app.text_input(key="c360_identifier").input(someone["typed"]).run()
    assert not app.exception, app.exception
    headers = [header.value for header in app.header]
    assert headers == [
        "Golden record 客户主数据",
        "Consent 许可",
        "Identifiers 身份标识",
        "Timeline 行为时间线",
        "Tags 标签",
        "Scores 模型评分",
        "Audiences 人群",
    ]
    assert someone["one_id"] in app.success[0].value
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["OneID"] == someone["one_id"]
    assert someone["phone"][3:] not in page_text(app)
    # no match, excluded with its rule, input that is no identifier
    app.text_input(key="c360_identifier").input("nobody@nowhere.invalid").run()
    assert "No match" in app.info[0].value and not app.header
    app.text_input(key="c360_identifier").input("138-0013-8000").run()
    assert "Excluded" in app.warning[0].value and "rule" in app.warning[0].value
    assert "13800138000" not in page_text(app)
    app.selectbox(key="c360_identifier_type").select("phone").run()
    app.text_input(key="c360_identifier").input("12").run()
    assert "Cannot look this up" in app.error[0].value


def test_page_shows_consent_per_purpose_and_restriction(
    con, withdrawn, warehouse_file, monkeypatch
) -> None:
    """The person who withdrew marketing consent on a channel reads withdrawn there on the
    page, as the profile API's consent answer says; a restricted person is flagged."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PERSONA_DB", str(warehouse_file))
    app = AppTest.from_file(str(APP), default_timeout=120).run()
    app.switch_page(PAGE).run()
    app.selectbox(key="c360_identifier_type").select(withdrawn["type"]).run()
    app.text_input(key="c360_identifier").input(withdrawn["value"]).run()
    assert not app.exception, app.exception
    assert withdrawn["one_id"] in app.success[0].value
    (matrix,) = [frame.value for frame in app.dataframe if "purpose 用途" in frame.value.columns]
    matrix = matrix.set_index("purpose 用途")
    assert "withdrawn" in matrix.loc["marketing", withdrawn["channel"]]
    answer = api.consents(api.Marts(con), withdrawn["one_id"])
    for row in answer["consents"]:
        cell = matrix.loc[row["purpose"], row["channel"]]
        assert cell.startswith("✓" if row["is_consented"] else "✗")
    (may_message,) = [
        frame.value for frame in app.dataframe if "marketing allowed 可营销" in frame.value.columns
    ]
    allowed = dict(
        zip(may_message["channel 渠道"], may_message["marketing allowed 可营销"], strict=True)
    )
    assert not allowed.get(withdrawn["channel"], False)
    assert not any(looks_like_pii(frame.value.to_csv()) for frame in app.dataframe)
    assert not any("Restricted" in error.value for error in app.error)

    restricted = typed_identifier(con, "customers.is_restricted")
    app.selectbox(key="c360_identifier_type").select(restricted["type"]).run()
    app.text_input(key="c360_identifier").input(restricted["value"]).run()
    assert not app.exception, app.exception
    assert restricted["one_id"] in app.success[0].value
    assert any("Restricted 限制处理" in error.value for error in app.error)


def test_customer360_in_headless_chromium(con, someone, warehouse_file, tmp_path) -> None:
    with (
        streamlit_app(APP, warehouse_file, tmp_path / "streamlit.log") as url,
        chromium_page() as (page, errors),
    ):
        missing: list[str] = []
        page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
        # from the overview, through the sidebar's navigation, as a person would
        page.goto(url)
        page.get_by_role("link", name=re.compile("Customer 360")).click()
        box = page.get_by_label(re.compile("^Identifier"))
        box.wait_for(timeout=90_000)
        box.fill(someone["typed"])
        box.press("Enter")
        page.get_by_text("Timeline 行为时间线").wait_for(timeout=90_000)
        page.get_by_text("Audiences 人群").wait_for(timeout=90_000)
        page.get_by_text("Consent 许可", exact=True).wait_for(timeout=90_000)
        page.wait_for_timeout(1500)  # let the tables draw
        text = page.inner_text("body")
        assert someone["one_id"] in text
        assert someone["masked"] in text
        assert someone["phone"][3:] not in text
        counts = c360.timeline_counts(con, someone["one_id"])
        assert f"of {sum(counts.values())} shown" in text
        assert "Tags 标签" in text
        # the timeline and the tags are drawn as tables (canvas grids)
        assert page.locator('[data-testid="stDataFrame"]').count() >= 8
        height = 0
        for _ in range(6):
            page.wait_for_timeout(800)
            content = page.evaluate(
                "() => Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))"
            )
            if content <= height:
                break
            height = min(int(content), 16_000)
            page.set_viewport_size({"width": 1400, "height": height})
        page.screenshot(path=str(screenshot_path("customer360")), full_page=True)
        assert not errors, (errors, missing)
    assert screenshot_path("customer360").stat().st_size > 50_000


def test_page_says_erased_and_nothing_else(tmp_path, monkeypatch) -> None:
    """A warehouse whose erasure list holds a phone: the page says erased, shows no record."""
    from streamlit.testing.v1 import AppTest

    from persona.dev.identifiers import identifier_digest

    warehouse = tmp_path / "erased.duckdb"
    with duckdb.connect(str(warehouse)) as made:
        made.execute("create schema privacy")
        made.execute(
            "create table privacy.erased_identifiers as select ? as identifier_digest",
            [identifier_digest("phone", "+8613912345678")],
        )
    monkeypatch.setenv("PERSONA_DB", str(warehouse))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.switch_page(PAGE).run()
    app.text_input(key="c360_identifier").input("139-1234-5678").run()
    assert not app.exception, app.exception
    assert [error.value for error in app.error] == [c360.STATUS_MESSAGES["erased"]]
    assert not app.header and not app.dataframe
    assert "5678" not in page_text(app)
