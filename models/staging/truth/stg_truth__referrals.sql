-- the generator's ground truth of who brought whom: one row per referred person
with source as (
    select * from {{ source('truth', 'truth_referrals') }}
),

final as (
    select
        referred_person_id,
        referrer_person_id,
        channel,
        {{ persona.parse_utc_timestamp('first_visit_at') }} as first_visit_at,
        referred_identifier_type,
        referred_identifier_value,
        referrer_identifier_type,
        referrer_identifier_value,
        {{ persona.parse_integer('generation') }} as generation
    from source
    -- a person who asked to be erased is not in the truth either
    where not {{ persona.erased_in_truth('referred_person_id') }}
        and not {{ persona.erased_in_truth('referrer_person_id') }}
)

select * from final
