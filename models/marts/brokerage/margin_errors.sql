-- Grain: business_date × position key, for every market_values row that no
-- margin rule matches (brokerage.md §7: never a silent zero requirement).
-- The check's code is M001; its name (the start of error_message) and rule
-- come from the seed margin_error_codes, like every other error code.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

positions as (
    select * from {{ ref('int_brokerage__position_margin_rules') }}
    where
        {{ ledgerhouse.in_daily_window('business_date', window_start) }}
        and nyrs_mgn_rule is null
),

margin_error_codes as (
    select * from {{ ref('margin_error_codes') }}
),

failed_checks as (
    select
        'M001' as error_code,
        'no margin rule matches prodline ' || prodline || ', side ' || side
        || ', concentrated ' || concentrated_sw as error_detail,
        *
    from positions
),

final as (
    select
        failed_checks.business_date,
        failed_checks.firm,
        failed_checks.ledger,
        failed_checks.branch,
        failed_checks.base,
        failed_checks.sub_acct_key,
        failed_checks.cusip,
        failed_checks.prodline,
        failed_checks.td_qty,
        failed_checks.market_value,
        failed_checks.side,
        failed_checks.concentrated_sw,
        margin_error_codes.error_code,
        margin_error_codes.error_name || ': ' || failed_checks.error_detail as error_message,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from failed_checks
    left join margin_error_codes
        on failed_checks.error_code = margin_error_codes.error_code
)

select * from final
