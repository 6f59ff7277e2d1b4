-- Identity (brokerage.md §4–§5): for every position key, the td_qty that
-- positions_daily shows on the last business date equals the opening td_qty
-- (when the opening is dated on or before it) plus Σ quantity of the
-- position_updates traded on or before it. Two independent paths — the
-- running sum of position_updates and the event timeline of positions_daily —
-- must agree to the last decimal.
with

last_date as (
    select max(business_date) as business_date
    from {{ ref('int_brokerage__business_dates') }}
),

updates as (
    select
        firm, ledger, branch, base, sub_acct_key, cusip,
        sum(quantity) as td_qty_change
    from {{ ref('position_updates') }}
    where trade_date <= (select business_date from last_date)
    group by firm, ledger, branch, base, sub_acct_key, cusip
),

openings as (
    select
        firm, ledger, branch, base, sub_acct_key, cusip,
        td_qty as opening_td_qty
    from {{ ref('int_brokerage__opening_positions_current') }}
    where as_of_date <= (select business_date from last_date)
),

final_positions as (
    select
        firm, ledger, branch, base, sub_acct_key, cusip,
        td_qty as final_td_qty
    from {{ ref('positions_daily') }}
    where business_date = (select business_date from last_date)
),

position_keys as (
    select firm, ledger, branch, base, sub_acct_key, cusip from updates
    union
    select firm, ledger, branch, base, sub_acct_key, cusip from openings
    union
    select firm, ledger, branch, base, sub_acct_key, cusip from final_positions
),

compared as (
    select
        position_keys.*,
        coalesce(openings.opening_td_qty, 0) as opening_td_qty,
        coalesce(updates.td_qty_change, 0) as td_qty_change,
        coalesce(final_positions.final_td_qty, 0) as final_td_qty
    from position_keys
    left join updates
        on
            position_keys.firm = updates.firm and position_keys.ledger = updates.ledger
            and position_keys.branch = updates.branch and position_keys.base = updates.base
            and position_keys.sub_acct_key = updates.sub_acct_key and position_keys.cusip = updates.cusip
    left join openings
        on
            position_keys.firm = openings.firm and position_keys.ledger = openings.ledger
            and position_keys.branch = openings.branch and position_keys.base = openings.base
            and position_keys.sub_acct_key = openings.sub_acct_key and position_keys.cusip = openings.cusip
    left join final_positions
        on
            position_keys.firm = final_positions.firm and position_keys.ledger = final_positions.ledger
            and position_keys.branch = final_positions.branch and position_keys.base = final_positions.base
            and position_keys.sub_acct_key = final_positions.sub_acct_key
            and position_keys.cusip = final_positions.cusip
)

select * from compared
where td_qty_change <> final_td_qty - opening_td_qty
