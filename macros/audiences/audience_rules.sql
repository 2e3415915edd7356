{#-
    Audiences (人群圈选) are YAML definitions (models/activation/audiences/audience_definitions.yml,
    `config.meta.audiences` of int_audience_rule_members, the model that compiles them). These
    macros turn one definition's `rule` into a SQL condition over the wide profile (dim_customer_profiles: one column per tag plus profile
    fields).

    A rule is one of:
      {all: [rule, ...]}            every sub-rule holds (and)
      {any: [rule, ...]}            at least one holds (or)
      {not: rule}                   the sub-rule does not hold (a null comparison counts as not holding)
      {field: F, op: OP, value: V}  a comparison on one profile column
    Operators: = != > >= < <= (one value), in / not_in (a list), between (a [low, high] list,
    inclusive), is_null / is_not_null / is_true / is_false (no value).
    A condition on a missing value is false, so `not` of it is true: `{not: {field: x, op: '=',
    value: 1}}` keeps people whose x is null. Unknown fields and operators stop the build with
    a message naming the audience.

    `audience_definitions()`: the list of definitions (parse time: empty; persona.project_config).
    `audience_rule_sql(rule, audience, fields)`: the SQL condition; `fields`, when given, is the
      list of known column names (lower case) used to reject typos.
    `audience_literal(value)`: a SQL literal for a YAML scalar.
-#}
{% macro audience_definitions() -%}
    {{- return(persona.project_config('int_audience_rule_members', 'audiences')) -}}
{%- endmacro %}


{% macro audience_literal(value) -%}
    {%- if value is boolean -%}{{ 'true' if value else 'false' }}
    {%- elif value is number -%}{{ value }}
    {%- else -%}{{ persona.quote_literal(value) }}
    {%- endif -%}
{%- endmacro %}


{% macro audience_rule_sql(rule, audience, fields=none) -%}
    {%- set is_leaf = rule is mapping and 'field' in rule -%}
    {%- set is_node = rule is mapping and rule | length == 1 and ('all' in rule or 'any' in rule or 'not' in rule) -%}
    {%- if not (is_leaf or is_node) -%}
        {{- exceptions.raise_compiler_error(
            "audience '" ~ audience ~ "': a rule must be exactly one of {all: [...]}, {any: [...]}, "
            ~ "{not: rule} or {field: .., op: .., value: ..}; got " ~ rule
        ) -}}
    {%- endif -%}
    {%- if is_node and ('all' in rule or 'any' in rule) -%}
        {%- set joiner = ' and ' if 'all' in rule else ' or ' -%}
        {%- set parts = rule['all'] if 'all' in rule else rule['any'] -%}
        {%- if parts is string or parts | length == 0 -%}
            {{- exceptions.raise_compiler_error("audience '" ~ audience ~ "': all/any needs a non-empty list") -}}
        {%- endif -%}
        {%- set sql_parts = [] -%}
        {%- for part in parts -%}
            {%- do sql_parts.append(persona.audience_rule_sql(part, audience, fields)) -%}
        {%- endfor -%}
        ({{ sql_parts | join(joiner) }})
    {%- elif is_node -%}
        (not coalesce({{ persona.audience_rule_sql(rule['not'], audience, fields) }}, false))
    {%- else -%}
        {%- set field = rule['field'] | string | lower -%}
        {%- set op = rule.get('op', '=') | string | lower -%}
        {%- if not modules.re.match('^[a-z_][a-z0-9_]*$', field) -%}
            {{- exceptions.raise_compiler_error("audience '" ~ audience ~ "': '" ~ field ~ "' is not a column name") -}}
        {%- endif -%}
        {%- if fields is not none and field not in fields -%}
            {{- exceptions.raise_compiler_error(
                "audience '" ~ audience ~ "': unknown field '" ~ field ~ "'. Rules read dim_customer_profiles; "
                ~ "its columns are the tag codes of the tag catalog and the profile fields: " ~ (fields | join(', '))
            ) -}}
        {%- endif -%}
        {%- set value = rule.get('value') -%}
        {%- if op in ['=', '!=', '>', '>=', '<', '<='] -%}
            {%- if value is none or (value is iterable and value is not string) -%}
                {{- exceptions.raise_compiler_error("audience '" ~ audience ~ "': " ~ field ~ " " ~ op ~ " needs one value") -}}
            {%- endif -%}
            coalesce({{ field }} {{ '<>' if op == '!=' else op }} {{ persona.audience_literal(value) }}, false)
        {%- elif op in ['in', 'not_in'] -%}
            {%- if value is string or value is not iterable or value | length == 0 -%}
                {{- exceptions.raise_compiler_error("audience '" ~ audience ~ "': " ~ field ~ " " ~ op ~ " needs a list") -}}
            {%- endif -%}
            {%- set literals = [] -%}
            {%- for item in value -%}{%- do literals.append(persona.audience_literal(item)) -%}{%- endfor -%}
            coalesce({{ field }} {{ 'not in' if op == 'not_in' else 'in' }} ({{ literals | join(', ') }}), false)
        {%- elif op == 'between' -%}
            {%- if value is string or value is not iterable or value | length != 2 -%}
                {{- exceptions.raise_compiler_error("audience '" ~ audience ~ "': " ~ field ~ " between needs [low, high]") -}}
            {%- endif -%}
            coalesce({{ field }} between {{ persona.audience_literal(value[0]) }} and {{ persona.audience_literal(value[1]) }}, false)
        {%- elif op == 'is_null' -%}({{ field }} is null)
        {%- elif op == 'is_not_null' -%}({{ field }} is not null)
        {%- elif op == 'is_true' -%}coalesce({{ field }} = true, false)
        {%- elif op == 'is_false' -%}coalesce({{ field }} = false, false)
        {%- else -%}
            {{- exceptions.raise_compiler_error(
                "audience '" ~ audience ~ "': unknown operator '" ~ op ~ "' on " ~ field
                ~ " (use = != > >= < <= in not_in between is_null is_not_null is_true is_false)"
            ) -}}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- The lookalike expansion audiences: one per audience marked `lookalike_seed: true`, with code
    '<seed>_lookalike', the seed's channels and owner, and `lookalike_size` people (default: var
    lookalike_expansion_size). Filled by python_models/activation/audiences (int_lookalike_scores). -#}
{% macro lookalike_expansions() -%}
    {%- set expansions = [] -%}
    {%- for seed in persona.audience_definitions() if seed.get('lookalike_seed') -%}
        {%- set size = seed.get('lookalike_size', var('lookalike_expansion_size')) -%}
        {%- if size is not number or size < 1 -%}
            {{- exceptions.raise_compiler_error(
                "audience '" ~ seed.code ~ "': lookalike_size must be a positive whole number, got " ~ size
            ) -}}
        {%- endif -%}
        {%- do expansions.append({
            'code': seed.code ~ '_lookalike',
            'seed_code': seed.code,
            'size': size | int,
            'name_zh': seed.name_zh ~ '·相似人群',
            'name_en': 'Lookalikes of: ' ~ seed.name_en,
            'description': 'The ' ~ (size | int) ~ ' people outside the audience "' ~ seed.name_en
                ~ '" who look most like its members (the lookalike model; its quality: rpt_lookalike_diagnostics).',
            'channels': seed.channels,
            'purpose': 'Prospecting: expand "' ~ seed.name_en ~ '" to similar people.',
            'owner': seed.owner,
        }) -%}
    {%- endfor -%}
    {{- return(expansions) -}}
{%- endmacro %}
