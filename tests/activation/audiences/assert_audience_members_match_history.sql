-- the open stays of fct_audience_membership_history are exactly the current audience members
with members as (
    select
        audience_code,
        one_id
    from {{ ref('fct_audience_members') }}
),

open_stays as (
    select
        audience_code,
        one_id
    from {{ ref('fct_audience_membership_history') }}
    where is_current
),

only_members as (
    select * from members
    except
    select * from open_stays
),

only_history as (
    select * from open_stays
    except
    select * from members
)

select
    'member without an open stay' as problem,
    only_members.*
from only_members
union all
select
    'open stay of a non-member' as problem,
    only_history.*
from only_history
