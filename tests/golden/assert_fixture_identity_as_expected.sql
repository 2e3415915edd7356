-- on the fixture, every identifier lands in the expected OneID (named by the expected key identifier) or is excluded by the expected rule
{{ config(enabled=var('golden_fixture', false)) }}

with expected as (
    select * from (
        values
        -- Alice: CRM member with a phone change, her web cookie and her bound Tmall account
        ('member_id', 'M001', 'member_id:M001', null),
        ('member_card', 'VIP001', 'member_id:M001', null),
        ('phone', '+8613800138001', 'member_id:M001', null),
        ('phone', '+8613900139002', 'member_id:M001', null),
        ('cookie_id', 'ck-a', 'member_id:M001', null),
        ('buyer_id', 'tmall:tb_nick_1', 'member_id:M001', null),
        -- a member whose phone the mini-program authorized: WeChat ids and WeCom join the member
        ('member_id', 'M002', 'member_id:M002', null),
        ('member_card', 'VIP002', 'member_id:M002', null),
        ('phone', '+8613800138003', 'member_id:M002', null),
        ('openid', 'wxmall:o-111', 'member_id:M002', null),
        ('unionid', 'u-111', 'member_id:M002', null),
        ('wecom_userid', 'wm-1', 'member_id:M002', null),
        -- the same openid string in another mini-program is another person (appid scope)
        ('openid', 'wxclub:o-111', 'openid:wxclub:o-111', null),
        ('member_id', 'M003', 'member_id:M003', null),
        ('phone', '+8613800138004', 'member_id:M003', null),
        ('buyer_id', 'jd:jd_user_2', 'member_id:M003', null),
        ('member_id', 'M004', 'member_id:M004', null),
        ('member_card', 'VIP004', 'member_id:M004', null),
        ('email', 'cat@example.cn', 'member_id:M004', null),
        ('member_id', 'M007', 'member_id:M007', null),
        ('member_card', 'VIP007', 'member_id:M007', null),
        ('phone', '+8613700137007', 'member_id:M007', null),
        ('openid', 'wxmall:o-222', 'openid:wxmall:o-222', null),
        ('buyer_id', 'douyin:dy_3', 'buyer_id:douyin:dy_3', null),
        ('device_id', 'gaid-77', 'device_id:gaid-77', null),
        ('device_id', 'abcd-1234-ef', 'device_id:abcd-1234-ef', null),
        ('cookie_id', 'ck-b', 'cookie_id:ck-b', null),
        ('wecom_userid', 'wm-2', 'wecom_userid:wm-2', null),
        -- placeholders and test values: seen, excluded, in no OneID
        ('device_id', '00000000-0000-0000-0000-000000000000', null, 'blocked_value'),
        ('email', 'alice@example.com', null, 'blocked_value'),
        ('phone', '+8613800138000', null, 'blocked_value'),
        ('phone', '+8613888888888', null, 'blocked_value')
    ) as expected_rows (identifier_type, identifier_value, key_identifier, exclusion_reason)
),

actual as (
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        {{ dbt.concat(['clusters.key_identifier_type', "':'", 'clusters.key_identifier_value']) }} as key_identifier,
        identifiers.exclusion_reason
    from {{ ref('int_identifiers_screened') }} as identifiers
    left join {{ ref('int_identity_clusters') }} as clusters on identifiers.node_id = clusters.node_id
),

final as (
    {{ persona.expected_vs_actual('expected', 'actual') }}
)

select * from final
