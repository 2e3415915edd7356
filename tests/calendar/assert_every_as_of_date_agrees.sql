-- every as_of_date column of every model holds the one as-of date that int_as_of_date decided
{#-
    One as-of date (models/calendar/int_as_of_date.sql) for every model, OneID included: one
    failing row per model whose as_of_date column holds another date, and one per model with an
    as_of_date column that is missing from the list below (add it as a depends_on line, so that
    `dbt build` runs this test after it). On the fixture (golden_fixture), a campaign send dated
    after the last customer activity must exist, so the case that once split the date is tested.

    dbt cannot see graph.nodes while parsing, so the models are listed with depends_on.
    Append-only logs (persona.history_log, fct_identity_changes: incremental with the `append`
    strategy) are left out: each row keeps the as-of date of the build that logged it.
-#}
-- depends_on: {{ ref('dim_audiences') }}
-- depends_on: {{ ref('dim_customer_clusters') }}
-- depends_on: {{ ref('dim_customer_clv') }}
-- depends_on: {{ ref('dim_customer_lifecycle') }}
-- depends_on: {{ ref('dim_customer_profiles') }}
-- depends_on: {{ ref('dim_customer_referrals') }}
-- depends_on: {{ ref('dim_customer_propensity') }}
-- depends_on: {{ ref('dim_customer_rfm') }}
-- depends_on: {{ ref('dim_customers') }}
-- depends_on: {{ ref('dim_identifiers') }}
-- depends_on: {{ ref('dim_tags') }}
-- depends_on: {{ ref('fct_audience_exports') }}
-- depends_on: {{ ref('fct_audience_members') }}
-- depends_on: {{ ref('fct_campaign_touches') }}
-- depends_on: {{ ref('fct_customer_lifecycle_history') }}
-- depends_on: {{ ref('fct_customer_recommendations') }}
-- depends_on: {{ ref('fct_customer_rfm_monthly') }}
-- depends_on: {{ ref('fct_customer_tags') }}
-- depends_on: {{ ref('fct_events') }}
-- depends_on: {{ ref('fct_referrals') }}
-- depends_on: {{ ref('fct_experiment_arm_changes') }}
-- depends_on: {{ ref('fct_experiment_assignments') }}
-- depends_on: {{ ref('fct_order_items') }}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('fct_service_tickets') }}
-- depends_on: {{ ref('fct_sessions') }}
-- depends_on: {{ ref('int_audience_rule_members') }}
-- depends_on: {{ ref('int_customer_features') }}
-- depends_on: {{ ref('int_customer_tag_values') }}
-- depends_on: {{ ref('int_customer_tags_tracked') }}
-- depends_on: {{ ref('int_recommendation_cutoffs') }}
-- depends_on: {{ ref('rpt_audience_export_compliance') }}
-- depends_on: {{ ref('rpt_audience_overlap') }}
-- depends_on: {{ ref('rpt_audience_summary') }}
-- depends_on: {{ ref('rpt_audience_tgi') }}
-- depends_on: {{ ref('rpt_campaign_performance') }}
-- depends_on: {{ ref('rpt_cluster_diagnostics') }}
-- depends_on: {{ ref('rpt_cluster_profiles') }}
-- depends_on: {{ ref('rpt_clv_backtest') }}
-- depends_on: {{ ref('rpt_clv_fits') }}
-- depends_on: {{ ref('rpt_cohort_retention') }}
-- depends_on: {{ ref('rpt_consent_coverage') }}
-- depends_on: {{ ref('rpt_experiment_srm') }}
-- depends_on: {{ ref('rpt_funnel_by_channel') }}
-- depends_on: {{ ref('rpt_lifecycle_transitions') }}
-- depends_on: {{ ref('rpt_lookalike_diagnostics') }}
-- depends_on: {{ ref('rpt_lookalike_tgi') }}
-- depends_on: {{ ref('rpt_privacy_requests') }}
-- depends_on: {{ ref('rpt_propensity_calibration') }}
-- depends_on: {{ ref('rpt_propensity_diagnostics') }}
-- depends_on: {{ ref('rpt_recommendation_evaluation') }}
-- depends_on: {{ ref('rpt_rfm_segment_migration') }}
-- depends_on: {{ ref('rpt_tag_coverage') }}
-- depends_on: {{ ref('rpt_tag_value_distribution') }}
-- depends_on: {{ ref('rpt_top_paths') }}
-- depends_on: {{ ref('rpt_value_comparison') }}
{%- set listed = [] %}
{%- set unlisted = [] %}
{%- if execute %}
    {%- set self = graph.nodes.get('test.persona.assert_every_as_of_date_agrees') %}
    {%- set depends = self.depends_on.nodes if self else [] %}
    {%- for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.name != 'int_as_of_date'
        and node.config.materialized != 'ephemeral' and 'persona.history_log(' not in node.raw_code
        and node.config.get('incremental_strategy') != 'append' %}
        {%- set has_as_of_date = 'as_of_date' in node.columns %}
        {%- if not has_as_of_date %}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias or node.name) %}
            {%- if relation is not none %}
                {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list %}
                {%- set has_as_of_date = 'as_of_date' in columns %}
            {%- endif %}
        {%- endif %}
        {%- if has_as_of_date and node.unique_id in depends %}
            {%- do listed.append(node) %}
        {%- elif has_as_of_date %}
            {%- do unlisted.append(node.name) %}
        {%- endif %}
    {%- endfor %}
{%- endif %}

with as_of as (
    select
        as_of_date,
        as_of_end_at
    from {{ ref('int_as_of_date') }}
),

model_dates as (
    {%- for node in listed %}
        select distinct
            '{{ node.name }}' as model_name,
            as_of_date
        from {{ node.relation_name }}
        union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as date) as as_of_date
    where false
),

disagreeing as (
    select
        model_dates.model_name,
        'holds ' || coalesce(cast(model_dates.as_of_date as {{ dbt.type_string() }}), 'null')
        || ' instead of ' || cast(as_of.as_of_date as {{ dbt.type_string() }}) as problem
    from model_dates
    cross join as_of
    where model_dates.as_of_date is null or model_dates.as_of_date != as_of.as_of_date
),

not_listed as (
    {%- for model_name in unlisted %}
        select
            '{{ model_name }}' as model_name,
            'has an as_of_date column but is not a depends_on of this test' as problem
        union all
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as problem
    where false
),

{%- if var('golden_fixture', false) %}

-- the fixture's late campaign send (tests/fixtures/make_raw_fixture.py, T5) is after the as-of date
late_send_missing as (
    select
        'stg_marketing__campaign_touches' as model_name,
        'the fixture has no campaign send after the as-of date' as problem
    from as_of
    where not exists (
        select 1
        from {{ ref('stg_marketing__campaign_touches') }} as touches
        where touches.sent_at >= as_of.as_of_end_at
    )
),
{%- endif %}

final as (
    select * from disagreeing
    union all
    select * from not_listed
    {%- if var('golden_fixture', false) %}
        union all
        select * from late_send_missing
    {%- endif %}
)

select * from final
