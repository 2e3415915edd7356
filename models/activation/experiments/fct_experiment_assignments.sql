-- every customer's arm (treatment or holdout) in every experiment started by the as-of date;
-- people under a restriction request are assigned to no experiment (they receive no campaign)
{%- set n_buckets = var('experiment_buckets') %}

with experiments as (
    select * from {{ ref('experiments') }}
),

-- every customer (OneID), buyer or not, unless under a restriction request
customers as (
    select customers.one_id
    from {{ ref('dim_customers') }} as customers
    left join {{ ref('int_customer_restrictions') }} as restrictions
        on customers.one_id = restrictions.one_id
    where restrictions.one_id is null
),

started as (
    select *
    from experiments
    where starts_on <= {{ persona.as_of_date() }}
),

bucketed as (
    select
        started.experiment_id,
        customers.one_id,
        started.holdout_share,
        {{ persona.experiment_bucket('started.salt', 'customers.one_id', n_buckets) }} as bucket
    from started
    cross join customers
),

final as (
    select
        experiment_id,
        one_id,
        cast(bucket as integer) as bucket,
        {{ persona.experiment_arm('bucket', 'holdout_share', n_buckets) }} as arm,
        {{ persona.as_of_date() }} as as_of_date
    from bucketed
)

select * from final
