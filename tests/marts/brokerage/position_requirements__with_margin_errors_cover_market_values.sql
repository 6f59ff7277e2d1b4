-- Every market_values row is in exactly one of position_requirements (a
-- margin rule matched) and margin_errors (none did): brokerage.md §7, never
-- a silent zero.
with

valued as (
    select business_date, firm, ledger, branch, base, sub_acct_key, cusip
    from {{ ref('market_values') }}
),

covered as (
    select business_date, firm, ledger, branch, base, sub_acct_key, cusip
    from {{ ref('position_requirements') }}
    union all
    select business_date, firm, ledger, branch, base, sub_acct_key, cusip
    from {{ ref('margin_errors') }}
),

missing as (
    select 'not covered' as problem, * from (
        select * from valued
        except
        select * from covered
    ) as a
),

counted as (
    select business_date, count(*) as n_covered
    from covered
    group by business_date
),

valued_counted as (
    select business_date, count(*) as n_valued
    from valued
    group by business_date
)

select problem, business_date, firm, ledger, branch, base, sub_acct_key, cusip from missing
union all
select
    'covered twice or invented' as problem,
    counted.business_date,
    null as firm, null as ledger, null as branch, null as base, null as sub_acct_key, null as cusip
from counted
left join valued_counted
    on counted.business_date = valued_counted.business_date
where counted.n_covered <> coalesce(valued_counted.n_valued, 0)
