-- payments.md §2 invariant: Σ statement amounts in = Σ amount_posted out.
-- Statements that count (docs/payments.md): raw statement rows that have no
-- row in payment_errors (so no X001 unparseable, X004 unknown transaction,
-- X005 duplicate), posted on or before batch_index's batch_run_date, whose
-- transaction is not PENDING at the end of that date (its latest error-free
-- event up to that date, by event_ts then load order). Their Σ amount_posted,
-- Σ fee_charged and count must equal batch_index's Σ amount_posted,
-- Σ fee_charged and Σ statement_count. Computed here from staging and the
-- error model, not from batch_index's own inputs.
with

run as (
    select max(batch_run_date) as batch_run_date
    from {{ ref('batch_index') }}
),

error_rows as (
    select distinct
        _source_file,
        _line_number
    from {{ ref('payment_errors') }}
),

statements as (
    select statements.*
    from {{ ref('stg_payments__bank_statements') }} as statements
    left join error_rows
        on statements._source_file = error_rows._source_file
        and statements._line_number = error_rows._line_number
    where error_rows._source_file is null
),

events as (
    select events.*
    from {{ ref('stg_payments__payment_events') }} as events
    left join error_rows
        on events._source_file = error_rows._source_file
        and events._line_number = error_rows._line_number
    where error_rows._source_file is null
),

ranked_events as (
    select
        events.transaction_id,
        events.status,
        row_number() over (
            partition by events.transaction_id
            order by events.event_ts desc, events._loaded_at desc, events._source_file desc, events._line_number desc
        ) as recency_rank
    from events
    cross join run
    where cast(events.event_ts as date) <= run.batch_run_date
),

status_at_run as (
    select * from ranked_events
    where recency_rank = 1
),

totals_in as (
    select
        coalesce(sum(statements.amount_posted), 0) as amount_in,
        coalesce(sum(statements.fee_charged), 0) as fee_in,
        count(*) as statements_in
    from statements
    cross join run
    inner join status_at_run
        on statements.transaction_id = status_at_run.transaction_id
    where statements.posting_date <= run.batch_run_date
        and status_at_run.status <> 'PENDING'
),

totals_out as (
    select
        coalesce(sum(amount_posted), 0) as amount_out,
        coalesce(sum(fee_charged), 0) as fee_out,
        coalesce(sum(statement_count), 0) as statements_out
    from {{ ref('batch_index') }}
)

select *
from totals_in
cross join totals_out
where totals_in.amount_in <> totals_out.amount_out
    or totals_in.fee_in <> totals_out.fee_out
    or totals_in.statements_in <> totals_out.statements_out
