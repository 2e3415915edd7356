{#-
    Phone numbers, contract normal form: '+86' followed by the 11 digits of a mainland mobile.
    Every macro here takes a cleaned text column (see clean_strings: trimmed, null for empty or
    'null'-like values); staging base models clean every raw column first.

    `phone_digits(column)`: the 11-digit mobile hidden in any common format, or null.
      Accepted: '13800138000', '138 0013 8000', '138-0013-8000', '+86-138-0013-8000',
      '+86 138 0013 8000', '(+86)13800138000', '8613800138000', '008613800138000', '013800138000',
      and the same with full-width digits ('１３８００１３８０００').
      Rejected (null): masked ('138****8000'), letters, too few/many digits, landlines, numbers
      that do not start with 1[3-9], empty and 'null'-like strings.
    `normalize_phone(column)`: '+86' || digits, or null when phone_digits rejects the value.
      Staging checks syntax only: a placeholder such as '13800138000' is a valid normal form here;
      OneID's guards (blocked-value seed, shared-identifier detection) exclude it.
    `phone_status(column)`: why: 'missing', 'masked', 'malformed' or 'valid'.
-#}
{% macro phone_digits(column) -%}
    {#- full-width digits and signs (typed with a Chinese input method) to ASCII -#}
    {%- set ascii = "translate(" ~ column ~ ", '０１２３４５６７８９＋（）－　', '0123456789+()- ')" -%}
    {%- set digits = persona.regexp_replace_all(ascii, '[^0-9]', '') -%}
    case
        when {{ persona.regexp_matches(ascii, '^[0-9 +()\\-.]+$') }} = false then null
        when {{ persona.regexp_matches(digits, '^(0086|86|0)?1[3-9][0-9]{9}$') }}
            then {{ dbt.right(digits, 11) }}
    end
{%- endmacro %}


{% macro normalize_phone(column) -%}
    {%- set digits = persona.phone_digits(column) -%}
    case
        when ({{ digits }}) is null then null
        else {{ dbt.concat(["'+86'", digits]) }}
    end
{%- endmacro %}


{% macro phone_status(column) -%}
    {%- set digits = persona.phone_digits(column) -%}
    case
        when {{ column }} is null then 'missing'
        when {{ column }} like '%*%' then 'masked'
        when ({{ digits }}) is null then 'malformed'
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
