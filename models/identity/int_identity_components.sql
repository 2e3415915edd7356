{{ config(post_hook="{{ persona.drop_connected_components_work('int_identity_components') }}") }}
-- the connected components of the identity graph over the links that passed the guards, in one run for any diameter
{%- set nodes -%}
    (select node_id from {{ ref('int_identifiers_screened') }} where exclusion_reason is null)
{%- endset -%}
{%- set edges -%}
    (select node_id_a, node_id_b from {{ ref('int_identifier_links_screened') }} where exclusion_reason is null)
{%- endset %}

with components as (
    {{ persona.connected_components(nodes, 'node_id', edges, 'node_id_a', 'node_id_b', 'int_identity_components') }}
),

final as (
    select
        node_id,
        component_id
    from components
)

select * from final
