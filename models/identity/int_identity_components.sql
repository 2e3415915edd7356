{{ config(post_hook="{{ persona.drop_connected_components_work('int_identity_components') }}") }}
-- the connected components of the identity graph over the links that passed the guards, in one run for any diameter;
-- a daily build computes again only the components its changes reach (macro identity_components)
{%- set nodes -%}
    (
        select node_id, identifier_type, identifier_value
        from {{ ref('int_identifiers_screened') }}
        where exclusion_reason is null
    )
{%- endset -%}
{%- set edges -%}
    (select node_id_a, node_id_b from {{ ref('int_identifier_links_screened') }} where exclusion_reason is null)
{%- endset %}

{{ persona.identity_components(nodes, edges, 'int_identity_components') }}
