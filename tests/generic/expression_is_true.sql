{#-
    Every row satisfies the SQL boolean `expression` (named like and behaving like dbt_utils'
    expression_is_true, which the package hub cannot deliver here). Returns the rows that do not.
-#}
{% test expression_is_true(model, expression, column_name=none) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
