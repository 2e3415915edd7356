-- the cohorts' sizes add up to the number of buyers (customers with a purchase) and months 0 keep them all
with cohorts as (
    select
        cohort_month,
        max(cohort_size) as cohort_size
    from {{ ref('rpt_cohort_retention') }}
    group by cohort_month
),

buyers as (
    select count(distinct one_id) as n_buyers
    from {{ ref('fct_orders') }}
    where is_purchase and one_id is not null
),

totals as (
    select coalesce(sum(cohort_size), 0) as n_in_cohorts
    from cohorts
)

select
    totals.n_in_cohorts,
    buyers.n_buyers
from totals
cross join buyers
where totals.n_in_cohorts <> buyers.n_buyers
