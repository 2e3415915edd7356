{#-
    Deterministic experiment buckets (models/activation/experiments/fct_experiment_assignments).

    `experiment_bucket(salt, one_id, n_buckets)`: the bucket 0 .. n_buckets - 1 of a OneID in an
      experiment: the MD5 (dbt.hash) of `<salt>:<one_id>`, its first 8 hex digits read as an
      unsigned 32-bit integer, modulo n_buckets. The same salt and OneID give the same bucket on
      every build and every adapter; a new salt reshuffles everyone.
    `experiment_arm(bucket, holdout_share, n_buckets)`: 'holdout' for the first
      round(holdout_share * n_buckets) buckets, else 'treatment'.
    `hex_to_integer(hex_text)`: a text of up to 15 hex digits as a bigint (adapter.dispatch; the
      default is DuckDB's cast of a 0x literal).
-#}
{% macro experiment_bucket(salt, one_id, n_buckets=10000) -%}
    mod(
        {{ persona.hex_to_integer(
            'substring(' ~ dbt.hash(dbt.concat([salt, "':'", one_id])) ~ ', 1, 8)'
        ) }},
        {{ n_buckets }}
    )
{%- endmacro %}


{% macro experiment_arm(bucket, holdout_share, n_buckets=10000) -%}
    case when {{ bucket }} < round({{ holdout_share }} * {{ n_buckets }}) then 'holdout' else 'treatment' end
{%- endmacro %}


{% macro hex_to_integer(hex_text) %}
    {{- return(adapter.dispatch('hex_to_integer', 'persona')(hex_text)) -}}
{% endmacro %}

{% macro default__hex_to_integer(hex_text) -%}
    cast('0x' || {{ hex_text }} as bigint)
{%- endmacro %}

{% macro postgres__hex_to_integer(hex_text) -%}
    ('x' || lpad({{ hex_text }}, 16, '0'))::bit(64)::bigint
{%- endmacro %}

{% macro snowflake__hex_to_integer(hex_text) -%}
    to_number({{ hex_text }}, 'XXXXXXXXXXXXXXX')
{%- endmacro %}

{% macro spark__hex_to_integer(hex_text) -%}
    cast(conv({{ hex_text }}, 16, 10) as bigint)
{%- endmacro %}

{% macro bigquery__hex_to_integer(hex_text) -%}
    cast(concat('0x', {{ hex_text }}) as int64)
{%- endmacro %}
