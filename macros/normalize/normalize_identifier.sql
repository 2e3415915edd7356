{#-
    `normalize_identifier(type_column, value_column)`: the normal form of an identifier whose type
    arrives in a column (raw contract version 2: consent_events, erasure_requests), by the same
    rules as the columns of the channel tables (raw-sources.md, "Identifiers and their normal
    form"). `type_column` holds a normalized type code (lower case); `value_column` a cleaned text
    (see clean_strings). Null when the type is unknown or the value is not an identifier of that
    type. An openid is written `<appid>:<openid>` and a marketplace buyer `<platform>:<buyer_id>`:
    a bare openid or buyer id is ambiguous, so it is not an identifier here.
    The Python reference is persona.dev.identifiers.normalize_identifier.
-#}
{% macro normalize_identifier(type_column, value_column) -%}
    {%- set scoped = '^[^:]+:.+$' -%}
    case {{ type_column }}
        when 'member_id' then {{ value_column }}
        when 'member_card' then {{ persona.normalize_member_card(value_column) }}
        when 'phone' then {{ persona.normalize_phone(value_column) }}
        when 'email' then {{ persona.normalize_email(value_column) }}
        when 'cookie_id' then {{ value_column }}
        when 'device_id' then {{ persona.normalize_device_id(value_column) }}
        when 'openid' then case when {{ persona.regexp_matches(value_column, scoped) }} then {{ value_column }} end
        when 'unionid' then {{ value_column }}
        when 'wecom_userid' then {{ value_column }}
        when 'buyer_id' then
            case
                when {{ persona.regexp_matches(value_column, scoped) }}
                    then {{ dbt.concat([
                        'lower(' ~ persona.regexp_extract(value_column, '^([^:]+):', 1) ~ ')',
                        "':'",
                        persona.regexp_extract(value_column, '^[^:]+:(.+)$', 1),
                    ]) }}
            end
    end
{%- endmacro %}


{#-
    `identifier_digest(type_expression, value_expression)`: lower-case hex SHA-256 of
    `<identifier_type>:<normal form>`, the one form in which persona keeps an identifier it must
    forget (the erasure suppression list, privacy.erased_identifiers) and the key a request is
    matched by. Null when the value is null.
-#}
{% macro identifier_digest(type_expression, value_expression) -%}
    case
        when {{ value_expression }} is not null
            then {{ persona.sha256(dbt.concat([type_expression, "':'", value_expression])) }}
    end
{%- endmacro %}
