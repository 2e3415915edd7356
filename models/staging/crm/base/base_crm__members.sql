{{ persona.base_config(['member_id', 'updated_at']) }}
-- every raw CRM member row, typed and normalized, with the reason it cannot be staged (if any)
{%- set raw_columns = [
    'member_id', 'member_card_no', 'phone', 'email', 'full_name', 'gender', 'birth_date', 'city',
    'register_at', 'register_channel', 'member_tier', 'sms_opt_in', 'email_opt_in', 'updated_at'
] %}
with source as (
    select * from {{ persona.raw_rows('crm', 'crm_members') }}
),

cleaned as (
    select
        {{ persona.clean_strings(raw_columns) }},
        _raw_file,
        _raw_row_number
    from source
),

typed as (
    select
        member_id,
        {{ persona.normalize_member_card('member_card_no') }} as member_card_no,
        {{ persona.normalize_phone('phone') }} as phone,
        {{ persona.phone_status('phone') }} as phone_status,
        {{ persona.normalize_email('email') }} as email,
        {{ persona.scrub_pii('full_name') }} as full_name,
        {{ persona.normalize_gender('gender') }} as gender,
        {{ persona.parse_date('birth_date') }} as birth_on,
        {{ persona.scrub_pii('city') }} as city,
        {{ persona.parse_utc_timestamp('register_at') }} as registered_at_parsed,
        {{ persona.normalize_code('register_channel') }} as register_channel,
        {{ persona.scrub_pii('member_tier') }} as member_tier,
        {{ persona.parse_boolean('sms_opt_in') }} as is_sms_opt_in,
        {{ persona.parse_boolean('email_opt_in') }} as is_email_opt_in,
        {{ persona.parse_utc_timestamp('updated_at') }} as updated_at,
        {{ persona.timestamp_reason('updated_at', persona.parse_utc_timestamp('updated_at')) }} as updated_at_reason,
        {{ persona.timestamp_reason(
            'register_at', persona.parse_utc_timestamp('register_at'), required=false
        ) }} as register_at_reason,
        {{ persona.in_vocabulary('gender', var('vocabulary')['gender']) }}
        or gender is null as is_known_gender,
        {{ persona.content_hash(raw_columns) }} as _content_hash,
        _raw_file,
        _raw_row_number
    from cleaned
),

checked as {{ persona.materialized() }} (
    select
        *,
        {%- set version_key = dbt.concat(['member_id', "'@'", dbt.safe_cast('updated_at', dbt.type_string())]) %}
        {{ version_key }} as record_key,
        {{ dbt.hash(version_key) }} as member_version_id,
        coalesce(
            case when member_id is null then 'missing_key' end,
            updated_at_reason
        ) as quarantine_reason,
        -- a wrong registration time does not make the member unusable: it is nulled and flagged
        case when register_at_reason is null then registered_at_parsed end as registered_at,
        case
            when not is_known_gender then 'unknown_vocabulary'
            when register_at_reason is not null then 'invalid_value'
        end as flag_reason
    from typed
),

-- two versions at one time that disagree on consent: the withdrawal wins (raw contract v2)
{{ persona.with_duplicate_flags(
    'checked', ['member_id', 'updated_at'], 'coalesce(is_sms_opt_in, false), coalesce(is_email_opt_in, false)'
) }}

select * from final
-- the rows of people who asked to be erased are never staged (macros/privacy/erasure.sql)
where {{ persona.not_erased('base_crm__members', 'final') }}
