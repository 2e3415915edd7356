{#- `regexp_matches_column(column, pattern_column)`: true when the text matches a regular expression
    held in another column (the blocked-value seed's patterns). RE2 / POSIX-extended syntax. -#}
{% macro regexp_matches_column(column, pattern_column) %}
    {{- return(adapter.dispatch('regexp_matches_column', 'persona')(column, pattern_column)) -}}
{% endmacro %}

{% macro default__regexp_matches_column(column, pattern_column) -%}
    regexp_matches({{ column }}, {{ pattern_column }})
{%- endmacro %}

{% macro postgres__regexp_matches_column(column, pattern_column) -%}
    ({{ column }} ~ {{ pattern_column }})
{%- endmacro %}

{% macro spark__regexp_matches_column(column, pattern_column) -%}
    ({{ column }} rlike {{ pattern_column }})
{%- endmacro %}

{% macro snowflake__regexp_matches_column(column, pattern_column) -%}
    regexp_like({{ column }}, '.*(' || {{ pattern_column }} || ').*')
{%- endmacro %}


{#- `sha256(expression)`: lower-case hex SHA-256 of a text, the public form of a phone or e-mail. -#}
{% macro sha256(expression) %}
    {{- return(adapter.dispatch('sha256', 'persona')(expression)) -}}
{% endmacro %}

{% macro default__sha256(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro snowflake__sha256(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}

{% macro postgres__sha256(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}


{#-
    `public_identifier_value(type_column, value_column, is_pii_column)`: what marts show of an
    identifier: the normal form, except for personal data (phone, e-mail: `is_pii` in
    identity_identifier_types; and a value of any other type that holds a phone number, an e-mail
    or an ID-card number, see looks_like_pii), which marts carry only as the SHA-256 of the normal form.
    `identifier_display(type_column, value_column, is_pii_column)`: a masked form for people:
    '138****8000' for a mainland phone, '****4567' for a number with another country code (its
    country code and length would say too much of a short number), 'j***@example.com' for an
    e-mail, the value scrubbed for another type that holds personal data ('[phone]',
    'tmall:[phone]', '[email]'), the value otherwise.
-#}
{% macro public_identifier_value(type_column, value_column, is_pii_column) -%}
    case when {{ is_pii_column }} then {{ persona.sha256(value_column) }} else {{ value_column }} end
{%- endmacro %}

{% macro identifier_display(type_column, value_column, is_pii_column) -%}
    case
        when not {{ is_pii_column }} then {{ value_column }}
        when {{ type_column }} = 'phone' and {{ value_column }} like '+86%'
            then {{ dbt.concat(['substring(' ~ value_column ~ ', 4, 3)', "'****'", dbt.right(value_column, 4)]) }}
        when {{ type_column }} = 'phone'
            then {{ dbt.concat(["'****'", dbt.right(value_column, 4)]) }}
        when {{ type_column }} = 'email'
            then {{ dbt.concat([
                'substring(' ~ value_column ~ ', 1, 1)', "'***'",
                'substring(' ~ value_column ~ ', ' ~ dbt.position("'@'", value_column) ~ ')'
            ]) }}
        else {{ persona.scrub_pii(value_column) }}
    end
{%- endmacro %}


{#- `identity_link_words(alias)`: a fct_identity_links row in words, for change logs and explanations:
    'member_id M1 - phone 3f2a... in stg_crm__members' (with ' (excluded: <reason>)' when not used). -#}
{% macro identity_link_words(alias) -%}
    {{ dbt.concat([
        alias ~ '.identifier_type_a', "' '", alias ~ '.identifier_value_a', "' - '",
        alias ~ '.identifier_type_b', "' '", alias ~ '.identifier_value_b', "' in '", alias ~ '.source_model',
        "coalesce(' (excluded: ' || " ~ alias ~ ".exclusion_reason || ')', '')"
    ]) }}
{%- endmacro %}


{#- `pairs_within(relation, columns)`: how many unordered pairs of rows share the same values of
    `columns` (the sum over groups of n(n-1)/2): the counting behind pairwise precision and recall. -#}
{% macro pairs_within(relation, columns) -%}
    (
        select sum(group_rows.n * (group_rows.n - 1) / 2)
        from (select count(*) as n from {{ relation }} group by {{ columns | join(', ') }}) as group_rows
    )
{%- endmacro %}
