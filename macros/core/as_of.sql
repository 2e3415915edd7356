{#-
    The one point in time every model is computed as of, OneID included. It is decided once, by
    models/calendar/int_as_of_date.sql; every other model reads it through these macros (SQL) or
    persona.models.runtime.as_of_date (Python models).

    `as_of_var()`: var('as_of') (default: the PERSONA_AS_OF environment variable) checked to be a
      date 'YYYY-MM-DD', or '' when unset. A malformed value stops the build with a clear message.
    `activity_dates()`: var('activity_dates'), checked: the column that dates each staging model's
      rows, and whether those rows are customer activity (they move the as-of date).
    `activity_date_column(model_name)`: the column that dates a staging model's rows; a model that
      var('activity_dates') does not declare stops the build with a message saying where to add it.
    `as_of_date()`: a scalar SQL expression for the as-of date: the var when set, else the latest
      customer activity date in the staged data (int_as_of_date). Models carry it as `as_of_date`.
    `on_or_before_as_of(column)`: `column` (a UTC timestamp) falls on or before the as-of date,
      i.e. before midnight UTC that ends it. Every fact applies it: nothing later is used.
-#}
{% macro as_of_var() -%}
    {%- set as_of = var('as_of', '') | string | trim -%}
    {%- if as_of and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', as_of) -%}
        {{- exceptions.raise_compiler_error(
            "var 'as_of' (or the PERSONA_AS_OF environment variable) must be a date written "
            ~ "YYYY-MM-DD, got '" ~ as_of ~ "'. Unset it to use the latest activity date in the data."
        ) -}}
    {%- endif -%}
    {{- return(as_of) -}}
{%- endmacro %}


{% macro activity_dates() -%}
    {%- set entries = var('activity_dates', []) -%}
    {%- for entry in entries -%}
        {%- if entry is not mapping or not entry.get('model') or not entry.get('column') -%}
            {{- exceptions.raise_compiler_error(
                "var 'activity_dates': every entry needs a model and a column, e.g. "
                ~ "{model: stg_crm__members, column: updated_at}; got " ~ entry
            ) -}}
        {%- endif -%}
    {%- endfor -%}
    {{- return(entries) -}}
{%- endmacro %}


{% macro activity_date_column(model_name) -%}
    {%- for entry in persona.activity_dates() if entry['model'] == model_name -%}
        {{- return(entry['column']) -}}
    {%- endfor -%}
    {{- exceptions.raise_compiler_error(
        "staging model '" ~ model_name ~ "' has no entry in var 'activity_dates' (dbt_project.yml): "
        ~ "add {model: " ~ model_name ~ ", column: <the column that dates its rows>} there."
    ) -}}
{%- endmacro %}


{% macro as_of_date() -%}
    (select as_of_date from {{ ref('int_as_of_date') }})
{%- endmacro %}


{% macro on_or_before_as_of(column) -%}
    {{ column }} < (select as_of_end_at from {{ ref('int_as_of_date') }})
{%- endmacro %}


{#-
    `utc_to_local(column)`: a UTC timestamp as wall-clock time in var('default_local_time_zone')
    (Asia/Shanghai): for time-of-day and weekday behaviour, which people live in local time.
-#}
{% macro utc_to_local(column) %}
    {{- return(adapter.dispatch('utc_to_local', 'persona')(column)) -}}
{% endmacro %}

{% macro default__utc_to_local(column) -%}
    cast(timezone('{{ var("default_local_time_zone") }}', timezone('UTC', {{ column }})) as timestamp)
{%- endmacro %}

{% macro spark__utc_to_local(column) -%}
    from_utc_timestamp({{ column }}, '{{ var("default_local_time_zone") }}')
{%- endmacro %}

{% macro snowflake__utc_to_local(column) -%}
    convert_timezone('UTC', '{{ var("default_local_time_zone") }}', {{ column }})
{%- endmacro %}


{#-
    Model refits (issue 17): model state (cluster centres) is a function of the data and of a fit
    date derived from the as-of date, never of the build history, so a warehouse built day by day
    equals a fresh full build.

    `model_refit_every()`: var('model_refit_every'), checked: 'month', 'build' or a whole number
      of days N >= 1 (returned as text); anything else stops the build with the allowed values.
    `refit_on(date_expression)`: a SQL date expression for the fit date of an as-of date:
      build -> the as-of date; month -> the last day of the month before the as-of date's month,
      unless the as-of date is itself a month end (then the as-of date); N -> the latest date on or
      before the as-of date whose day number since 1970-01-01 is a multiple of N.
-#}
{% macro model_refit_every() -%}
    {%- set value = var('model_refit_every', 'month') | string | trim | lower -%}
    {%- if value in ('month', 'build') -%}
        {{- return(value) -}}
    {%- elif modules.re.match('^[0-9]+$', value) and value | int >= 1 -%}
        {{- return(value | int | string) -}}
    {%- endif -%}
    {{- exceptions.raise_compiler_error(
        "var 'model_refit_every' must be 'month' (refit on the last day of the previous month), "
        ~ "'build' (refit on every as-of date) or a whole number of days N >= 1 (refit on the days "
        ~ "since 1970-01-01 that are a multiple of N), got '" ~ var('model_refit_every', '') ~ "'"
    ) -}}
{%- endmacro %}


{% macro refit_on(date_expression) -%}
    {%- set every = persona.model_refit_every() -%}
    {%- set as_of = 'cast(' ~ date_expression ~ ' as date)' -%}
    {%- if every == 'build' -%}
        {{ as_of }}
    {%- elif every == 'month' -%}
        case
            when cast({{ dbt.last_day(as_of, 'month') }} as date) = {{ as_of }} then {{ as_of }}
            else cast({{ dbt.dateadd('day', -1, 'cast(' ~ dbt.date_trunc('month', as_of) ~ ' as date)') }} as date)
        end
    {%- else -%}
        {%- set days = dbt.datediff("cast('1970-01-01' as date)", as_of, 'day') -%}
        cast({{ dbt.dateadd('day', '-((' ~ days ~ ') % ' ~ every ~ ')', as_of) }} as date)
    {%- endif -%}
{%- endmacro %}
