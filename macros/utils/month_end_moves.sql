{#-
    `month_end_moves(states, state_column, initial_state)`: how many customers moved from each state
    at the previous month end to each state at this month end. `states` is a relation or CTE with
    one row per (month_end_on, one_id) and the customer's state in `state_column`; a customer with
    no row at the previous month end comes from `initial_state`. Month ends are those of
    int_month_ends_listed. Returns month_end_on, previous_month_end_on, from_state, to_state,
    customers. Shared by rpt_rfm_segment_migration and rpt_lifecycle_transitions.
-#}
{% macro month_end_moves(states, state_column, initial_state) -%}
    select
        month_ends.month_end_on,
        month_ends.previous_month_end_on,
        coalesce(previous_month.{{ state_column }}, '{{ initial_state }}') as from_state,
        this_month.{{ state_column }} as to_state,
        cast(count(*) as bigint) as customers
    from {{ states }} as this_month
    inner join (
        select
            month_end_on,
            lag(month_end_on) over (order by month_end_on) as previous_month_end_on
        from {{ ref('int_month_ends_listed') }}
    ) as month_ends
        on this_month.month_end_on = month_ends.month_end_on
    left join {{ states }} as previous_month
        on
            this_month.one_id = previous_month.one_id
            and month_ends.previous_month_end_on = previous_month.month_end_on
    group by
        month_ends.month_end_on,
        month_ends.previous_month_end_on,
        coalesce(previous_month.{{ state_column }}, '{{ initial_state }}'),
        this_month.{{ state_column }}
{%- endmacro %}
