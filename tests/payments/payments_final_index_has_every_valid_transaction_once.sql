-- payments.md §2 invariant: every transaction appears exactly once in
-- final_aggregate_index. "Transaction" = a transaction_id with at least one
-- valid event (no X001/X002). Fails with each transaction that is missing,
-- repeated, or present without a valid event.
with

valid_transactions as (
    select distinct transaction_id
    from {{ ref('int_payments__events_checked') }}
    where is_valid
),

final_rows as (
    select
        transaction_id,
        count(*) as n_rows
    from {{ ref('final_aggregate_index') }}
    group by transaction_id
),

compared as (
    select
        coalesce(valid_transactions.transaction_id, final_rows.transaction_id) as transaction_id,
        valid_transactions.transaction_id is not null as is_valid_transaction,
        coalesce(final_rows.n_rows, 0) as n_rows
    from valid_transactions
    full outer join final_rows
        on valid_transactions.transaction_id = final_rows.transaction_id
)

select * from compared
where n_rows <> 1
    or not is_valid_transaction
