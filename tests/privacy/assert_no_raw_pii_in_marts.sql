-- no text column of any mart holds a raw phone number, e-mail or ID-card number (only hashes and masked forms)
{#-
    At execution time the test reads every model built into the marts schema (graph.nodes), asks the warehouse
    for its text columns and looks for values holding
    - a number written with a country code (+852 9123 4567, +14155550132), 8 to 15 digits;
    - a mainland mobile number as a whole token (13800138000, 138 0013 8000, +86-138-0013-8000; not
      inside a longer run of letters and digits such as a hash), unless it is one of the placeholder
      numbers the identity guards block as nobody's phone (seed identity_blocked_values: 13888888888,
      18800000000, 13912345678, the 138-0013-8000 family), which rule descriptions may quote;
    - an e-mail address with an unmasked name (name@domain.tld; j***@example.com passes);
    - a mainland ID-card number as a whole token: 18 characters, a region code, a birth date
      (18xx-20xx, a real month and day), three digits and a check digit or X that agrees with the
      ISO 7064 checksum (so that a long order number or a run of digits inside a hash is not taken
      for one; scrub_pii masks such numbers whatever their check digit).
    One failing row per mart, column and kind, with the number of distinct values but never a value.
    Each column's distinct values are scanned, not its rows: a tag value, an event type or a OneID
    repeats on thousands of rows, and a hash aggregate is cheaper than four regular expressions.

    dbt cannot see graph.nodes while parsing, so the marts are listed below with depends_on: that
    makes `dbt build` run the scan after them. A mart missing from the list is still scanned when
    its table exists, and tests/privacy/assert_pii_scan_covers_every_mart.sql fails until
    it is added.
-#}
-- depends_on: {{ ref('identity_blocked_values') }}
-- depends_on: {{ ref('dim_customers') }}
-- depends_on: {{ ref('dim_identifiers') }}
-- depends_on: {{ ref('fct_identity_changes') }}
-- depends_on: {{ ref('fct_identity_links') }}
-- depends_on: {{ ref('rpt_identity_audit') }}
-- depends_on: {{ ref('rpt_identity_black_holes') }}
-- depends_on: {{ ref('rpt_identity_quality') }}
-- depends_on: {{ ref('rpt_identity_size_distribution') }}
-- depends_on: {{ ref('rpt_privacy_requests') }}
-- depends_on: {{ ref('rpt_raw_quarantine_summary') }}
-- depends_on: {{ ref('rpt_raw_reconciliation') }}
-- depends_on: {{ ref('rpt_consent_issues') }}
-- depends_on: {{ ref('dim_customer_clv') }}
-- depends_on: {{ ref('rpt_clv_fits') }}
-- depends_on: {{ ref('rpt_clv_backtest') }}
-- depends_on: {{ ref('dim_customer_clusters') }}
-- depends_on: {{ ref('rpt_cluster_profiles') }}
-- depends_on: {{ ref('rpt_cluster_diagnostics') }}
-- depends_on: {{ ref('dim_customer_propensity') }}
-- depends_on: {{ ref('rpt_propensity_diagnostics') }}
-- depends_on: {{ ref('rpt_propensity_calibration') }}
-- depends_on: {{ ref('fct_customer_recommendations') }}
-- depends_on: {{ ref('rpt_recommendation_evaluation') }}
-- depends_on: {{ ref('rpt_lookalike_diagnostics') }}
-- depends_on: {{ ref('rpt_lookalike_tgi') }}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('fct_order_items') }}
-- depends_on: {{ ref('fct_events') }}
-- depends_on: {{ ref('fct_sessions') }}
-- depends_on: {{ ref('fct_referrals') }}
-- depends_on: {{ ref('dim_customer_referrals') }}
-- depends_on: {{ ref('rpt_referral_cascades') }}
-- depends_on: {{ ref('rpt_top_sharers') }}
-- depends_on: {{ ref('rpt_referral_diagnostics') }}
-- depends_on: {{ ref('fct_service_tickets') }}
-- depends_on: {{ ref('fct_campaign_touches') }}
-- depends_on: {{ ref('dim_audiences') }}
-- depends_on: {{ ref('dim_customer_lifecycle') }}
-- depends_on: {{ ref('dim_customer_profiles') }}
-- depends_on: {{ ref('dim_customer_rfm') }}
-- depends_on: {{ ref('dim_tags') }}
-- depends_on: {{ ref('fct_audience_exports') }}
-- depends_on: {{ ref('rpt_audience_export_compliance') }}
-- depends_on: {{ ref('dim_customer_consents') }}
-- depends_on: {{ ref('fct_consent_history') }}
-- depends_on: {{ ref('rpt_consent_coverage') }}
-- depends_on: {{ ref('fct_audience_members') }}
-- depends_on: {{ ref('fct_audience_membership_history') }}
-- depends_on: {{ ref('fct_customer_lifecycle_history') }}
-- depends_on: {{ ref('fct_customer_rfm_monthly') }}
-- depends_on: {{ ref('fct_customer_tag_history') }}
-- depends_on: {{ ref('fct_customer_tags') }}
-- depends_on: {{ ref('fct_experiment_arm_changes') }}
-- depends_on: {{ ref('fct_experiment_assignments') }}
-- depends_on: {{ ref('rpt_audience_overlap') }}
-- depends_on: {{ ref('rpt_audience_summary') }}
-- depends_on: {{ ref('rpt_audience_tgi') }}
-- depends_on: {{ ref('rpt_campaign_performance') }}
-- depends_on: {{ ref('rpt_cohort_retention') }}
-- depends_on: {{ ref('rpt_experiment_srm') }}
-- depends_on: {{ ref('rpt_funnel_by_channel') }}
-- depends_on: {{ ref('rpt_lifecycle_transitions') }}
-- depends_on: {{ ref('rpt_rfm_segment_migration') }}
-- depends_on: {{ ref('rpt_tag_coverage') }}
-- depends_on: {{ ref('rpt_tag_value_distribution') }}
-- depends_on: {{ ref('rpt_top_paths') }}
-- depends_on: {{ ref('rpt_value_comparison') }}
{%- set boundary = '[^0-9A-Za-z]' %}
{#- digits may be grouped 3-4-4 by spaces or dashes, with an optional +86 in front -#}
{%- set loose_phone = '(^|' ~ boundary ~ ')(\\+?86[ -]?)?1[3-9][0-9]([ -]?[0-9]{4}){2}(' ~ boundary ~ '|$)' %}
{%- set strict_phone = '(^|' ~ boundary ~ ')(\\+?86)?1[3-9][0-9]{9}(' ~ boundary ~ '|$)' %}
{%- set email = '[^@\s*]+@[^@\s]+\\.[A-Za-z]{2,}' %}
{#- a number written with another country code, in E.164 or grouped (+852 9123 4567, +1-415-555-0132) -#}
{%- set international_phone = '(^|' ~ boundary ~ ')\\+[1-9][0-9]{0,3}([ -]?[0-9]{2,5}){2,5}(' ~ boundary ~ '|$)' %}
{%- set strict_international_phone = '(^|' ~ boundary ~ ')\\+[1-9][0-9]{7,14}(' ~ boundary ~ '|$)' %}
{#- an 18-character ID-card number as a whole token; group 2 is the number -#}
{%- set birth_date = '(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])' %}
{%- set id_card = '(^|' ~ boundary ~ ')([1-9][0-9]{5}' ~ birth_date ~ '[0-9]{3}[0-9Xx])(' ~ boundary ~ '|$)' %}
{%- set id_card_number = persona.regexp_extract('column_value', id_card, 2) %}
{#- the first pass: one regular expression for the four kinds (one scan of each value, not four) -#}
{%- set any_suspect = '(' ~ [loose_phone, international_phone, email, id_card] | join(')|(') ~ ')' %}
{#- ISO 7064 MOD 11-2: the weighted sum of the first 17 digits picks the check character -#}
{%- set weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] %}
{%- set weighted = [] %}
{%- for weight in weights %}
    {%- do weighted.append(weight ~ ' * cast(substring(' ~ id_card_number ~ ', ' ~ loop.index ~ ', 1) as integer)') %}
{%- endfor %}
{%- set branches = [] %}
{%- set placeholders = [] %}
{%- if execute %}
    {#- the blocked phone rules that match a whole normal-form number (^\+86...$), as patterns for the number alone -#}
    {%- set blocked_values = ref('identity_blocked_values') %}
    {%- set rules = [] %}
    {%- if adapter.get_relation(blocked_values.database, blocked_values.schema, blocked_values.identifier) %}
        {%- set rules = run_query(
            "select match_type, blocked_value from " ~ blocked_values
            ~ " where identifier_type = 'phone' order by rule_id"
        ).rows %}
    {%- endif %}
    {%- for rule in rules %}
        {%- set blocked = rule[1] | string %}
        {%- if rule[0] == 'pattern' and blocked.startswith('^\\+86') and blocked.endswith('$') %}
            {%- do placeholders.append('(\\+?86)?(' ~ blocked[5:-1] ~ ')') %}
        {%- elif rule[0] == 'exact' and modules.re.match('^\\+861[3-9][0-9]{9}$', blocked) %}
            {%- do placeholders.append('(\\+?86)?' ~ blocked[3:]) %}
        {%- endif %}
    {%- endfor %}
    {%- for node in graph.nodes.values() | sort(attribute='name')
        if node.resource_type == 'model' and node.config.schema == 'marts' and node.config.materialized != 'ephemeral' %}
        {%- set relation = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) %}
        {%- if relation is not none %}
            {%- for column in adapter.get_columns_in_relation(relation) if column.is_string() %}
                {%- set value = 'cast(' ~ adapter.quote(column.name) ~ ' as ' ~ dbt.type_string() ~ ')' %}
                {%- set branch %}
    select
        '{{ node.name }}' as model_name,
        '{{ column.name }}' as column_name,
        column_value
    from (select distinct {{ value }} as column_value from {{ relation }}) as distinct_values
    where {{ persona.regexp_matches('column_value', any_suspect) }}
                {%- endset %}
                {%- do branches.append(branch) %}
            {%- endfor %}
        {%- endif %}
    {%- endfor %}
{%- endif %}
{%- set without_placeholders = namespace(sql='digits_joined') %}
{%- for placeholder in placeholders %}
    {%- set without_placeholders.sql = persona.regexp_replace_all(without_placeholders.sql, placeholder, ' ') %}
{%- endfor %}

-- the values that may hold a phone, an e-mail or an ID-card number (a cheap first pass over every text column)
with suspects as (
    {%- if branches %}
        {{ branches | join('\n    union all') }}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as model_name,
            cast(null as {{ dbt.type_string() }}) as column_name,
            cast(null as {{ dbt.type_string() }}) as column_value
    {%- endif %}
),

-- 138 0013 8000 and +86-138-0013-8000 become 13800138000 and +8613800138000
joined as (
    select
        model_name,
        column_name,
        column_value,
        {{ persona.regexp_replace_all('column_value', '([0-9])[ -]([0-9])', '\\1\\2') }} as digits_joined
    from suspects
),

classified as (
    select
        model_name,
        column_name,
        case
            when {{ persona.regexp_matches(without_placeholders.sql, strict_phone) }} then 'phone'
            when {{ persona.regexp_matches(without_placeholders.sql, strict_international_phone) }} then 'phone'
            when {{ persona.regexp_matches('column_value', email) }} then 'email'
            when {{ persona.regexp_matches('column_value', id_card) }}
                and substring('10X98765432', ({{ weighted | join(' + ') }}) % 11 + 1, 1)
                = upper(substring({{ id_card_number }}, 18, 1))
                then 'id_card'
        end as pii_kind
    from joined
),

final as (
    select
        model_name,
        column_name,
        pii_kind,
        count(*) as n_values
    from classified
    where pii_kind is not null
    group by model_name, column_name, pii_kind
)

select * from final
