{#-
    Settings a brand may have to change for its data, and the warning that tells it so.

    `check_settings()` (on-run-start): the settings that `make run` takes from the environment
      (PERSONA_EARLIEST_VALID_DATE, PERSONA_FUTURE_TOLERANCE_HOURS, PERSONA_MAX_ABS_AMOUNT; the
      as-of date is checked by as_of_var) have their form, or the build stops at once saying which
      one and what it should look like. Renders no SQL.
    `warn_mostly_set_aside()` (on-run-end): after a build that made the quarantine summary, one
      warning per raw table of which at least var('set_aside_warning_percent') % was quarantined
      for one reason, naming the table, the reason and the setting that decides it (seed
      dq_reason_codes, column setting). A brand whose order history starts in 1997 otherwise gets
      a green build with every order set aside. Renders no SQL.
-#}
{% macro check_settings() %}
    {%- set checks = [
        ('earliest_valid_date', 'PERSONA_EARLIEST_VALID_DATE', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', 'a date written YYYY-MM-DD'),
        ('future_tolerance_hours', 'PERSONA_FUTURE_TOLERANCE_HOURS', '^[0-9]+$', 'a whole number of hours'),
        ('max_abs_amount', 'PERSONA_MAX_ABS_AMOUNT', '^[0-9]+([.][0-9]+)?([eE][+]?[0-9]+)?$', 'a positive number of yuan'),
    ] -%}
    {%- for name, env_name, pattern, meaning in checks -%}
        {%- set value = var(name) | string | trim -%}
        {%- if not modules.re.match(pattern, value) -%}
            {{ exceptions.raise_compiler_error(
                "setting " ~ name ~ " (var, or the environment variable " ~ env_name ~ ") must be "
                ~ meaning ~ ", got '" ~ value ~ "'."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- do persona.as_of_var() -%}
    {{- return('') -}}
{% endmacro %}


{% macro warn_mostly_set_aside() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set summary_ran = [] -%}
    {%- for result in results if result.node.name == 'rpt_raw_quarantine_summary' and result.status == 'success' -%}
        {%- do summary_ran.append(result.node) -%}
    {%- endfor -%}
    {%- if not summary_ran -%}{{ return('') }}{%- endif -%}
    {%- set summary = summary_ran[0].relation_name -%}
    {#- a hook cannot ref(): the seed's relation comes from the graph -#}
    {%- set reasons = graph.nodes['seed.persona.dq_reason_codes'].relation_name -%}
    {%- set rows = run_query(
        "select summary.source_table, summary.reason_code, summary.row_count, summary.pct_of_rows_in,"
        ~ " coalesce(reasons.setting, '') as setting"
        ~ " from " ~ summary ~ " as summary left join " ~ reasons ~ " as reasons"
        ~ " on summary.reason_code = reasons.reason_code"
        ~ " where summary.action = 'quarantined' and summary.pct_of_rows_in >= " ~ var('set_aside_warning_percent')
        ~ " order by summary.source_table, summary.reason_code"
    ).rows -%}
    {%- for row in rows -%}
        {%- set advice = (
            "If your data is right, change the setting " ~ row['setting'] ~ "."
            if row['setting'] else "Fix the export, then build again."
        ) -%}
        {%- do exceptions.warn(
            "persona: " ~ row['pct_of_rows_in'] ~ "% of the raw table " ~ row['source_table'] ~ " ("
            ~ row['row_count'] ~ " rows) was set aside as " ~ row['reason_code'] ~ ": the marts built on it are"
            ~ " nearly empty. See marts.rpt_raw_quarantine_summary. " ~ advice
        ) -%}
    {%- endfor -%}
    {{- return('') -}}
{% endmacro %}
