-- per experiment: does the observed holdout share match the configured one (sample-ratio-mismatch check)?
{%- set critical_value = var('srm_chi_square_critical_value') %}

with experiments as (
    select * from {{ ref('experiments') }}
),

assignments as (
    select * from {{ ref('fct_experiment_assignments') }}
),

arm_changes as (
    select * from {{ ref('fct_experiment_arm_changes') }}
),

counts as (
    select
        experiment_id,
        count(*) as n_assigned,
        count(case when arm = 'holdout' then 1 end) as n_holdout,
        count(case when arm = 'treatment' then 1 end) as n_treatment
    from assignments
    group by experiment_id
),

changed as (
    select
        experiment_id,
        count(case when is_arm_changed then 1 end) as n_arm_changes
    from arm_changes
    group by experiment_id
),

expected as (
    select
        experiments.experiment_id,
        experiments.name_zh,
        experiments.name_en,
        experiments.holdout_share,
        coalesce(counts.n_assigned, 0) as n_assigned,
        coalesce(counts.n_holdout, 0) as n_holdout,
        coalesce(counts.n_treatment, 0) as n_treatment,
        coalesce(counts.n_assigned, 0) * experiments.holdout_share as expected_holdout,
        coalesce(counts.n_assigned, 0) * (1 - experiments.holdout_share) as expected_treatment,
        coalesce(changed.n_arm_changes, 0) as n_arm_changes
    from experiments
    left join counts on experiments.experiment_id = counts.experiment_id
    left join changed on experiments.experiment_id = changed.experiment_id
    where experiments.starts_on <= {{ persona.as_of_date() }}
),

-- Pearson's chi-square over the two arms (1 degree of freedom)
tested as (
    select
        *,
        case
            when n_assigned > 0
                then
                    (n_holdout - expected_holdout) * (n_holdout - expected_holdout) / expected_holdout
                    + (n_treatment - expected_treatment) * (n_treatment - expected_treatment) / expected_treatment
        end as chi_square
    from expected
),

final as (
    select
        experiment_id,
        name_zh,
        name_en,
        holdout_share as expected_holdout_share,
        cast(n_assigned as bigint) as n_assigned,
        cast(n_holdout as bigint) as n_holdout,
        cast(n_treatment as bigint) as n_treatment,
        case when n_assigned > 0 then 1e0 * n_holdout / n_assigned end as observed_holdout_share,
        chi_square,
        -- p-value: chi-square with 1 degree of freedom = a squared standard normal
        case when chi_square is not null then 2 * {{ persona.normal_upper_tail('sqrt(chi_square)') }} end as p_value,
        coalesce(chi_square > {{ critical_value }}, false) as is_sample_ratio_mismatch,
        cast(n_arm_changes as bigint) as n_arm_changes,
        {{ persona.as_of_date() }} as as_of_date
    from tested
)

select * from final
