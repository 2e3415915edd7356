-- every identifier with the guard that excludes it from linking, if any: a blocked value or a shared identifier
with identifiers as (
    select * from {{ ref('int_identifiers_observed') }}
),

links as (
    select * from {{ ref('int_identifier_links_observed') }}
),

identifier_types as (
    select * from {{ ref('identity_identifier_types') }}
),

blocked_values as (
    select * from {{ ref('identity_blocked_values') }}
),

link_rules as (
    select * from {{ ref('identity_link_rules') }}
    where is_enabled
),

-- a blocked value: exact (case-insensitive) or a regular expression on the normal form; the
-- first rule by rule_id wins. Exact values are a hash join; the patterns are written into the SQL
-- as literals (blocked_value_patterns reads the seed at run time), so each regular expression is
-- compiled once instead of once per identifier and rule.
exact_matches as (
    select
        identifiers.node_id,
        blocked_values.rule_id
    from identifiers
    inner join blocked_values
        on lower(identifiers.identifier_value) = lower(blocked_values.blocked_value)
    where
        blocked_values.match_type = 'exact'
        and (blocked_values.identifier_type = '*' or identifiers.identifier_type = blocked_values.identifier_type)
),

first_patterns as (
    select
        node_id,
        {{ persona.first_matching_pattern(
            'identifier_type', 'identifier_value', persona.blocked_value_patterns()
        ) }} as rule_id
    from identifiers
),

pattern_matches as (
    select
        node_id,
        rule_id
    from first_patterns
    where rule_id is not null
),

blocked_matches as (
    select
        matches.node_id,
        blocked_values.rule_id,
        blocked_values.reason,
        blocked_values.author,
        blocked_values.added_on,
        row_number() over (partition by matches.node_id order by blocked_values.rule_id) as rule_rank
    from (
        select * from exact_matches
        union all
        select * from pattern_matches
    ) as matches
    inner join blocked_values on matches.rule_id = blocked_values.rule_id
),

blocked as (
    select * from blocked_matches
    where rule_rank = 1
),

-- links that shared-identifier detection looks at: enabled type pairs between unblocked identifiers
candidate_links as (
    select distinct
        links.node_id_a,
        links.node_id_b
    from links
    inner join link_rules
        on
            links.identifier_type_a = link_rules.identifier_type_a
            and links.identifier_type_b = link_rules.identifier_type_b
    where
        links.node_id_a not in (select blocked.node_id from blocked)
        and links.node_id_b not in (select blocked.node_id from blocked)
),

neighbours as (
    select
        node_id_a as node_id,
        node_id_b as neighbour_id
    from candidate_links
    union all
    select
        node_id_b as node_id,
        node_id_a as neighbour_id
    from candidate_links
),

-- a shareable identifier (phone, e-mail, device, cookie) linked to more identifiers of one type
-- than one person may hold belongs to several people: a cashier's placeholder, a family tablet,
-- an internet-café cookie. Detected from the graph, so it needs no list of such values.
neighbour_counts as (
    select
        neighbours.node_id,
        neighbour.identifier_type as neighbour_type,
        count(*) as n_neighbours
    from neighbours
    inner join identifiers as neighbour on neighbours.neighbour_id = neighbour.node_id
    group by neighbours.node_id, neighbour.identifier_type
),

shared_matches as (
    select
        neighbour_counts.node_id,
        neighbour_counts.neighbour_type,
        neighbour_counts.n_neighbours,
        identifier_types.max_per_one_id,
        row_number() over (
            partition by neighbour_counts.node_id
            order by
                neighbour_counts.n_neighbours * 1e0 / identifier_types.max_per_one_id desc,
                neighbour_counts.neighbour_type
        ) as rule_rank
    from neighbour_counts
    inner join identifiers on neighbour_counts.node_id = identifiers.node_id
    inner join identifier_types on neighbour_counts.neighbour_type = identifier_types.identifier_type
    where
        identifiers.is_shareable
        and neighbour_counts.n_neighbours > identifier_types.max_per_one_id
),

shared as (
    select * from shared_matches
    where rule_rank = 1
),

final as (
    select
        identifiers.*,
        case
            when blocked.node_id is not null then 'blocked_value'
            when shared.node_id is not null then 'shared_identifier'
        end as exclusion_reason,
        case
            when blocked.node_id is not null
                then {{ dbt.concat(["'rule '", 'blocked.rule_id', "': '", 'blocked.reason']) }}
            when shared.node_id is not null
                then {{ dbt.concat([
                    "'linked to '", dbt.cast('shared.n_neighbours', dbt.type_string()), "' '",
                    'shared.neighbour_type', "' identifiers; one person holds at most '",
                    dbt.cast('shared.max_per_one_id', dbt.type_string())
                ]) }}
        end as exclusion_detail,
        blocked.author as excluded_by,
        blocked.added_on as rule_added_on
    from identifiers
    left join blocked on identifiers.node_id = blocked.node_id
    left join shared on identifiers.node_id = shared.node_id
)

select * from final
