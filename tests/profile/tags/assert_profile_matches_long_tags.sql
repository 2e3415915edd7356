-- the wide profile (dim_customer_profiles) and the long table (fct_customer_tags) hold the same tag values
{%- set catalog = persona.tag_catalog() %}

with profiles as (
    select * from {{ ref('dim_customer_profiles') }}
),

profile_values as (
    {%- for tag in catalog %}
        select
            one_id,
            '{{ tag.code }}' as tag_code,
            {{ persona.tag_value_as_string(tag.code, tag.value_type) }} as tag_value
        from profiles
        where {{ tag.code }} is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

long_values as (
    select
        one_id,
        tag_code,
        tag_value
    from {{ ref('fct_customer_tags') }}
),

only_in_profile as (
    select * from profile_values
    except
    select * from long_values
),

only_in_long as (
    select * from long_values
    except
    select * from profile_values
),

final as (
    select
        'only in dim_customer_profiles' as found,
        one_id,
        tag_code,
        tag_value
    from only_in_profile
    union all
    select
        'only in fct_customer_tags' as found,
        one_id,
        tag_code,
        tag_value
    from only_in_long
)

select * from final
