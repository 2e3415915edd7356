{{ config(materialized='view') }}
-- the tag values whose changes the tag history keeps: every tag but those the clock alone changes (history: false)
-- depends_on: {{ ref('int_customer_tag_values') }}
{%- set untracked = [] %}
{%- for tag in persona.tag_catalog() if tag.get('history') == false %}
    {%- do untracked.append("'" ~ tag.code ~ "'") %}
{%- endfor %}
{%- set keep = 'tag_code not in (' ~ untracked | join(', ') ~ ')' if untracked else 'true' %}

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
