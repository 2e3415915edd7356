{{ config(materialized='view') }}
-- the tag values whose changes the tag history keeps: every tag but those the clock alone changes (history: false)
-- depends_on: {{ ref('int_customer_tag_values') }}
{#- the tracked tags are defined once, for this view and the tag log's daily path (macros/tags/tag_log.sql) -#}
{%- set tracked = persona.tag_log_tracked_tags() | map(attribute='code') | list %}
{%- set keep = "tag_code in ('" ~ tracked | join("', '") ~ "')" if tracked else 'false' %}

with tag_values as (
    select * from {{ ref('fct_customer_tags') }}
),

final as (
    select
        one_id,
        tag_code,
        tag_category,
        tag_value,
        as_of_date
    from tag_values
    where {{ keep }}
)

select * from final
