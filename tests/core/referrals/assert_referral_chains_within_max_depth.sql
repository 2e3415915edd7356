-- no referral chain is deeper than var('referral_max_depth'): a deeper one is cut there, flagged and reported here
{{ config(severity='warn') }}
select
    one_id,
    max(distance) as generations_kept
from {{ ref('int_referral_ancestors') }}
where is_depth_capped
group by one_id
