{#-
    RFM (recency, frequency, monetary) scoring. Documented in macros/rfm/_rfm__macros.yml.

    The tie rule, written once here and used for R, F and M:
      score = 1 + floor(5 * worse / scored)
    where `worse` is the number of customers of the partition whose value is strictly worse
    (rank() - 1, so tied customers share the start of their block) and `scored` is the number of
    customers in the partition. Equal values always get the same score, and a block of tied
    customers (e.g. the one-time buyers) sits at the score where the block begins, whatever its
    size. For recency a smaller number of days is better; for frequency and monetary a larger one.

    Partitions: R ranks every buyer of the scoring date. F and M rank the buyers with a purchase
    in the window among themselves; the buyers without one (frequency 0, monetary 0) form their
    own block, all tied, and so all get F1 and M1 without pushing the one-time buyers of the
    window up to F2.
-#}

{% macro rfm_customers_worse(value, partition_by, higher_is_better=true) -%}
    (rank() over (
        partition by {{ partition_by }}
        order by {{ value }} {{ 'asc' if higher_is_better else 'desc' }}
    ) - 1)
{%- endmacro %}


{% macro rfm_score(value, partition_by, higher_is_better=true) -%}
    (1 + cast(floor(
        cast(5 * {{ persona.rfm_customers_worse(value, partition_by, higher_is_better) }} as {{ dbt.type_float() }})
        / count(*) over (partition by {{ partition_by }})
    ) as integer))
{%- endmacro %}


{#- The value-tier cut-offs of var('rfm_value_tier_top_percent'), checked: 0 < vip <= high <= medium <= 100. -#}
{% macro rfm_value_tier_cutoffs() -%}
    {%- set tiers = var('rfm_value_tier_top_percent') -%}
    {%- set ok = tiers is mapping and tiers.get('vip') is number and tiers.get('high') is number
        and tiers.get('medium') is number -%}
    {%- if not ok or not (0 < tiers['vip'] <= tiers['high'] <= tiers['medium'] <= 100) -%}
        {{- exceptions.raise_compiler_error(
            "var 'rfm_value_tier_top_percent' must be {vip: V, high: H, medium: M} with "
            ~ "0 < V <= H <= M <= 100 (cumulative percents from the top), got " ~ tiers
        ) -}}
    {%- endif -%}
    {{- return(tiers) -}}
{%- endmacro %}


{#-
    RFM as of each date of `snapshots` (a relation or CTE with column snapshot_on) from `purchases`
    (a relation or CTE with one_id, purchase_on, net_amount: one row per purchase). One row per
    (snapshot_on, one_id) for every customer with a purchase on or before snapshot_on.
-#}
{% macro rfm_as_of(purchases, snapshots) -%}
    {%- set window_days = var('rfm_window_days') -%}
    {%- if window_days is not number or window_days < 1 -%}
        {{- exceptions.raise_compiler_error("var 'rfm_window_days' must be a positive number of days, got " ~ window_days) -}}
    {%- endif -%}
    {%- set tiers = persona.rfm_value_tier_cutoffs() -%}
    {%- set days_before = dbt.datediff('rfm_purchases.purchase_on', 'rfm_snapshots.snapshot_on', 'day') -%}
    {#- F and M are ranked among the buyers of the window (see the tie rule above) -#}
    {%- set window_buyers = 'rfm_measured.snapshot_on, rfm_measured.frequency > 0' -%}
    select
        rfm_scored.snapshot_on,
        rfm_scored.one_id,
        rfm_scored.first_purchase_on,
        rfm_scored.last_purchase_on,
        rfm_scored.recency_days,
        rfm_scored.frequency,
        rfm_scored.monetary,
        rfm_scored.r_score,
        rfm_scored.f_score,
        rfm_scored.m_score,
        cast(rfm_scored.r_score * 10 + rfm_scored.f_score as {{ dbt.type_string() }}) as rfm_cell,
        case
            when rfm_scored.frequency = 0 or rfm_scored.monetary <= 0 then 'low'
            when 100 * rfm_scored.monetary_worse >= {{ 100 - tiers['vip'] }} * rfm_scored.monetary_peers then 'vip'
            when 100 * rfm_scored.monetary_worse >= {{ 100 - tiers['high'] }} * rfm_scored.monetary_peers then 'high'
            when 100 * rfm_scored.monetary_worse >= {{ 100 - tiers['medium'] }} * rfm_scored.monetary_peers then 'medium'
            else 'low'
        end as value_tier
    from (
        select
            rfm_measured.*,
            {{ persona.rfm_score('rfm_measured.recency_days', 'rfm_measured.snapshot_on', false) }} as r_score,
            {{ persona.rfm_score('rfm_measured.frequency', window_buyers) }} as f_score,
            {{ persona.rfm_score('rfm_measured.monetary', window_buyers) }} as m_score,
            {{ persona.rfm_customers_worse('rfm_measured.monetary', window_buyers) }} as monetary_worse,
            count(*) over (partition by {{ window_buyers }}) as monetary_peers
        from (
            select
                rfm_snapshots.snapshot_on,
                rfm_purchases.one_id,
                min(rfm_purchases.purchase_on) as first_purchase_on,
                max(rfm_purchases.purchase_on) as last_purchase_on,
                cast(min({{ days_before }}) as integer) as recency_days,
                cast(count(case when {{ days_before }} < {{ window_days }} then 1 end) as integer) as frequency,
                cast(coalesce(
                    sum(case when {{ days_before }} < {{ window_days }} then rfm_purchases.net_amount end), 0
                ) as decimal(18, 2)) as monetary
            from {{ purchases }} as rfm_purchases
            inner join {{ snapshots }} as rfm_snapshots
                on rfm_purchases.purchase_on <= rfm_snapshots.snapshot_on
            group by rfm_snapshots.snapshot_on, rfm_purchases.one_id
        ) as rfm_measured
    ) as rfm_scored
{%- endmacro %}
