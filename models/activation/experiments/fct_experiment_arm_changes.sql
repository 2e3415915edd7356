-- OneID merges and splits since an experiment started, and whether the people concerned changed arm
{%- set n_buckets = var('experiment_buckets') %}

with experiments as (
    select * from {{ ref('experiments') }}
),

changes as (
    select * from {{ ref('fct_identity_changes') }}
),

-- the people who now belong to a different OneID: the absorbed OneID's people in a merge (now the
-- survivor's), the split-off OneID's people in a split (before, part of the remaining OneID)
moved_people as (
    select
        changed_at,
        as_of_date as changed_as_of_date,
        change_type,
        one_id,
        other_one_id as previous_one_id
    from changes
    where change_type = 'merge'
    union all
    select
        changed_at,
        as_of_date as changed_as_of_date,
        change_type,
        other_one_id as one_id,
        one_id as previous_one_id
    from changes
    where change_type = 'split'
),

bucketed as (
    select
        experiments.experiment_id,
        moved_people.changed_at,
        moved_people.changed_as_of_date,
        moved_people.change_type,
        moved_people.one_id,
        moved_people.previous_one_id,
        experiments.holdout_share,
        {{ persona.experiment_bucket('experiments.salt', 'moved_people.previous_one_id', n_buckets) }}
            as previous_bucket,
        {{ persona.experiment_bucket('experiments.salt', 'moved_people.one_id', n_buckets) }} as bucket
    from moved_people
    inner join experiments on moved_people.changed_as_of_date >= experiments.starts_on
),

armed as (
    select
        *,
        {{ persona.experiment_arm('previous_bucket', 'holdout_share', n_buckets) }} as previous_arm,
        {{ persona.experiment_arm('bucket', 'holdout_share', n_buckets) }} as arm
    from bucketed
),

final as (
    select
        experiment_id,
        changed_at,
        changed_as_of_date,
        change_type,
        one_id,
        previous_one_id,
        previous_arm,
        arm,
        previous_arm <> arm as is_arm_changed,
        {{ persona.as_of_date() }} as as_of_date
    from armed
    where changed_as_of_date <= {{ persona.as_of_date() }}
)

select * from final
