{#-
    Business configuration that a marketer edits lives in one YAML file each, as the `config.meta`
    of the model that compiles it:
      - the tag catalog: models/profile/tags/tag_catalog.yml (model int_customer_tag_values),
      - the audiences: models/activation/audiences/audience_definitions.yml (model
        int_audience_rule_members).

    `project_config(model_name, key)`: the value under `config.meta.<key>` of that model. A model
      that reads it must be that model or ref it (directly, or with a `-- depends_on:` line), so
      the lineage graph shows every model the configuration reaches; anything else stops the build
      with a message saying which ref to add. Tests may read it freely.
      At parse time it returns []. dbt compiles a unit test without the project graph: there the
      value comes from var('config_under_test') (a mapping key -> value), which the unit tests
      set from the same file through a YAML alias, so both files are unit-tested one way.
-#}
{% macro project_config(model_name, key) -%}
    {%- if not execute -%}
        {{- return([]) -}}
    {%- endif -%}
    {%- set under_test = var('config_under_test', {}) -%}
    {%- if graph.get('nodes') is none -%}
        {%- if key not in under_test -%}
            {{- exceptions.raise_compiler_error(
                "a unit test of a model that reads '" ~ key ~ "' must pass it as var config_under_test: "
                ~ "overrides: {vars: {config_under_test: {" ~ key ~ ": *" ~ key ~ "}}} (see the unit "
                ~ "tests at the end of the file that defines it)"
            ) -}}
        {%- endif -%}
        {{- return(under_test[key]) -}}
    {%- endif -%}
    {%- set unique_id = 'model.persona.' ~ model_name -%}
    {%- set node = graph.nodes.get(unique_id) -%}
    {%- if node is none -%}
        {{- exceptions.raise_compiler_error(
            "the model " ~ model_name ~ " that holds '" ~ key ~ "' in its config.meta is missing"
        ) -}}
    {%- endif -%}
    {%- if model is defined and model.resource_type in ['model', 'snapshot'] and model.unique_id != unique_id
        and unique_id not in model.depends_on.nodes -%}
        {{- exceptions.raise_compiler_error(
            model.name ~ " reads '" ~ key ~ "' from " ~ model_name ~ " without depending on it: add "
            ~ "`-- depends_on: {{ ref('" ~ model_name ~ "') }}` to it, so that the lineage shows it"
        ) -}}
    {%- endif -%}
    {{- return(node.config.meta.get(key, [])) -}}
{%- endmacro %}
