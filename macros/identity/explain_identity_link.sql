{#-
    explain_identity_link(type_a, value_a, type_b, value_b, max_hops=8)

    "Why are these two identifiers the same person?" as data: the shortest chain of links OneID
    used between identifier A and identifier B, one row per link, with the source models that
    carried each pair, when they were first and last seen together and in how many rows. No row
    means they are not in the same OneID (or further apart than max_hops links).

    Values are given in the contract's normal form ('+8613812345678', 'wxmall:o-111'); phones and
    e-mails are hashed here as in the marts. Run it with dbt show, e.g.

        dbt show --inline "{{ persona.explain_identity_link('member_id', 'M1', 'unionid', 'u-2') }}"

    or compile analyses/explain_identity_link.sql with --vars. Reads fct_identity_links and the
    identifier types seed; portable SQL (`with recursive`), walking only inside A's OneID.
-#}
{% macro explain_identity_link(type_a, value_a, type_b, value_b, max_hops=8) %}
{%- set key_a = persona.explain_identifier_key(type_a, value_a) -%}
{%- set key_b = persona.explain_identifier_key(type_b, value_b) -%}
with recursive used_links as (
    select
        link_id,
        one_id,
        {{ dbt.concat(['identifier_type_a', "':'", 'identifier_value_a']) }} as key_a,
        {{ dbt.concat(['identifier_type_b', "':'", 'identifier_value_b']) }} as key_b
    from {{ ref('fct_identity_links') }}
    where is_used and one_id = (
        select dim.one_id from {{ ref('dim_identifiers') }} as dim
        where {{ dbt.concat(['dim.identifier_type', "':'", 'dim.identifier_value']) }} = {{ key_a }}
    )
    group by link_id, one_id, identifier_type_a, identifier_value_a, identifier_type_b, identifier_value_b
),

steps as (
    select link_id, key_a as from_key, key_b as to_key from used_links
    union all
    select link_id, key_b as from_key, key_a as to_key from used_links
),

walk (hops, node_key, visited, link_path) as (
    select 0, {{ key_a }}, {{ dbt.concat(["'|'", key_a, "'|'"]) }}, cast('|' as {{ dbt.type_string() }})
    union all
    select
        walk.hops + 1,
        steps.to_key,
        {{ dbt.concat(['walk.visited', 'steps.to_key', "'|'"]) }},
        {{ dbt.concat(['walk.link_path', 'steps.link_id', "'|'"]) }}
    from walk
    inner join steps on walk.node_key = steps.from_key
    where
        walk.hops < {{ max_hops }}
        and walk.node_key <> {{ key_b }}
        and {{ dbt.position(dbt.concat(["'|'", 'steps.to_key', "'|'"]), 'walk.visited') }} = 0
),

shortest as (
    select link_path from walk
    where node_key = {{ key_b }}
    order by hops, link_path
    limit 1
),

evidence as (
    select
        {{ dbt.position(dbt.concat(["'|'", 'links.link_id', "'|'"]), 'shortest.link_path') }} as path_position,
        links.link_id,
        links.one_id,
        links.identifier_type_a,
        links.identifier_value_a,
        links.identifier_type_b,
        links.identifier_value_b,
        links.source_model,
        links.first_seen_at,
        links.last_seen_at,
        links.n_rows,
        links.link_priority
    from {{ ref('fct_identity_links') }} as links
    cross join shortest
    where {{ dbt.position(dbt.concat(["'|'", 'links.link_id', "'|'"]), 'shortest.link_path') }} > 0
)

select
    dense_rank() over (order by path_position) as hop,
    link_id,
    one_id,
    identifier_type_a,
    identifier_value_a,
    identifier_type_b,
    identifier_value_b,
    source_model,
    first_seen_at,
    last_seen_at,
    n_rows,
    link_priority
from evidence
order by hop, source_model
{% endmacro %}


{#- The public key 'type:value' of an identifier given in normal form (hashed when personal data). -#}
{% macro explain_identifier_key(identifier_type, identifier_value) -%}
    {%- set value = persona.quote_literal(identifier_value) %}
    (
        select {{ dbt.concat(["'" ~ identifier_type ~ ":'", persona.public_identifier_value(
            "'" ~ identifier_type ~ "'", value, '(types.is_pii or ' ~ persona.looks_like_pii(value) ~ ')'
        )]) }}
        from {{ ref('identity_identifier_types') }} as types
        where types.identifier_type = '{{ identifier_type }}'
    )
{%- endmacro %}
