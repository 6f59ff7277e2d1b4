-- Every raw bank statement row with its validation result (payments.md §1).
-- X001: posting_date, amount_posted or fee_charged missing or unparseable,
--       or no statement_id (a row without an id cannot be told from a
--       duplicate; as an event without transaction_id, it is quarantined);
-- X004: transaction_id is not a valid transaction (no valid event) — kept
--       here for investigation, never matched;
-- X005: an earlier row (load order: _loaded_at, _line_number) has the same
--       statement_id; the first row is judged on its own merits. Two rows
--       without a statement_id are never duplicates of each other.
with

statements as (
    select * from {{ ref('stg_payments__bank_statements') }}
),

events as (
    select * from {{ ref('int_payments__events_checked') }}
),

known_transactions as (
    select distinct transaction_id
    from events
    where is_valid
),

ordered as (
    select
        statement_id,
        transaction_id,
        posting_date,
        posting_date_raw,
        amount_posted,
        amount_posted_raw,
        fee_charged,
        fee_charged_raw,
        currency,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at,
        row_number() over (
            partition by statement_id
            order by _loaded_at, _source_file, _line_number
        ) as statement_occurrence
    from statements
),

checked as (
    select
        ordered.statement_id,
        ordered.transaction_id,
        ordered.posting_date,
        ordered.posting_date_raw,
        ordered.amount_posted,
        ordered.amount_posted_raw,
        ordered.fee_charged,
        ordered.fee_charged_raw,
        ordered.currency,
        ordered._batch_id,
        ordered._source_file,
        ordered._line_number,
        ordered._file_sha256,
        ordered._loaded_at,
        ordered.statement_occurrence,
        (
            ordered.statement_id is null
            or ordered.posting_date is null
            or ordered.amount_posted is null
            or ordered.fee_charged is null
        ) as is_x001,
        known_transactions.transaction_id is null as is_x004,
        ordered.statement_id is not null and ordered.statement_occurrence > 1 as is_x005
    from ordered
    left join known_transactions
        on ordered.transaction_id = known_transactions.transaction_id
),

final as (
    select
        statement_id,
        transaction_id,
        posting_date,
        posting_date_raw,
        amount_posted,
        amount_posted_raw,
        fee_charged,
        fee_charged_raw,
        currency,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at,
        statement_occurrence,
        is_x001,
        is_x004,
        is_x005,
        (not is_x001 and not is_x004 and not is_x005) as is_valid
    from checked
)

select * from final
