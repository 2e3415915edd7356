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

-- per tag: how many people and a checksum of (one_id, value) on each side; a tag whose counts or
-- checksums differ is reported (one pass over each side: an EXCEPT of every row spilled 30+ GB at
-- 1M persons). To see the people of a reported tag, run the EXCEPT for that tag_code alone.
profile_sums as (
    select
        tag_code,
        count(*) as n_values,
        {{ persona.row_checksum(['one_id', 'tag_value']) }} as value_checksum
    from profile_values
    group by tag_code
),

long_sums as (
    select
        tag_code,
        count(*) as n_values,
        {{ persona.row_checksum(['one_id', 'tag_value']) }} as value_checksum
    from long_values
    group by tag_code
),

final as (
    select
        coalesce(profile_sums.tag_code, long_sums.tag_code) as tag_code,
        coalesce(profile_sums.n_values, 0) as n_in_dim_customer_profiles,
        coalesce(long_sums.n_values, 0) as n_in_fct_customer_tags,
        profile_sums.value_checksum as checksum_in_dim_customer_profiles,
        long_sums.value_checksum as checksum_in_fct_customer_tags
    from profile_sums
    full outer join long_sums on profile_sums.tag_code = long_sums.tag_code
    where
        profile_sums.tag_code is null
        or long_sums.tag_code is null
        or profile_sums.n_values <> long_sums.n_values
        or profile_sums.value_checksum <> long_sums.value_checksum
)

select * from final
