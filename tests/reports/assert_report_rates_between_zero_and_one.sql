-- every rate and share of the analysis reports lies between 0 and 1
{%- set checks = [
    ('rpt_funnel_by_channel', ['step_conversion_rate', 'overall_conversion_rate', 'drop_off_rate']),
    ('rpt_top_paths', ['share_of_sessions', 'purchase_rate']),
    ('rpt_cohort_retention', ['retention_rate', 'repurchase_rate_7d', 'repurchase_rate_30d', 'repurchase_rate_90d']),
    ('rpt_value_comparison', [
        'share_of_customers', 'discount_share', 'share_orders_marketplace', 'share_orders_own_mall',
        'share_orders_store', 'top_channel_share', 'top_category_share', 'share_with_complaint',
        'share_app_users', 'share_miniprogram_users', 'share_members', 'share_wecom',
    ]),
] %}

{%- for model, columns in checks %}
    {%- for column in columns %}
        select
            '{{ model }}' as model_name,
            '{{ column }}' as column_name,
            {{ column }} as rate
        from {{ ref(model) }}
        where {{ column }} < 0 or {{ column }} > 1
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
