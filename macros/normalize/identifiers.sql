{#- Identifier normal forms. Every macro takes a cleaned text column (see clean_strings). -#}

{#-
    E-mail normal form: trimmed, lower case; exactly one '@' with a non-empty local part, no
    whitespace inside, and a domain holding a dot that is neither its first nor its last character.
    Anything else is null (the same rule as persona.identifiers.normalize_email).
-#}
{% macro normalize_email(column) -%}
    {%- set lowered = 'lower(' ~ column ~ ')' -%}
    case
        when {{ persona.regexp_matches(lowered, '^[^@\\s]+@[^@\\s.][^@\\s]*\\.[^@\\s]*[^@\\s.]$') }} then {{ lowered }}
    end
{%- endmacro %}


{#- Member card normal form: trimmed, inner spaces removed, upper case; null when empty. -#}
{% macro normalize_member_card(column) -%}
    upper({{ persona.regexp_replace_all(column, '\\s', '') }})
{%- endmacro %}


{#-
    Device id normal form: trimmed, lower case; null when empty. A zeroed advertising id
    ('00000000-0000-0000-0000-000000000000') is a valid normal form here; OneID's guards exclude it.
-#}
{% macro normalize_device_id(column) -%}
    lower({{ column }})
{%- endmacro %}


{#- Why a device id is or is not an identifier: 'missing' or 'valid'. -#}
{% macro device_id_status(column) -%}
    case
        when {{ column }} is null then 'missing'
        else 'valid'
    end
{%- endmacro %}


{#-
    An identifier only unique within a namespace, in normal form '<namespace>:<id>':
    openid within its appid, a marketplace buyer within its platform. Null when either part is null.
    `lower_namespace`: lower-case the namespace (platform names), keep the id as given.
-#}
{% macro scoped_identifier(namespace_column, id_column, lower_namespace=false) -%}
    {%- set namespace = namespace_column -%}
    {%- if lower_namespace -%}{%- set namespace = 'lower(' ~ namespace ~ ')' -%}{%- endif -%}
    {%- set identifier = id_column -%}
    case
        when {{ namespace }} is not null and {{ identifier }} is not null
            then {{ dbt.concat([namespace, "':'", identifier]) }}
    end
{%- endmacro %}
