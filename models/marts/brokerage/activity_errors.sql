{#
    activity_errors: one row per failed validation check of a raw activity
    row (brokerage.md §3), with the row's load metadata and every landing
    value as delivered (text). A row with several problems has several error
    rows; a row with none is in int_brokerage__activity_valid instead.
#}
{%- set text = dbt.type_string() -%}
{%- set checks = [
    ('E001', 'e001_duplicate_activity_id',
        "'activity_id ' || activity_id || ' was first loaded from ' || first_source_file
        || ' line ' || cast(first_line_number as " ~ text ~ ")"),
    ('E002', 'e002_unknown_key_code',
        "'maxx_key_code ' || coalesce('''' || maxx_key_code || '''', '(missing)') || ' is not in bookkeeping_rules'"),
    ('E003', 'e003_unknown_account',
        "'account ' || coalesce(firm, '?') || '/' || coalesce(ledger, '?') || '/' || coalesce(branch, '?')
        || '/' || coalesce(base, '?') || ' is not in accounts'"),
    ('E004', 'e004_account_closed',
        "'trade_date ' || trade_date_raw || ' is after account_closed_date '
        || cast(account_closed_date as " ~ text ~ ")"),
    ('E005', 'e005_invalid_dates',
        "case
            when trade_date_raw is null then 'trade_date is missing'
            when trade_date is null then 'trade_date ''' || trade_date_raw || ''' is not a date (YYYY-MM-DD)'
            when settle_date_raw is null then 'settle_date is missing'
            when settle_date is null then 'settle_date ''' || settle_date_raw || ''' is not a date (YYYY-MM-DD)'
            else 'settle_date ' || settle_date_raw || ' is before trade_date ' || trade_date_raw
        end"),
    ('E006', 'e006_fractional_qty_not_allowed',
        "'quantity ' || quantity_raw || ' has a fractional part but product ' || product_line
        || ' does not allow fractions'"),
    ('E007', 'e007_unparseable_number',
        "'not a number: ' || trim(
            coalesce(case when " ~ ledgerhouse.is_unparseable('quantity_raw', 'quantity')
                ~ " then 'quantity ''' || quantity_raw || ''' ' end, '')
            || coalesce(case when " ~ ledgerhouse.is_unparseable('amount_raw', 'amount')
                ~ " then 'amount ''' || amount_raw || ''' ' end, '')
            || coalesce(case when " ~ ledgerhouse.is_unparseable('entry_seq_raw', 'entry_seq')
                ~ " then 'entry_seq ''' || entry_seq_raw || ''' (whole number expected)' end, '')
        )"),
    ('E008', 'e008_invalid_cusip',
        "'cusip ''' || cusip || ''' is not 9 characters with a valid check digit'"),
    ('E009', 'e009_missing_activity_id',
        "'activity_id is missing'"),
    ('E010', 'e010_missing_sub_acct_key',
        "'sub_acct_key is missing: the activity names no sub-account'"),
] -%}

with

activity_checks as (
    select * from {{ ref('int_brokerage__activity_checks') }}
),

activity_error_codes as (
    select * from {{ ref('activity_error_codes') }}
),

failed_checks as (
    {%- for code, flag, message in checks %}
    select
        '{{ code }}' as error_code,
        cast({{ message }} as {{ text }}) as error_message,
        activity_checks.*
    from activity_checks
    where {{ flag }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

final as (
    select
        failed_checks.activity_id,
        failed_checks.error_code,
        activity_error_codes.error_name,
        failed_checks.error_message,
        failed_checks._batch_id,
        failed_checks._source_file,
        failed_checks._line_number,
        failed_checks._loaded_at,
        failed_checks.firm,
        failed_checks.ledger,
        failed_checks.branch,
        failed_checks.base,
        failed_checks.sub_acct_key,
        failed_checks.cusip,
        failed_checks.maxx_key_code,
        failed_checks.quantity_raw as quantity,
        failed_checks.amount_raw as amount,
        failed_checks.trade_date_raw as trade_date,
        failed_checks.settle_date_raw as settle_date,
        failed_checks.entry_seq_raw as entry_seq,
        failed_checks.entry_ts_raw as entry_ts
    from failed_checks
    left join activity_error_codes
        on failed_checks.error_code = activity_error_codes.error_code
)

select * from final
