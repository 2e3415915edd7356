-- one row per CRM member row and channel (sms, email): the marketing consent decision it carries,
-- including the rows that were set aside, so a withdrawal is never lost with its row
with base as (
    select * from {{ ref('base_crm__members') }}
    -- a row without a member cannot be attributed; an identical repeat says nothing new
    where member_id is not null and not (is_duplicate and not has_conflicting_copies)
),

channels as (
    select
        member_version_id,
        member_id,
        'sms' as channel,
        is_sms_opt_in as is_opt_in,
        updated_at,
        quarantine_reason,
        _raw_file,
        _raw_row_number
    from base
    union all
    select
        member_version_id,
        member_id,
        'email' as channel,
        is_email_opt_in as is_opt_in,
        updated_at,
        quarantine_reason,
        _raw_file,
        _raw_row_number
    from base
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            '_raw_file', "'#'", dbt.safe_cast('_raw_row_number', dbt.type_string()), "'#'", 'channel'
        ])) }} as consent_decision_id,
        member_id,
        member_version_id,
        'marketing' as purpose,
        channel,
        case
            when is_opt_in then 'granted'
            when not is_opt_in then 'withdrawn'
            else 'unreadable'
        end as decision,
        case when quarantine_reason is null then updated_at end as recorded_at,
        quarantine_reason as set_aside_reason
    from channels
)

select * from final
