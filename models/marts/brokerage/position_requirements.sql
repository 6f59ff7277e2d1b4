-- Grain: business_date × position key, for every market_values row that a
-- margin rule matches (brokerage.md §7; the matching is in
-- int_brokerage__position_margin_rules). house_req = round0(|market_value|
-- × house_pct / 100), equity_req = round0(|market_value| × exch_pct / 100),
-- with the chosen nyrs_mgn_rule. Rows no rule matches are in margin_errors.
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
        and nyrs_mgn_rule is not null
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
        nyrs_mgn_rule,
        nyrs_mgn_seq,
        house_pct,
        exch_pct,
        {{ ledgerhouse.round0(ledgerhouse.divide_round('abs_market_value * house_pct', '100', 0)) }} as house_req,
        {{ ledgerhouse.round0(ledgerhouse.divide_round('abs_market_value * exch_pct', '100', 0)) }} as equity_req,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from positions
)

select * from final
