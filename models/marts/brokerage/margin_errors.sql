-- Grain: business_date × position key, for every market_values row that no
-- margin rule matches (brokerage.md §7: never a silent zero requirement).
-- error_code M001 NO_MARGIN_RULE; the message names what was matched on.
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

final as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        prodline,
        td_qty,
        market_value,
        side,
        concentrated_sw,
        'M001' as error_code,
        'NO_MARGIN_RULE: no margin rule matches prodline ' || prodline
        || ', side ' || side || ', concentrated ' || concentrated_sw as error_message,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from positions
)

select * from final
