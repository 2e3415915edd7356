-- every experiment started by the as-of date assigns every customer not under a restriction exactly once
with experiments as (
    select experiment_id from {{ ref('experiments') }}
    where starts_on <= {{ persona.as_of_date() }}
),

customers as (
    select count(*) as n_customers from {{ ref('dim_customers') }}
    where not is_restricted
),

assigned as (
    select
        experiment_id,
        count(*) as n_rows,
        count(distinct one_id) as n_one_ids
    from {{ ref('fct_experiment_assignments') }}
    group by experiment_id
)

select
    experiments.experiment_id,
    customers.n_customers,
    assigned.n_rows,
    assigned.n_one_ids
from experiments
cross join customers
left join assigned on experiments.experiment_id = assigned.experiment_id
where
    coalesce(assigned.n_rows, 0) <> customers.n_customers
    or coalesce(assigned.n_one_ids, 0) <> customers.n_customers
