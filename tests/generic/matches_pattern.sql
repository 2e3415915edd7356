{#-
    Every non-null value of the column matches the regular expression `pattern` (RE2 syntax on
    DuckDB; anchor it with ^ and $ to test the whole value). Returns the rows whose value does not.
    Used for the project's own normal-form invariants (phone in E.164, e-mail lower case, scoped
    openid, upper-case card number, lower-case device id), which fail the build when broken.
-#}
{% test matches_pattern(model, column_name, pattern) %}

select
    {{ column_name }} as value_not_matching
from {{ model }}
where
    {{ column_name }} is not null
    and not {{ persona.regexp_matches(column_name, pattern) }}

{% endtest %}
