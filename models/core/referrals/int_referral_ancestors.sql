-- every referrer above a referred OneID, up to var('referral_max_depth') generations (bounded self-joins)
{#-
    No recursive CTE (Spark 3.5 has none): the edges are joined to themselves
    var('referral_max_depth') times, plus once more to see whether a chain goes deeper than that;
    such a chain is cut at the maximum and flagged (is_depth_capped), and a test warns about it.
#}
{%- set max_depth = var('referral_max_depth') | int %}
with edges as (
    select
        referred_one_id,
        referrer_one_id
    from {{ ref('int_referral_edges') }}
),

chains as (
    select
        {% for level in range(1, max_depth + 2) %}
            level_{{ level }}.referrer_one_id as ancestor_{{ level }},
        {% endfor %}
        level_1.referred_one_id as one_id
    from edges as level_1
    {% for level in range(2, max_depth + 2) %}
        left join edges as level_{{ level }}
            on level_{{ level - 1 }}.referrer_one_id = level_{{ level }}.referred_one_id
    {% endfor %}
),

unpivoted as (
    {% for level in range(1, max_depth + 1) %}
        select
            one_id,
            ancestor_{{ level }} as ancestor_one_id,
            {{ level }} as distance,
            ancestor_{{ max_depth + 1 }} is not null as is_depth_capped
        from chains
        where ancestor_{{ level }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        one_id,
        ancestor_one_id,
        distance,
        is_depth_capped
    from unpivoted
)

select * from final
