"""The customer-360 page of the dashboard (客户360): one person, whole.

A page of dashboard/app.py (st.navigation, at /customer360): type any identifier as the person
would give it, see their masked golden record, identifiers and why they are linked, OneID history,
consent per purpose and channel (and whether they are restricted), one timeline across channels,
tags, scores, audiences and trigger lists. Every figure comes from
persona.consumers.customer360 (reads the `marts` schema read-only); this script only renders.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from persona.consumers import customer360 as c360
from persona.consumers import dashboard_data as data
from persona.dev.identifiers import IDENTIFIER_TYPES

RESTRICTED = (
    "Restricted 限制处理: this person asked to restrict the use of their data. Do not message "
    "them, personalise for them or share their data, whatever their consent."
)


def table(frame: pd.DataFrame, empty: str) -> None:
    if frame.empty:
        st.info(empty)
    else:
        st.dataframe(frame, hide_index=True)


def lookup_answer(found: c360.api.LookupResult) -> None:
    """What the lookup says when it found nobody: no match, excluded (with the rule), erased or
    ambiguous (with the OneIDs each reading matches)."""
    answer = found.as_dict()
    message = c360.STATUS_MESSAGES[found.status]
    if found.status == "excluded":
        st.warning(
            f"{message}\n\nIdentifier {answer['identifier_masked']} "
            f"({answer['identifier_type']}) · reason 原因: {answer['exclusion_reason']} · "
            f"rule 规则: {answer['exclusion_rule'] or '–'}\n\n{answer['exclusion_detail'] or ''}"
        )
    elif found.status == "ambiguous":
        st.warning(message)
        st.dataframe(pd.DataFrame(answer["matches"]), hide_index=True)
    elif found.status == "erased":
        st.error(message)
    else:
        tried = ", ".join(answer["types_tried"])
        st.info(f"{message} (read as 按类型: {tried}; {answer['identifier_masked']})")


def score_table(section: dict | None) -> None:
    if not section:
        st.caption("None 无 (not scored: not a buyer, or the model was not fitted).")
        return
    st.dataframe(
        pd.DataFrame(
            [(key, "–" if value is None else str(value)) for key, value in section.items()],
            columns=["field", "value"],
        ),
        hide_index=True,
    )


def customer360() -> None:
    st.title("Customer 360 客户360")
    path = data.warehouse_path()
    if not Path(path).is_file():
        st.error(data.missing_warehouse_message(path))
        st.stop()
    st.caption(
        "One person, whole: type any identifier as the person would give it (a phone with "
        "spaces or dashes, an e-mail, a member id, <appid>:<openid>, <platform>:<buyer id>...). "
        "Personal data is masked; marts schema, read-only. Source: persona.consumers.customer360."
    )
    left, right = st.columns([3, 1])
    text = left.text_input(
        "Identifier 标识 (phone 手机, e-mail 邮箱, member id 会员号, appid:openid ...)",
        key="c360_identifier",
    )
    kind = right.selectbox(
        "Type 类型", ["guess 自动识别", *IDENTIFIER_TYPES], key="c360_identifier_type"
    )
    if not text.strip():
        return
    con = data.connect(path)
    try:
        try:
            found = c360.find(con, text, None if kind.startswith("guess") else kind)
        except c360.api.LookupInputError as error:
            st.error(f"Cannot look this up 无法查询: {error.message}")
            return
        if found.status != "found":
            lookup_answer(found)
            return
        whole = c360.person(con, found.one_id)
    finally:
        con.close()
    if whole is None:
        st.error(f"OneID {found.one_id} is not in marts.dim_customers: rebuild the warehouse.")
        return
    person_section(found, whole)


def person_section(found: c360.api.LookupResult, whole: dict) -> None:
    record = whole["profile"]["golden_record"]
    st.success(f"Found 已找到 {found.one_id} by {found.identifier_type} {found.identifier_masked}")
    st.header("Golden record 客户主数据")
    figures = [
        ("OneID", record["one_id"]),
        ("Member tier 会员等级", record.get("member_tier") or "not a member 非会员"),
        ("Orders 订单数", data.format_count(record.get("n_orders"))),
        ("Net spend 净消费", data.format_yuan(record.get("total_net_amount"))),
    ]
    for column, (label, value) in zip(st.columns(4), figures, strict=True):
        column.metric(label, value, border=True)
    left, right = st.columns([2, 1])
    with left:
        st.dataframe(
            pd.DataFrame(
                [
                    (key, "–" if value is None else str(value))
                    for key, value in record.items()
                    if key != "one_id"
                ],
                columns=["field 字段", "value 值"],
            ),
            hide_index=True,
        )
    with right:
        summary = whole["profile"]["consent"]
        st.subheader("May we message them? 可否触达")
        if not summary["available"]:
            st.warning(summary["detail"])
        else:
            st.dataframe(
                pd.DataFrame(
                    list(summary["may_message"].items()),
                    columns=["channel 渠道", "marketing allowed 可营销"],
                ),
                hide_index=True,
            )
        if summary["is_restricted"]:
            st.error(RESTRICTED)

    st.header("Consent 许可")
    st.caption(
        "Consent per purpose and channel as it stands now (the latest decision wins; no decision "
        "means no consent). Source: marts.dim_customer_consents."
    )
    if whole["consent_matrix"] is None:
        st.warning(whole["profile"]["consent"]["detail"])
    else:
        st.dataframe(whole["consent_matrix"], hide_index=True)
        with st.expander("Decisions 许可记录 (legal basis, when, source)"):
            table(whole["consent_details"], "No decision on file 无许可记录.")

    st.header("Identifiers 身份标识")
    st.caption("Every identifier of the OneID, masked, with its sources. Source: dim_identifiers.")
    table(whole["identifiers"], "No identifiers 无标识.")
    st.subheader("Why linked 关联依据")
    st.caption(
        "The identifier pairs one source row carried together (used: OneID joined them; "
        "otherwise the guard that dropped the link). Source: marts.fct_identity_links."
    )
    table(whole["links"], "A single identifier: nothing to link 单一标识.")
    st.subheader("Merge and split history 合并与拆分记录")
    table(
        whole["history"],
        "No OneID changes for this person (a first build records none) 暂无变更.",
    )

    st.header("Timeline 行为时间线")
    counts = whole["timeline_counts"]
    shown = len(whole["timeline"])
    st.caption(
        f"Newest first, {shown} of {sum(counts.values())} shown: "
        + ", ".join(f"{n} {kind}" for kind, n in counts.items())
        + ". Sources: marts.fct_orders, fct_sessions, fct_service_tickets, fct_campaign_touches."
    )
    table(whole["timeline"], "Nothing happened yet 暂无行为.")

    st.header("Tags 标签")
    table(whole["tags"], "No tag has a value for this person 暂无标签.")

    st.header("Scores 模型评分")
    sections = [
        ("RFM", "rfm"),
        ("Lifecycle 生命周期", "lifecycle"),
        ("CLV 终身价值", "clv"),
        ("Cluster 分群", "cluster"),
        ("Propensity 购买/流失倾向", "propensity"),
    ]
    for column, (label, key) in zip(st.columns(len(sections)), sections, strict=True):
        with column:
            st.subheader(label)
            score_table(whole["profile"][key])

    st.header("Audiences 人群")
    st.caption(
        "Audiences the person is in as of the build. kind: segment (a standing audience) or "
        "trigger (a trigger list: refreshed every build, act within hours)."
    )
    table(whole["audiences"], "In no audience 不在任何人群.")


customer360()
