{#-
    Customer lifecycle stages. Documented in macros/lifecycle/_lifecycle__macros.yml.
-#}

{#- The thresholds of the lifecycle vars, checked: 0 < new_days, 0 < active_days < churn_days. -#}
{% macro lifecycle_thresholds() -%}
    {%- set thresholds = {
        'new_days': var('lifecycle_new_days'),
        'active_days': var('lifecycle_active_days'),
        'churn_days': var('lifecycle_churn_days'),
    } -%}
    {%- for name, value in thresholds.items() -%}
        {%- if value is not number or value < 1 -%}
            {{- exceptions.raise_compiler_error(
                "var 'lifecycle_" ~ name ~ "' must be a positive number of days, got " ~ value
            ) -}}
        {%- endif -%}
    {%- endfor -%}
    {%- if thresholds['active_days'] >= thresholds['churn_days'] -%}
        {{- exceptions.raise_compiler_error(
            "var 'lifecycle_active_days' (" ~ thresholds['active_days'] ~ ") must be smaller than "
            ~ "'lifecycle_churn_days' (" ~ thresholds['churn_days'] ~ ")"
        ) -}}
    {%- endif -%}
    {{- return(thresholds) -}}
{%- endmacro %}


{#-
    The stage on a day, from the days elapsed since the customer's first purchase, last purchase
    and last comeback purchase (a purchase made while churned) up to that day; each is null when
    there is none yet.
-#}
{% macro lifecycle_stage(days_since_first_purchase, days_since_last_purchase, days_since_comeback) -%}
    {%- set thresholds = persona.lifecycle_thresholds() -%}
    case
        when {{ days_since_last_purchase }} is null then 'prospect'
        when {{ days_since_last_purchase }} > {{ thresholds['churn_days'] }} then 'churned'
        when {{ days_since_last_purchase }} > {{ thresholds['active_days'] }} then 'silent'
        when {{ days_since_first_purchase }} <= {{ thresholds['new_days'] }} then 'new'
        when {{ days_since_comeback }} <= {{ thresholds['active_days'] }} then 'reactivated'
        else 'active'
    end
{%- endmacro %}
