-- who is in each audience as of the as-of date: the rule audiences (int_audience_rule_members) and the
-- lookalike expansions (int_lookalike_scores: the people the lookalike model selected)
with rule_members as (
    select
        audience_code,
        one_id
    from {{ ref('int_audience_rule_members') }}
),

lookalike_members as (
    select
        expansion_audience_code as audience_code,
        one_id
    from {{ ref('int_lookalike_scores') }}
    where is_selected
),

members as (
    select * from rule_members
    union all
    select * from lookalike_members
),

final as (
    select
        audience_code,
        one_id,
        {{ persona.as_of_date() }} as as_of_date
    from members
)

select * from final
