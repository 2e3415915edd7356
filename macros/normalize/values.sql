{#- Value parsers. Every macro takes a cleaned text column (see clean_strings). -#}

{#- Booleans from text: true/t/1/y/yes/是 -> true, false/f/0/n/no/否 -> false, anything else null. -#}
{% macro parse_boolean(column) -%}
    case
        when lower({{ column }}) in ('true', 't', '1', 'y', 'yes', '是') then true
        when lower({{ column }}) in ('false', 'f', '0', 'n', 'no', '否') then false
    end
{%- endmacro %}


{#- Money in yuan from text, rounded to two decimals; null when empty, not a number, or not a finite
    amount below var('max_abs_amount') in size (infinity, NaN, a 20-digit export error): such a value
    never stops the build, amount_reason names it. -#}
{% macro parse_money(column) -%}
    case
        when abs(try_cast({{ column }} as double)) < {{ var('max_abs_amount') }}
            then cast(round(try_cast({{ column }} as double), 2) as decimal(18, 2))
    end
{%- endmacro %}


{#- A whole number from text ('3', '-1', '3.0'); null when empty, not a number, fractional ('1.5'),
    or of more than 15 digits (it would not fit, and no quantity or line number is that large). -#}
{% macro parse_integer(column) -%}
    case
        when {{ persona.regexp_matches(column, '^[-+]?[0-9]{1,15}([.]0*)?$') }}
            then cast(try_cast({{ column }} as double) as bigint)
    end
{%- endmacro %}


{#- A date from text ('1990-05-17', '1990/05/17', '19900517', or a timestamp); null when unparseable. -#}
{% macro parse_date(column) %}
    {{- return(adapter.dispatch('parse_date', 'persona')(column)) -}}
{% endmacro %}

{% macro default__parse_date(column) -%}
    coalesce(
        try_cast({{ column }} as date),
        cast(try_strptime({{ column }}, ['%Y/%m/%d', '%Y%m%d']) as date),
        cast(try_cast({{ column }} as timestamp) as date)
    )
{%- endmacro %}

{% macro spark__parse_date(column) -%}
    coalesce(
        try_cast({{ column }} as date),
        try_to_date({{ column }}, 'yyyy/MM/dd'),
        try_to_date({{ column }}, 'yyyyMMdd'),
        cast(try_cast({{ column }} as timestamp) as date)
    )
{%- endmacro %}


{#-
    A value checked against a vocabulary: the trimmed, lower-cased value when it is one of
    `accepted` (a list of strings), else the value as given (kept, never dropped) — pair it with
    `in_vocabulary` to flag it. Vocabularies live in dbt_project.yml vars next to the contract's.
    A value outside the vocabulary is free text that reaches the marts (an event name, an order
    status), so personal data in it is masked (scrub_pii: 'call [phone]'); a code of the vocabulary
    holds none and is never changed. Given the vocabulary (`accepted`, optional), normalize_code
    returns a value of it lower-cased without running the scrub's regular expressions (the same
    answer, on nearly every row); only a value outside it is scrubbed.
-#}
{% macro normalize_code(column, accepted=none) -%}
    {%- set lowered = 'lower(' ~ column ~ ')' -%}
    {%- if accepted -%}
    (case
        when {{ persona.in_list(lowered, accepted) }} then {{ lowered }}
        else {{ persona.scrub_pii(lowered) }}
    end)
    {%- else -%}
    {{ persona.scrub_pii(lowered) }}
    {%- endif -%}
{%- endmacro %}

{% macro in_vocabulary(column, accepted) -%}
    coalesce({{ persona.in_list('lower(' ~ column ~ ')', accepted) }}, false)
{%- endmacro %}


{#- `vocabulary_rank(column, values)`: the position (1, 2, ...) of the value in the vocabulary list,
    0 when it is outside it; for rules such as "the copy further along the order's life wins". -#}
{% macro vocabulary_rank(column, values) -%}
    case lower({{ column }})
        {%- for value in values %}
        when '{{ value }}' then {{ loop.index }}
        {%- endfor %}
        else 0
    end
{%- endmacro %}


{#- Gender: M/男/male -> 'M', F/女/female -> 'F', U/unknown/empty -> null. -#}
{% macro normalize_gender(column) -%}
    case
        when lower({{ column }}) in ('m', 'male', '男') then 'M'
        when lower({{ column }}) in ('f', 'female', '女') then 'F'
    end
{%- endmacro %}
