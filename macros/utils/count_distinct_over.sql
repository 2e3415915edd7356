{#- `count_distinct_over(expression, partition_by)`: the number of distinct non-null values of
    `expression` in the row's partition, as a window. Spark has no DISTINCT in a window function:
    there it is the size of the partition's set of values (collect_set skips nulls, as count does). -#}
{% macro count_distinct_over(expression, partition_by) %}
    {{- return(adapter.dispatch('count_distinct_over', 'persona')(expression, partition_by)) -}}
{% endmacro %}

{% macro default__count_distinct_over(expression, partition_by) -%}
    count(distinct {{ expression }}) over (partition by {{ partition_by }})
{%- endmacro %}

{% macro spark__count_distinct_over(expression, partition_by) -%}
    size(collect_set({{ expression }}) over (partition by {{ partition_by }}))
{%- endmacro %}
