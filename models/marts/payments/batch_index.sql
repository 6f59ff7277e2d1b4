{#
    batch_index (payments.md §2): the reconciliation of one batch run date
    (var payments_batch_run_date; default the latest valid posting_date).
    It sees what was true at the end of that date:
      - status as of the run date = the latest valid event with
        event_ts < run date + 1 day (ties: load order);
      - statements = valid statements (no X001/X004/X005) with
        posting_date <= run date.
    Expected amount by the status's settlement_expectation (seed
    payment_statuses): FULL_AMOUNT -> amount, NOTHING -> 0, NOT_YET (PENDING)
    -> not reconciled, no row. discrepancy = calc_discrepancy(expected,
    amount_posted, fee_charged).
      MATCHED   at least one statement and |discrepancy| <= tolerance
      PARTIAL   statements exist and |discrepancy| > tolerance
      UNMATCHED no statement and expected <> 0
    A transaction with no statement and expected 0 (declined or refunded,
    nothing posted) has nothing to reconcile and no row.
#}
with

events as (
    select * from {{ ref('int_payments__events_checked') }}
),

statements as (
    select * from {{ ref('int_payments__statements_checked') }}
),

statuses as (
    select * from {{ ref('payment_statuses') }}
),

run_date as (
    select {{ ledgerhouse.payments_batch_run_date(ref('int_payments__statements_checked')) }} as batch_run_date
),

events_until_run as (
    select
        events.*,
        row_number() over (
            partition by events.transaction_id
            order by events.event_ts desc, events._loaded_at desc, events._source_file desc, events._line_number desc
        ) as recency_rank
    from events
    cross join run_date
    where
        events.is_valid
        and events.event_ts < {{ ledgerhouse.timestamp_add('day', 1, 'run_date.batch_run_date') }}
),

status_as_of as (
    select
        events_until_run.transaction_id,
        events_until_run.status,
        events_until_run.amount,
        events_until_run.currency,
        statuses.settlement_expectation
    from events_until_run
    inner join statuses
        on events_until_run.status = statuses.status
    where events_until_run.recency_rank = 1
),

posted as (
    select
        statements.transaction_id,
        count(*) as statement_count,
        sum(statements.amount_posted) as amount_posted,
        sum(statements.fee_charged) as fee_charged,
        max(statements._loaded_at) as statements_loaded_at
    from statements
    cross join run_date
    where
        statements.is_valid
        and statements.posting_date <= run_date.batch_run_date
    group by statements.transaction_id
),

expected as (
    select
        status_as_of.transaction_id,
        status_as_of.status as transaction_status,
        status_as_of.currency,
        cast(
            case when status_as_of.settlement_expectation = 'FULL_AMOUNT' then status_as_of.amount else 0 end
            as {{ ledgerhouse.type_money() }}
        ) as expected_amount,
        coalesce(posted.statement_count, 0) as statement_count,
        cast(coalesce(posted.amount_posted, 0) as {{ ledgerhouse.type_money() }}) as amount_posted,
        cast(coalesce(posted.fee_charged, 0) as {{ ledgerhouse.type_money() }}) as fee_charged,
        posted.statements_loaded_at
    from status_as_of
    left join posted
        on status_as_of.transaction_id = posted.transaction_id
    where status_as_of.settlement_expectation <> 'NOT_YET'
),

reconciled as (
    select
        *,
        {{ ledgerhouse.calc_discrepancy('expected_amount', 'amount_posted', 'fee_charged') }} as discrepancy
    from expected
    where
        statement_count > 0
        or expected_amount <> 0
),

final as (
    select
        reconciled.transaction_id,
        case
            when
                reconciled.statement_count > 0
                and abs(reconciled.discrepancy) <= {{ var('payments_tolerance', 0.01) }}
                then 'MATCHED'
            when reconciled.statement_count > 0 then 'PARTIAL'
            else 'UNMATCHED'
        end as reconciled_status,
        reconciled.transaction_status,
        reconciled.currency,
        reconciled.expected_amount,
        reconciled.amount_posted,
        reconciled.fee_charged,
        reconciled.statement_count,
        reconciled.discrepancy,
        run_date.batch_run_date,
        reconciled.statements_loaded_at
    from reconciled
    cross join run_date
)

select * from final
