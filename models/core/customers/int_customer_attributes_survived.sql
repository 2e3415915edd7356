-- the surviving value of each golden-record field per OneID: the first source in the field's priority
-- list (var customer_survivorship) that has a value, and within it the most recently observed value
with observed as (
    select * from {{ ref('int_customer_attributes_observed') }}
),

priorities as (
    {{ persona.customer_source_priorities() }}
),

ranked as (
    select
        observed.one_id,
        observed.field,
        observed.value,
        observed.source,
        priorities.source_priority,
        observed.last_observed_at,
        row_number() over (
            partition by observed.one_id, observed.field
            order by priorities.source_priority asc, observed.last_observed_at desc, observed.value asc
        ) as value_rank,
        {{ persona.count_distinct_over('observed.value', 'observed.one_id, observed.field') }} as n_distinct_values
    from observed
    inner join priorities
        on
            observed.field = priorities.field
            and observed.source = priorities.source
    where observed.value is not null
),

final as (
    select
        one_id,
        field,
        value,
        source,
        source_priority,
        last_observed_at as observed_at,
        n_distinct_values
    from ranked
    where value_rank = 1
)

select * from final
