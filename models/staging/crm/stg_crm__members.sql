with base as (
    select * from {{ ref('base_crm__members') }}
    where quarantine_reason is null and not is_duplicate
),

final as (
    select
        member_version_id,
        member_id,
        member_card_no,
        phone,
        phone_status,
        email,
        full_name,
        gender,
        birth_on,
        city,
        registered_at,
        register_channel,
        member_tier,
        is_sms_opt_in,
        is_email_opt_in,
        updated_at,
        row_number() over (partition by member_id order by updated_at desc) = 1 as is_current
    from base
)

select * from final
