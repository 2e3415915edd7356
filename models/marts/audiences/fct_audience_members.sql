-- who is in each audience as of the as-of date: the rule audiences (int_audience_rule_members) and the
-- lookalike expansions (int_lookalike_scores, the selected people)
with rule_members as (
    select
        audience_code,
        one_id
    from {{ ref('int_audience_rule_members') }}
),

final as (
    select
        audience_code,
        one_id,
        {{ persona.as_of_date() }} as as_of_date
    from rule_members
)

select * from final
