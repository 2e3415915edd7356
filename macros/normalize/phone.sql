{#-
    Phone numbers, contract normal form (raw contract version 2): E.164. A mainland mobile is '+86'
    followed by its 11 digits; a number written with another country code ('+852 9123 4567',
    '00852 9123 4567', '+1 415 555 0132') keeps that code ('+85291234567') and is never
    re-prefixed with '+86'. Every macro here takes a cleaned text column (see clean_strings:
    trimmed, null for empty or 'null'-like values); staging base models clean every raw column first.

    `normalize_phone(column)`: the E.164 form, or null when the value is not a phone identifier.
      Mainland, written without a country code or with +86 / 0086 / 86 / a trunk 0:
      '13800138000', '138 0013 8000', '138-0013-8000', '+86-138-0013-8000', '(+86)13800138000',
      '8613800138000', '008613800138000', '013800138000', and the same with full-width digits
      ('１３８００１３８０００') -> '+8613800138000'. With '+86' the rest must be a mainland mobile.
      Other country codes, written with '+' or '00': 8 to 15 digits in all, not starting with 0.
      Rejected (null): masked ('138****8000'), letters, too few/many digits, mainland landlines,
      eleven digits that do not start with 1[3-9], a foreign number written without '+' or '00'
      (its country code cannot be told), empty and 'null'-like strings.
      Staging checks syntax only: a placeholder such as '13800138000' is a valid normal form here;
      OneID's guards (blocked-value seed, shared-identifier detection) exclude it.
      The Python oracle is persona.dev.identifiers.normalize_phone.
    `phone_status(column)`: why: 'missing', 'masked', 'malformed' or 'valid'.
-#}
{% macro normalize_phone(column) -%}
    {#- full-width digits and signs (typed with a Chinese input method) to ASCII -#}
    {%- set ascii = "translate(" ~ column ~ ", '０１２３４５６７８９＋（）－　', '0123456789+()- ')" -%}
    {%- set digits = persona.regexp_replace_all(ascii, '[^0-9]', '') -%}
    {#- written with a country code: '+' or '00' first (an opening bracket may come before it) -#}
    {%- set with_code = persona.regexp_matches(ascii, '^[(]?([+]|00)') -%}
    {%- set code_and_number = "case when " ~ persona.regexp_matches(ascii, '^[(]?00') ~ " then substring("
        ~ digits ~ ", 3) else " ~ digits ~ " end" -%}
    {%- set national = "substring(" ~ code_and_number ~ ", 3)" -%}
    case
        when {{ persona.regexp_matches(ascii, '^[0-9 +()\\-.]+$') }} = false then null
        when {{ persona.regexp_matches(ascii, '[+].*[+]') }} then null
        when {{ with_code }} and substring({{ code_and_number }}, 1, 2) = '86'
            then case
                when {{ persona.regexp_matches(national, '^0?1[3-9][0-9]{9}$') }}
                    then {{ dbt.concat(["'+86'", dbt.right(national, 11)]) }}
            end
        when {{ with_code }}
            then case
                when {{ persona.regexp_matches(code_and_number, '^[1-9][0-9]{7,14}$') }}
                    then {{ dbt.concat(["'+'", code_and_number]) }}
            end
        when {{ persona.regexp_matches(digits, '^(86|0)?1[3-9][0-9]{9}$') }}
            then {{ dbt.concat(["'+86'", dbt.right(digits, 11)]) }}
    end
{%- endmacro %}


{#- `normalized`: a column already holding normalize_phone(column), so that it is not computed twice. -#}
{% macro phone_status(column, normalized=none) -%}
    case
        when {{ column }} is null then 'missing'
        when {{ column }} like '%*%' then 'masked'
        when ({{ normalized or persona.normalize_phone(column) }}) is null then 'malformed'
        else 'valid'
    end
{%- endmacro %}


{#- A masked phone as marketplaces deliver it, kept for display and later fuzzy matching: '138****8000'. -#}
{% macro masked_phone(column) -%}
    {%- set compact = persona.regexp_replace_all(column, '[ +()\\-.]', '') -%}
    case
        when {{ persona.regexp_matches(compact, '^(86)?1[3-9][0-9]\\*{4}[0-9]{4}$') }}
            then {{ dbt.right(compact, 11) }}
    end
{%- endmacro %}
