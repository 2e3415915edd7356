-- noqa: disable=AL03
-- OneID's health in one table: sizes, exclusions by reason and, with ground truth, pairwise precision and recall
with identifiers as (
    select * from {{ ref('int_identifiers_screened') }}
),

clusters as (
    select * from {{ ref('int_identity_clusters') }}
),

links as (
    select * from {{ ref('rpt_identity_audit') }}
    where excluded_object = 'link'
),

truth as (
    select * from {{ ref('stg_truth__identity') }}
),

conflicts as (
    select * from {{ ref('int_identity_conflicts') }}
),

per_one_id as (
    select
        one_id,
        count(*) as n_identifiers
    from clusters
    group by one_id
),

-- ground truth: every labelled identifier, in its OneID or alone when excluded or unseen
labelled as (
    select
        truth.person_id,
        truth.linkable_id,
        coalesce(
            clusters.one_id,
            {{ dbt.concat(["'unclustered:'", 'truth.identifier_type', "':'", 'truth.identifier_value']) }}
        ) as predicted_id
    from truth
    left join clusters
        on
            truth.identifier_type = clusters.identifier_type
            and truth.identifier_value = clusters.identifier_value
),

-- identifier pairs placed together: by OneID, by real person, by linkable part, and by both
pairs as (
    select
        {{ persona.pairs_within('labelled', ['predicted_id']) }} as predicted_pairs,
        {{ persona.pairs_within('labelled', ['person_id']) }} as person_pairs,
        {{ persona.pairs_within('labelled', ['linkable_id']) }} as linkable_pairs,
        {{ persona.pairs_within('labelled', ['predicted_id', 'person_id']) }} as person_hits,
        {{ persona.pairs_within('labelled', ['predicted_id', 'linkable_id']) }} as linkable_hits
),

largest as (
    select one_id from per_one_id
    order by n_identifiers desc, one_id asc limit 1
),

metrics as (
    select
        'identifiers' as metric,
        cast(count(*) as {{ dbt.type_float() }}) as metric_value,
        'Distinct identifiers seen in any source.' as description
    from identifiers
    union all
    select
        'identifiers_excluded',
        count(*),
        'Identifiers a guard excluded (blocked value or shared identifier); they have no OneID.'
    from identifiers
    where exclusion_reason is not null
    union all
    select
        {{ dbt.concat(["'identifiers_excluded:'", 'exclusion_reason']) }},
        count(*),
        'Identifiers excluded for this reason.'
    from identifiers
    where exclusion_reason is not null
    group by exclusion_reason
    union all
    select
        {{ dbt.concat(["'links_excluded:'", 'exclusion_reason']) }},
        count(*),
        'Distinct links excluded for this reason (see rpt_identity_audit).'
    from links
    group by exclusion_reason
    union all
    select
        'one_ids',
        count(*),
        'OneIDs (people) the graph resolves to.'
    from per_one_id
    union all
    select
        'one_ids_multi_identifier',
        count(*),
        'OneIDs holding two or more identifiers.'
    from per_one_id
    where n_identifiers > 1
    union all
    select
        'identifiers_per_one_id_mean',
        avg(n_identifiers),
        'Mean identifiers per OneID.'
    from per_one_id
    union all
    select
        'largest_one_id_identifiers',
        max(n_identifiers),
        'Identifiers in the largest OneID.'
    from per_one_id
    union all
    select
        'components_resolved_by_priority',
        count(*),
        'Connected components that broke a limit or an override and were resolved link by link, strongest first.'
    from conflicts
    union all
    select
        'truth_identifiers',
        count(*),
        'Identifiers with ground truth (0 when the raw folder has no _truth/).'
    from truth
    union all
    select
        'pairwise_precision',
        1e0 * person_hits / nullif(predicted_pairs, 0),
        'Of the identifier pairs OneID puts together, the share that truly belong to one person (ground truth).'
    from pairs
    union all
    select
        'pairwise_recall',
        1e0 * linkable_hits / nullif(linkable_pairs, 0),
        'Of the identifier pairs of one person that the data connects at all, the share OneID puts together.'
    from pairs
    union all
    select
        'pairwise_recall_of_persons',
        1e0 * person_hits / nullif(person_pairs, 0),
        'Of all identifier pairs of one person, the share OneID puts together (includes pairs no row connects).'
    from pairs
    union all
    select
        'pairwise_recall_ceiling',
        1e0 * linkable_pairs / nullif(person_pairs, 0),
        'The share of same-person pairs the data connects at all: the best recall of persons any linker can reach.'
    from pairs
    union all
    select
        'true_persons_in_largest_one_id',
        count(distinct truth.person_id),
        'Real people whose identifiers are in the largest OneID (1 is right; more is an over-merge).'
    from clusters
    inner join largest on clusters.one_id = largest.one_id
    inner join truth
        on
            clusters.identifier_type = truth.identifier_type
            and clusters.identifier_value = truth.identifier_value
),

final as (
    select
        metric,
        metric_value,
        description
    from metrics
)

select * from final
