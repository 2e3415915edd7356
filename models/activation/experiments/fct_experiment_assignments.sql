-- every customer's arm (treatment or holdout) in every experiment started by the as-of date
{%- set n_buckets = var('experiment_buckets') %}

with experiments as (
    select * from {{ ref('experiments') }}
),

-- every customer (OneID), buyer or not
customers as (
    select one_id from {{ ref('dim_customers') }}
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
