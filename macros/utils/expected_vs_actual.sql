{#-
    `expected_vs_actual(expected, actual)`: the body of a golden test. Given two CTE names with the
    same columns, returns the rows that differ as a multiset: each expected row that is absent
    ('expected but absent') and each actual row that was not expected ('present but not
    expected'). An empty result means the outcome is exactly as expected.
-#}
{% macro expected_vs_actual(expected, actual) -%}
    select 'expected but absent' as problem, * from {{ expected }}
    except all
    select 'expected but absent' as problem, * from {{ actual }}
    union all
    (
        select 'present but not expected' as problem, * from {{ actual }}
        except all
        select 'present but not expected' as problem, * from {{ expected }}
    )
{%- endmacro %}
