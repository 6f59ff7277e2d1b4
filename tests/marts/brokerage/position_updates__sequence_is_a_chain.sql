-- Within a position key, seq_in_position runs 1..n without gaps, the first
-- update starts from the opening td_qty and each update starts where the
-- previous one ended (td_qty_before(n) = td_qty_after(n - 1)).
with

updates as (
    select
        *,
        lag(td_qty_after) over (
            partition by firm, ledger, branch, base, sub_acct_key, cusip
            order by seq_in_position
        ) as previous_td_qty_after,
        count(*) over (partition by firm, ledger, branch, base, sub_acct_key, cusip) as n_updates,
        max(seq_in_position) over (partition by firm, ledger, branch, base, sub_acct_key, cusip) as max_seq
    from {{ ref('position_updates') }}
)

select * from updates
where
    n_updates <> max_seq
    or (seq_in_position = 1 and td_qty_before <> opening_td_qty)
    or (seq_in_position > 1 and td_qty_before <> previous_td_qty_after)
