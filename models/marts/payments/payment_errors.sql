-- The payments quarantine (payments.md §1): one row per failed check of a
-- raw row, with the row's own id, its file and line. A row can fail several
-- checks and then has several rows here; every row here is excluded from
-- the indexes.
{%- set money_scale = ledgerhouse.type_scale(ledgerhouse.type_money()) %}
{%- set score_scale = ledgerhouse.type_scale(ledgerhouse.type_score()) %}
with

events as (
    select * from {{ ref('int_payments__events_checked') }}
),

statements as (
    select * from {{ ref('int_payments__statements_checked') }}
),

signals as (
    select * from {{ ref('int_payments__fraud_signals_checked') }}
),

error_codes as (
    select * from {{ ref('payment_error_codes') }}
),

event_errors as (
    select
        'X001' as error_code,
        case
            when transaction_id is null then 'transaction_id is missing'
            when merchant_id is null then 'merchant_id is missing'
            when amount is null and amount_raw is null then 'amount is missing'
            when amount is null
                then 'amount is not a number with at most {{ money_scale }} decimal places: ' || amount_raw
            when event_ts_raw is null then 'event_ts is missing'
            else 'event_ts is not a YYYY-MM-DD HH:MM:SS timestamp: ' || event_ts_raw
        end as error_message,
        'payment_events' as entity,
        transaction_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from events
    where is_x001
    union all
    select
        'X002' as error_code,
        'unknown status: ' || coalesce(status, '(missing)') as error_message,
        'payment_events' as entity,
        transaction_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from events
    where is_x002
),

statement_errors as (
    select
        'X001' as error_code,
        case
            when statement_id is null then 'statement_id is missing'
            when posting_date is null
                then
                    'posting_date is missing or not a YYYY-MM-DD date: '
                    || coalesce(posting_date_raw, '(missing)')
            when amount_posted is null
                then
                    'amount_posted is missing or not a number with at most {{ money_scale }} decimal places: '
                    || coalesce(amount_posted_raw, '(missing)')
            else
                'fee_charged is missing or not a number with at most {{ money_scale }} decimal places: '
                || coalesce(fee_charged_raw, '(missing)')
        end as error_message,
        'bank_statements' as entity,
        statement_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from statements
    where is_x001
    union all
    select
        'X004' as error_code,
        'statement for unknown transaction ' || coalesce(transaction_id, '(missing)')
        || ' (kept for investigation, not matched)' as error_message,
        'bank_statements' as entity,
        statement_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from statements
    where is_x004
    union all
    select
        'X005' as error_code,
        'duplicate statement_id ' || statement_id || ' (an earlier row in load order has it)' as error_message,
        'bank_statements' as entity,
        statement_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from statements
    where is_x005
),

signal_errors as (
    select
        'X001' as error_code,
        case
            when fraud_score is null
                then
                    'fraud_score is missing or not a number with at most {{ score_scale }} decimal places: '
                    || coalesce(fraud_score_raw, '(missing)')
            else
                'inference_time is missing or not a YYYY-MM-DD HH:MM:SS timestamp: '
                || coalesce(inference_time_raw, '(missing)')
        end as error_message,
        'fraud_signals' as entity,
        fraud_signal_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from signals
    where is_x001
    union all
    select
        'X003' as error_code,
        'fraud_score outside [0, 1]: ' || fraud_score_raw as error_message,
        'fraud_signals' as entity,
        fraud_signal_id as row_id,
        transaction_id,
        _batch_id,
        _source_file,
        _line_number
    from signals
    where is_x003
),

all_errors as (
    select * from event_errors
    union all
    select * from statement_errors
    union all
    select * from signal_errors
),

final as (
    select
        all_errors.error_code,
        error_codes.error_name,
        all_errors.error_message,
        all_errors.entity,
        all_errors.row_id,
        all_errors.transaction_id,
        all_errors._batch_id,
        all_errors._source_file,
        all_errors._line_number
    from all_errors
    left join error_codes
        on all_errors.error_code = error_codes.error_code
)

select * from final
