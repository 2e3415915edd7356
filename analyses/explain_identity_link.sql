-- why are identifier A and identifier B the same OneID: the chain of links between them, with sources
-- dbt compile --select explain_identity_link
--     --vars '{explain: {type_a: member_id, value_a: M1, type_b: unionid, value_b: u-2}}'
{%- set explain = var('explain', {
    'type_a': 'member_id', 'value_a': 'M1', 'type_b': 'phone', 'value_b': '+8613812345678'
}) %}

{{ persona.explain_identity_link(explain['type_a'], explain['value_a'], explain['type_b'], explain['value_b']) }}
