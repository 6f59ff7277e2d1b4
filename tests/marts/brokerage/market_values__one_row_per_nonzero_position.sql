-- market_values holds exactly the positions_daily rows with td_qty <> 0
-- (brokerage.md §6): nothing lost, nothing invented, same td_qty.
with

positions as (
    select business_date, firm, ledger, branch, base, sub_acct_key, cusip, td_qty
    from {{ ref('positions_daily') }}
    where td_qty <> 0
),

valued as (
    select business_date, firm, ledger, branch, base, sub_acct_key, cusip, td_qty
    from {{ ref('market_values') }}
),

missing as (
    select 'missing from market_values' as problem, * from (
        select * from positions
        except
        select * from valued
    ) as a
),

extra as (
    select 'not a non-zero position' as problem, * from (
        select * from valued
        except
        select * from positions
    ) as b
)

select * from missing
union all
select * from extra
