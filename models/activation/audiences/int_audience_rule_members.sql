-- who matches each rule audience as of the as-of date: the audience rules (audience_definitions.yml, this
-- model's config.meta.audiences) compiled over the wide profile; lookalike expansions are added in fct_audience_members
{%- set audiences = persona.audience_definitions() %}
{%- set profiles_relation = ref('dim_customer_profiles') %}
{%- set fields = none %}
{%- if execute and flags.WHICH in ['run', 'build', 'compile', 'show', 'test'] %}
    {%- set columns = adapter.get_columns_in_relation(profiles_relation) %}
    {%- if columns | length > 0 %}
        {%- set fields = columns | map(attribute='name') | map('lower') | list %}
    {%- endif %}
{%- endif %}
{%- set codes = [] %}
{%- for audience in audiences %}
    {%- if not modules.re.match('^[a-z][a-z0-9_]*$', audience.get('code', '') | string) %}
        {{- exceptions.raise_compiler_error("audience code '" ~ audience.get('code') ~ "' must be snake_case") }}
    {%- endif %}
    {%- if audience.code in codes %}
        {{- exceptions.raise_compiler_error("audience code '" ~ audience.code ~ "' is defined twice") }}
    {%- endif %}
    {%- do codes.append(audience.code) %}
    {%- for key in ['name_zh', 'name_en', 'description', 'channels', 'purpose', 'owner', 'rule'] %}
        {%- if not audience.get(key) %}
            {{- exceptions.raise_compiler_error("audience '" ~ audience.code ~ "' needs '" ~ key ~ "'") }}
        {%- endif %}
    {%- endfor %}
    {%- for channel in audience.channels if channel not in var('audience_export_channels') %}
        {{- exceptions.raise_compiler_error(
            "audience '" ~ audience.code ~ "': channel '" ~ channel ~ "' is not one of "
            ~ (var('audience_export_channels') | join(', '))
        ) }}
    {%- endfor %}
{%- endfor %}

with profiles as (
    select * from {{ profiles_relation }}
),

members as (
    {%- for audience in audiences %}
        select
            '{{ audience.code }}' as audience_code,
            one_id
        from profiles
        where {{ persona.audience_rule_sql(audience.rule, audience.code, fields) }}
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as audience_code,
            cast(null as {{ dbt.type_string() }}) as one_id
        from profiles
        where false
    {%- endfor %}
),

final as (
    select
        audience_code,
        one_id,
        {{ persona.as_of_date() }} as as_of_date
    from members
)

select * from final
