{#-
    Timestamps. Every macro takes a cleaned text column (see clean_strings). Raw columns arrive as text (see register_raw_sources): a Parquet timestamp rendered
    by the warehouse, an ISO-8601 string with or without offset ('2025-06-18T20:15:00+08:00',
    '2025-06-18 12:15:00', '...Z'), 'YYYY/MM/DD HH:MI:SS', or Unix epoch seconds/milliseconds.

    `parse_utc_timestamp(column)`: a `*_at` column as a UTC timestamp (no zone); a string without
      offset means UTC; null when empty or unparseable.
    `parse_local_timestamp(column, time_zone_column)`: a `*_at_local` wall-clock column converted to
      UTC; the zone is the row's own (time_zone_column, when given and not null) or
      var('default_local_time_zone') ('Asia/Shanghai'); a zone outside var('accepted_time_zones')
      gives null (the row is then quarantined as unparseable_timestamp, the build goes on).
    `timestamp_status(raw, parsed)`: 'missing', 'unparseable', 'epoch' (before
      var('earliest_valid_date')), 'future' (later than now + var('future_tolerance_hours')) or 'valid'.
-#}
{% macro parse_utc_timestamp(column) %}
    {{- return(adapter.dispatch('parse_utc_timestamp', 'persona')(column)) -}}
{% endmacro %}

{% macro default__parse_utc_timestamp(column) -%}
    {%- set cleaned = column -%}
    coalesce(
        cast(try_cast({{ cleaned }} as timestamp with time zone) at time zone 'UTC' as timestamp),
        case
            when {{ persona.regexp_matches(cleaned, '^[0-9]{10}$') }} then cast(to_timestamp(cast({{ cleaned }} as bigint)) at time zone 'UTC' as timestamp)
            when {{ persona.regexp_matches(cleaned, '^[0-9]{13}$') }} then cast(to_timestamp(cast({{ cleaned }} as bigint) / 1000.0) at time zone 'UTC' as timestamp)
        end,
        {{ persona.try_parse_wall_clock(cleaned) }}
    )
{%- endmacro %}


{#- Spark: a cast reads ISO-8601 with or without an offset ('Z' included) as on DuckDB; the other
    forms through try_to_timestamp with Java date patterns. -#}
{% macro spark__parse_utc_timestamp(column) -%}
    coalesce(
        try_cast({{ column }} as timestamp),
        case
            when {{ persona.regexp_matches(column, '^[0-9]{10}$') }} then timestamp_seconds(cast({{ column }} as bigint))
            when {{ persona.regexp_matches(column, '^[0-9]{13}$') }} then timestamp_millis(cast({{ column }} as bigint))
        end,
        {{ persona.try_parse_wall_clock(column) }}
    )
{%- endmacro %}


{#- The wall-clock forms that are not ISO-8601: 'YYYY/MM/DD HH:MI:SS', 'YYYY/MM/DD HH:MI',
    'YYYYMMDDHHMISS'; null for anything else. -#}
{% macro try_parse_wall_clock(column) %}
    {{- return(adapter.dispatch('try_parse_wall_clock', 'persona')(column)) -}}
{% endmacro %}

{% macro default__try_parse_wall_clock(column) -%}
    try_strptime({{ column }}, ['%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M', '%Y%m%d%H%M%S'])
{%- endmacro %}

{% macro spark__try_parse_wall_clock(column) -%}
    coalesce(
        try_to_timestamp({{ column }}, 'yyyy/MM/dd HH:mm:ss'),
        try_to_timestamp({{ column }}, 'yyyy/MM/dd HH:mm'),
        try_to_timestamp({{ column }}, 'yyyyMMddHHmmss')
    )
{%- endmacro %}


{% macro parse_local_timestamp(column, time_zone_column=none) %}
    {{- return(adapter.dispatch('parse_local_timestamp', 'persona')(column, time_zone_column)) -}}
{% endmacro %}

{% macro default__parse_local_timestamp(column, time_zone_column=none) -%}
    {%- set cleaned = column -%}
    {%- set zone -%}
        {%- if time_zone_column -%}
            case
                when {{ time_zone_column }} is null then '{{ var("default_local_time_zone") }}'
                when {{ persona.in_list(time_zone_column, var('accepted_time_zones')) }} then {{ time_zone_column }}
            end
        {%- else -%}'{{ var("default_local_time_zone") }}'{%- endif -%}
    {%- endset -%}
    {%- set wall_clock -%}
        coalesce(
            try_cast({{ cleaned }} as timestamp),
            {{ persona.try_parse_wall_clock(cleaned) }}
        )
    {%- endset -%}
    {{ persona.local_to_utc(wall_clock, zone) }}
{%- endmacro %}


{#- Wall-clock timestamp in `zone` (an expression) to a UTC timestamp without zone. -#}
{% macro local_to_utc(wall_clock, zone) %}
    {{- return(adapter.dispatch('local_to_utc', 'persona')(wall_clock, zone)) -}}
{% endmacro %}

{% macro default__local_to_utc(wall_clock, zone) -%}
    cast(timezone('UTC', timezone({{ zone }}, {{ wall_clock }})) as timestamp)
{%- endmacro %}

{% macro spark__local_to_utc(wall_clock, zone) -%}
    to_utc_timestamp({{ wall_clock }}, {{ zone }})
{%- endmacro %}

{% macro snowflake__local_to_utc(wall_clock, zone) -%}
    convert_timezone({{ zone }}, 'UTC', {{ wall_clock }})
{%- endmacro %}


{% macro timestamp_status(raw_column, parsed) -%}
    case
        when {{ raw_column }} is null then 'missing'
        when {{ parsed }} is null then 'unparseable'
        when {{ parsed }} < cast('{{ var("earliest_valid_date") }}' as timestamp) then 'epoch'
        when {{ parsed }} > {{ dbt.dateadd('hour', var('future_tolerance_hours'), dbt.current_timestamp()) }} then 'future'
        else 'valid'
    end
{%- endmacro %}
