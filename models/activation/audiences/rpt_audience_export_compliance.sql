-- for the privacy officer: one row per audience and channel, the legal basis its export rests on
-- and how many rows were exported and withheld (restriction, no consent, third-party sharing
-- without separate consent, personalisation refused), as the consent stands at build time
-- depends_on: {{ ref('int_audience_rule_members') }}
{%- set audiences = persona.audience_definitions() + persona.lookalike_expansions() %}

with candidates as (
    select * from {{ ref('int_audience_export_candidates') }}
),

grid as (
    {%- set rows = [] %}
    {%- for audience in audiences %}
        {%- for channel in audience.channels %}
            {%- do rows.append((audience.code, channel, audience.get('personalised', false))) %}
        {%- endfor %}
    {%- endfor %}
    {%- for audience_code, channel, personalised in rows %}
        select
            '{{ audience_code }}' as audience_code,
            '{{ channel }}' as channel,
            {{ 'true' if personalised else 'false' }} as is_personalised
        {% if not loop.last %}union all{% endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as audience_code,
            cast(null as {{ dbt.type_string() }}) as channel,
            false as is_personalised
        where false
    {%- endfor %}
),

counted as (
    select
        audience_code,
        channel,
        count(*) as n_candidates,
        sum(case when withheld_reason is null then 1 else 0 end) as n_exported,
        sum(case when withheld_reason = 'restricted' then 1 else 0 end) as n_withheld_restricted,
        sum(case when withheld_reason in ('no_consent', 'not_separate_consent') then 1 else 0 end)
            as n_withheld_no_consent,
        sum(case when withheld_reason = 'personalisation_refused' then 1 else 0 end)
            as n_withheld_personalisation_refused
    from candidates
    group by audience_code, channel
),

final as (
    select
        grid.audience_code,
        grid.channel,
        case when grid.channel = 'ad_platform' then 'third_party_sharing' else 'marketing' end as consent_purpose,
        case
            when grid.channel = 'ad_platform' then 'separate_consent'
            else 'consent'
        end as legal_basis,
        grid.is_personalised,
        cast(coalesce(counted.n_candidates, 0) as bigint) as n_candidates,
        cast(coalesce(counted.n_exported, 0) as bigint) as n_exported,
        cast(coalesce(counted.n_withheld_no_consent, 0) as bigint) as n_withheld_no_consent,
        cast(coalesce(counted.n_withheld_restricted, 0) as bigint) as n_withheld_restricted,
        cast(coalesce(counted.n_withheld_personalisation_refused, 0) as bigint)
            as n_withheld_personalisation_refused,
        {{ persona.as_of_date() }} as as_of_date
    from grid
    left join counted on grid.audience_code = counted.audience_code and grid.channel = counted.channel
)

select * from final
