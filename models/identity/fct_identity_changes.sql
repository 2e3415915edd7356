{{ config(materialized='incremental', incremental_strategy='append', on_schema_change='fail') }}
-- the OneID change log: merges, splits, identifiers joined/moved/excluded, with evidence and as-of date
{%- set log = ref('int_identifier_one_id_log') %}
{%- set last_logged = '(select max(changed_at) as last_changed_at from ' ~ this ~ ')' if is_incremental()
    else '(select cast(null as ' ~ dbt.type_timestamp() ~ ') as last_changed_at)' %}

-- the first build is the baseline and logs no change
with first_build as (
    select min(recorded_at) as first_build_at
    from {{ log }}
    where not is_removed
),

-- the builds up to this one are logged already: this run logs the builds after it
watermark as (
    select
        case
            when last_logged.last_changed_at > first_build.first_build_at then last_logged.last_changed_at
            else first_build.first_build_at
        end as logged_until
    from first_build
    cross join {{ last_logged }} as last_logged
),

-- the identifiers the builds this run has not logged yet changed
changed_keys as (
    select distinct
        log_rows.identifier_type,
        log_rows.identifier_value
    from {{ log }} as log_rows
    cross join watermark
    where log_rows.recorded_at > watermark.logged_until
),

-- every OneID those identifiers had or have, and every identifier that ever had one of them: what a
-- merge or a split needs to know about the OneIDs before and after a build, and nothing more (a daily
-- build reads the versions of these identifiers only)
touched_one_ids as (
    select distinct log_rows.one_id
    from {{ log }} as log_rows
    inner join changed_keys
        on
            log_rows.identifier_type = changed_keys.identifier_type
            and log_rows.identifier_value = changed_keys.identifier_value
    where log_rows.one_id is not null
),

keys_in_scope as (
    select distinct
        log_rows.identifier_type,
        log_rows.identifier_value
    from {{ log }} as log_rows
    inner join touched_one_ids on log_rows.one_id = touched_one_ids.one_id
    union
    select
        identifier_type,
        identifier_value
    from changed_keys
),

log_in_scope as (
    select log_rows.*
    from {{ log }} as log_rows
    inner join keys_in_scope
        on
            log_rows.identifier_type = keys_in_scope.identifier_type
            and log_rows.identifier_value = keys_in_scope.identifier_value
),

history as (
    select *
    from {{ persona.history_versions('log_in_scope', ['identifier_type', 'identifier_value']) }}
        as versions
),

-- the links with an end in scope: every piece of evidence below is a link between identifiers in scope
-- (a moved identifier, or one of a OneID that gained or lost identifiers), and the joins on the links
-- then build their tables from a day's few links, not from all of them
links as (
    select all_links.*
    from {{ ref('fct_identity_links') }} as all_links
    where
        exists (
            select 1
            from keys_in_scope
            where
                keys_in_scope.identifier_type = all_links.identifier_type_a
                and keys_in_scope.identifier_value = all_links.identifier_value_a
        )
        or exists (
            select 1
            from keys_in_scope
            where
                keys_in_scope.identifier_type = all_links.identifier_type_b
                and keys_in_scope.identifier_value = all_links.identifier_value_b
        )
),

-- each used link once per end, so that the evidence joins are equality joins
used_link_ends as (
    select
        links.*,
        links.identifier_type_a as end_type,
        links.identifier_value_a as end_value
    from links
    where links.is_used
    union all
    select
        links.*,
        links.identifier_type_b as end_type,
        links.identifier_value_b as end_value
    from links
    where links.is_used
),

-- the builds this run has not logged yet
builds as (
    select distinct history.valid_from as changed_at
    from history
    cross join watermark
    where history.valid_from > watermark.logged_until
),

-- each identifier's state right before and right after each build
states as (
    select
        builds.changed_at,
        identifiers.identifier_type,
        identifiers.identifier_value,
        max(case when identifiers.valid_from < builds.changed_at then identifiers.one_id end) as one_id_before,
        max(case when identifiers.valid_from = builds.changed_at then identifiers.one_id end) as one_id_after,
        max(case when identifiers.valid_from = builds.changed_at then 1 else 0 end) = 1 as has_new_version,
        max(case when identifiers.valid_from < builds.changed_at then 1 else 0 end) = 1 as existed_before,
        max(case when identifiers.valid_from = builds.changed_at then identifiers.as_of_date end) as as_of_date,
        max(case when identifiers.valid_from = builds.changed_at then identifiers.exclusion_reason end)
            as exclusion_reason
    from builds
    inner join history as identifiers
        on
            builds.changed_at >= identifiers.valid_from
            and (identifiers.valid_to is null or builds.changed_at <= identifiers.valid_to)
    group by builds.changed_at, identifiers.identifier_type, identifiers.identifier_value
),

changed as (
    select * from states
    where has_new_version
),

one_ids_before as (
    select distinct
        changed_at,
        one_id_before as one_id
    from states
    where one_id_before is not null
),

one_ids_after as (
    select distinct
        states.changed_at,
        coalesce(states.one_id_after, states.one_id_before) as one_id
    from states
    where coalesce(states.one_id_after, states.one_id_before) is not null
        and not (states.has_new_version and states.one_id_after is null)
),

-- a OneID that no longer exists and whose identifiers went to another that existed before: a merge
one_id_merges as (
    select distinct
        changed.changed_at,
        changed.one_id_after as one_id,
        changed.one_id_before as other_one_id
    from changed
    inner join one_ids_before as survivor
        on changed.changed_at = survivor.changed_at and changed.one_id_after = survivor.one_id
    left join one_ids_after as absorbed
        on changed.changed_at = absorbed.changed_at and changed.one_id_before = absorbed.one_id
    where changed.one_id_before <> changed.one_id_after and absorbed.one_id is null
),

-- a new OneID formed from identifiers of one that still exists: a split
one_id_splits as (
    select distinct
        changed.changed_at,
        changed.one_id_before as one_id,
        changed.one_id_after as other_one_id
    from changed
    inner join one_ids_after as remaining
        on changed.changed_at = remaining.changed_at and changed.one_id_before = remaining.one_id
    left join one_ids_before as existed
        on changed.changed_at = existed.changed_at and changed.one_id_after = existed.one_id
    where changed.one_id_before <> changed.one_id_after and existed.one_id is null
),

identifier_changes as (
    select
        changed.changed_at,
        case
            when not changed.existed_before and changed.one_id_after is not null then 'joined'
            when changed.one_id_after is null then 'excluded'
            when changed.one_id_before is null then 'included'
            else 'moved'
        end as change_type,
        changed.one_id_after as one_id,
        changed.one_id_before as other_one_id,
        changed.identifier_type,
        changed.identifier_value
    from changed
    left join one_id_merges
        on
            changed.changed_at = one_id_merges.changed_at
            and changed.one_id_before = one_id_merges.other_one_id
            and changed.one_id_after = one_id_merges.one_id
    left join one_id_splits
        on
            changed.changed_at = one_id_splits.changed_at
            and changed.one_id_before = one_id_splits.one_id
            and changed.one_id_after = one_id_splits.other_one_id
    where one_id_merges.one_id is null and one_id_splits.one_id is null
),

one_id_changes as (
    select
        changed_at,
        'merge' as change_type,
        one_id,
        other_one_id
    from one_id_merges
    union all
    select
        changed_at,
        'split' as change_type,
        one_id,
        other_one_id
    from one_id_splits
),

-- the identifiers in scope as they are now (the two sides of a split are OneIDs in scope)
current_identifiers as (
    select
        identifiers.identifier_type,
        identifiers.identifier_value,
        identifiers.one_id
    from {{ ref('dim_identifiers') }} as identifiers
    inner join keys_in_scope
        on
            identifiers.identifier_type = keys_in_scope.identifier_type
            and identifiers.identifier_value = keys_in_scope.identifier_value
),

-- evidence for a merge: a link now used inside the survivor that touches an identifier of the
-- absorbed OneID
merge_evidence as (
    select
        one_id_merges.changed_at,
        one_id_merges.one_id,
        one_id_merges.other_one_id,
        links.link_id,
        links.link_priority,
        links.last_seen_at,
        links.source_model,
        {{ persona.identity_link_words('links') }} as evidence
    from one_id_merges
    inner join changed as moved
        on one_id_merges.changed_at = moved.changed_at and one_id_merges.other_one_id = moved.one_id_before
    inner join used_link_ends as links
        on
            one_id_merges.one_id = links.one_id
            and moved.identifier_type = links.end_type
            and moved.identifier_value = links.end_value
),

-- each split once per side, so that finding the sides' identifiers is an equality join
split_sides as (
    select
        *,
        one_id as side_one_id
    from one_id_splits
    union all
    select
        *,
        other_one_id as side_one_id
    from one_id_splits
),

-- evidence for a split: a link a guard or an override now excludes, with one end in each part
split_evidence as (
    select
        one_id_splits.changed_at,
        one_id_splits.one_id,
        one_id_splits.other_one_id,
        links.link_id,
        links.link_priority,
        links.last_seen_at,
        links.source_model,
        {{ persona.identity_link_words('links') }} as evidence
    from split_sides as one_id_splits
    inner join current_identifiers as end_a
        on one_id_splits.side_one_id = end_a.one_id
    inner join links
        on
            not links.is_used
            and end_a.identifier_type = links.identifier_type_a
            and end_a.identifier_value = links.identifier_value_a
    inner join current_identifiers as end_b
        on
            links.identifier_type_b = end_b.identifier_type
            and links.identifier_value_b = end_b.identifier_value
    where end_b.one_id in (one_id_splits.one_id, one_id_splits.other_one_id) and end_b.one_id <> end_a.one_id
),

all_evidence as (
    select
        'merge' as change_type,
        *
    from merge_evidence
    union all
    select
        'split' as change_type,
        *
    from split_evidence
),

one_id_evidence as (
    select
        one_id_changes.*,
        evidence.link_id,
        evidence.evidence,
        row_number() over (
            partition by
                one_id_changes.changed_at, one_id_changes.change_type, one_id_changes.one_id,
                one_id_changes.other_one_id
            order by
                evidence.link_priority desc, evidence.last_seen_at desc, evidence.link_id asc,
                evidence.source_model asc
        ) as evidence_rank
    from one_id_changes
    left join all_evidence as evidence
        on
            one_id_changes.changed_at = evidence.changed_at
            and one_id_changes.change_type = evidence.change_type
            and one_id_changes.one_id = evidence.one_id
            and one_id_changes.other_one_id = evidence.other_one_id
),

identifier_evidence as (
    select
        identifier_changes.*,
        links.link_id,
        {{ persona.identity_link_words('links') }} as evidence,
        row_number() over (
            partition by
                identifier_changes.changed_at, identifier_changes.identifier_type, identifier_changes.identifier_value
            order by
                links.link_priority desc, links.last_seen_at desc, links.link_id asc, links.source_model asc
        ) as evidence_rank
    from identifier_changes
    left join used_link_ends as links
        on
            identifier_changes.identifier_type = links.end_type
            and identifier_changes.identifier_value = links.end_value
),

as_of as (
    select
        changed_at,
        max(as_of_date) as as_of_date
    from changed
    group by changed_at
),

final as (
    select
        one_id_evidence.changed_at,
        as_of.as_of_date,
        one_id_evidence.change_type,
        one_id_evidence.one_id,
        one_id_evidence.other_one_id,
        cast(null as {{ dbt.type_string() }}) as identifier_type,
        cast(null as {{ dbt.type_string() }}) as identifier_value,
        one_id_evidence.link_id as evidence_link_id,
        one_id_evidence.evidence
    from one_id_evidence
    inner join as_of on one_id_evidence.changed_at = as_of.changed_at
    where one_id_evidence.evidence_rank = 1
    union all
    select
        identifier_evidence.changed_at,
        as_of.as_of_date,
        identifier_evidence.change_type,
        identifier_evidence.one_id,
        identifier_evidence.other_one_id,
        identifier_evidence.identifier_type,
        identifier_evidence.identifier_value,
        identifier_evidence.link_id as evidence_link_id,
        identifier_evidence.evidence
    from identifier_evidence
    inner join as_of on identifier_evidence.changed_at = as_of.changed_at
    where identifier_evidence.evidence_rank = 1
)

select * from final
