-- the members of every audience marked `lookalike_seed: true`: the people a lookalike model learns from.
-- Each seed gets one expansion audience, '<seed code>_lookalike', of `lookalike_size` people (default
-- var lookalike_expansion_size), filled by python_models/activation/audiences from the people who are not in the seed.
{%- set seeds = persona.lookalike_expansions() %}

with rule_members as (
    select * from {{ ref('int_audience_rule_members') }}
),

seeds as (
    {%- for seed in seeds %}
        select
            '{{ seed.seed_code }}' as seed_audience_code,
            '{{ seed.code }}' as expansion_audience_code,
            {{ seed.size }} as expansion_size
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as seed_audience_code,
            cast(null as {{ dbt.type_string() }}) as expansion_audience_code,
            cast(null as {{ dbt.type_int() }}) as expansion_size
        where false
    {%- endfor %}
),

final as (
    select
        seeds.seed_audience_code,
        seeds.expansion_audience_code,
        seeds.expansion_size,
        rule_members.one_id
    from seeds
    inner join rule_members on seeds.seed_audience_code = rule_members.audience_code
)

select * from final
