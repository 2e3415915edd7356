-- the audience definitions as a table: names, kind (segment or trigger list), channels, purpose, owner and
-- the compiled rule; the lookalike expansions (one per seed audience, segments) with the seed they expand
-- depends_on: {{ ref('int_audience_rule_members') }}
{%- set audiences = persona.audience_definitions() %}
{%- set expansions = persona.lookalike_expansions() %}
{%- for audience in audiences %}
    {%- if audience.get('kind', 'segment') not in ['segment', 'trigger'] %}
        {{- exceptions.raise_compiler_error(
            "audience '" ~ audience.code ~ "': kind must be segment or trigger, got " ~ audience.kind
        ) }}
    {%- endif %}
{%- endfor %}

with definitions as (
    {%- for audience in audiences %}
        select
            '{{ audience.code }}' as audience_code,
            'rule' as audience_type,
            '{{ audience.get("kind", "segment") }}' as kind,
            {{ persona.audience_literal(audience.name_zh) }} as name_zh,
            {{ persona.audience_literal(audience.name_en) }} as name_en,
            {{ persona.audience_literal(audience.description | trim) }} as description,
            '{{ audience.channels | join(",") }}' as channels,
            {{ persona.audience_literal(audience.purpose | trim) }} as purpose,
            {{ persona.audience_literal(audience.owner) }} as owner,  -- noqa: RF04
            {{ 'true' if audience.get('lookalike_seed') else 'false' }} as is_lookalike_seed,
            cast(null as {{ dbt.type_string() }}) as lookalike_of,
            cast(null as {{ dbt.type_int() }}) as lookalike_size,
            {{ persona.audience_literal(tojson(audience.rule)) }} as rule_definition,
            {{ persona.audience_literal(persona.audience_rule_sql(audience.rule, audience.code)) }} as rule_sql
        {% if not loop.last or expansions %}union all{% endif %}
    {%- endfor %}
    {%- for expansion in expansions %}
        select
            '{{ expansion.code }}' as audience_code,
            'lookalike' as audience_type,
            'segment' as kind,
            {{ persona.audience_literal(expansion.name_zh) }} as name_zh,
            {{ persona.audience_literal(expansion.name_en) }} as name_en,
            {{ persona.audience_literal(expansion.description) }} as description,
            '{{ expansion.channels | join(",") }}' as channels,
            {{ persona.audience_literal(expansion.purpose) }} as purpose,
            {{ persona.audience_literal(expansion.owner) }} as owner,  -- noqa: RF04
            false as is_lookalike_seed,
            '{{ expansion.seed_code }}' as lookalike_of,
            {{ expansion.size }} as lookalike_size,
            cast(null as {{ dbt.type_string() }}) as rule_definition,
            cast(null as {{ dbt.type_string() }}) as rule_sql
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- if not audiences and not expansions %}
        select
            cast(null as {{ dbt.type_string() }}) as audience_code,
            cast(null as {{ dbt.type_string() }}) as audience_type,
            cast(null as {{ dbt.type_string() }}) as kind,
            cast(null as {{ dbt.type_string() }}) as name_zh,
            cast(null as {{ dbt.type_string() }}) as name_en,
            cast(null as {{ dbt.type_string() }}) as description,
            cast(null as {{ dbt.type_string() }}) as channels,
            cast(null as {{ dbt.type_string() }}) as purpose,
            cast(null as {{ dbt.type_string() }}) as owner,
            false as is_lookalike_seed,
            cast(null as {{ dbt.type_string() }}) as lookalike_of,
            cast(null as {{ dbt.type_int() }}) as lookalike_size,
            cast(null as {{ dbt.type_string() }}) as rule_definition,
            cast(null as {{ dbt.type_string() }}) as rule_sql
        where false
    {%- endif %}
),

final as (
    select
        *,
        {{ persona.as_of_date() }} as as_of_date
    from definitions
)

select * from final
