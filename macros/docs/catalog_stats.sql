{#-
    The docs catalog with row counts. dbt-duckdb's catalog (dbt docs generate) lists tables and
    columns but no statistics, so the docs site's "Details" tab of a model shows no size. These
    overrides of the adapter's get_catalog / get_catalog_relations add `stats:row_count:*`: the
    row count DuckDB stores for each table (exact for tables dbt builds; views have none). The
    rest is the adapter's own SQL (macros duckdb__get_catalog_*_sql).
-#}

{% macro duckdb__get_catalog(information_schema, schemas) -%}
  {% set query %}
    with tables as (
      {{ duckdb__get_catalog_tables_sql(information_schema) }}
      {{ duckdb__get_catalog_schemas_where_clause_sql(schemas) }}
    ),
    columns as (
      {{ duckdb__get_catalog_columns_sql(information_schema) }}
      {{ duckdb__get_catalog_schemas_where_clause_sql(schemas) }}
    )
    {{ persona_catalog_results_with_row_counts(information_schema) }}
  {% endset %}
  {{ return(run_query(query)) }}
{%- endmacro %}


{% macro duckdb__get_catalog_relations(information_schema, relations) -%}
  {% set query %}
    with tables as (
      {{ duckdb__get_catalog_tables_sql(information_schema) }}
      {{ duckdb__get_catalog_relations_where_clause_sql(relations) }}
    ),
    columns as (
      {{ duckdb__get_catalog_columns_sql(information_schema) }}
      {{ duckdb__get_catalog_relations_where_clause_sql(relations) }}
    )
    {{ persona_catalog_results_with_row_counts(information_schema) }}
  {% endset %}
  {{ return(run_query(query)) }}
{%- endmacro %}


{% macro persona_catalog_results_with_row_counts(information_schema) -%}
    , row_counts as (
        select
            database_name as table_database,
            schema_name as table_schema,
            table_name,
            estimated_size as row_count
        from duckdb_tables()
        where upper(database_name) = upper('{{ information_schema.database }}')
    ),
    results as (
        {{ duckdb__get_catalog_results_sql() }}
    )
    select
        results.*,
        'Row count' as "stats:row_count:label",
        row_counts.row_count as "stats:row_count:value",
        'Rows in the table when the docs were generated' as "stats:row_count:description",
        row_counts.row_count is not null as "stats:row_count:include"
    from results
    left join row_counts using (table_database, table_schema, table_name)
    order by results.table_schema, results.table_name, results.column_index
{%- endmacro %}
