-- Grain: business_date × sub-account (brokerage.md §5). Every business date
-- from the first date the sub-account has an opening balance, an opening
-- position or an activity: td_bal = opening td_bal + Σ amount on trade dates
-- <= d, sd_bal = opening sd_bal + Σ amount on settle dates <= d, sma =
-- opening sma + Σ round(amount × sma_pct / 100, 4) on trade dates <= d (no
-- floor); switches from bookkeeping_rules via int_brokerage__balance_events.
-- Incremental by business_date like positions_daily: history before the
-- rebuild window is carried in as one event on the window's first date,
-- read from this mart's last date before the window on an incremental run
-- (daily_running_totals, macros/brokerage/daily_events.sql).
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}
{%- set prior_date = ledgerhouse.daily_prior_date(window_start) %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

events as (
    select * from {{ ref('int_brokerage__balance_events') }}
),

business_dates as (
    select * from {{ ref('int_brokerage__business_dates') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

{{ ledgerhouse.daily_running_totals(
    'events',
    'business_dates',
    ledgerhouse.sub_account_key(),
    [['td_bal', 'td_bal_change'], ['sd_bal', 'sd_bal_change'], ['sma', 'sma_change']],
    prior=this,
    prior_date=prior_date,
) }},

final as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cast(td_bal as {{ ledgerhouse.type_money() }}) as td_bal,
        cast(sd_bal as {{ ledgerhouse.type_money() }}) as sd_bal,
        cast(sma as {{ ledgerhouse.type_money() }}) as sma,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from daily_totals
)

select * from final
