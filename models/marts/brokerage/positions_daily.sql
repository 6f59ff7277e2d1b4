-- Grain: business_date × position key (brokerage.md §5). For each business
-- date d: td_qty = opening td_qty + Σ quantity moved on trade dates <= d,
-- sd_qty = opening sd_qty + Σ quantity moved on settle dates <= d (switches
-- from bookkeeping_rules, via int_brokerage__position_events). A row exists
-- when td_qty or sd_qty is non-zero or an applied activity of the key has
-- trade_date or settle_date d.
--
-- Incremental by business_date (macros/brokerage/daily_incremental.sql):
-- only the rebuild window's dates are computed. Everything dated before the
-- window's first date is summed into one carried-in event on that date, so
-- the window's rows are exactly those of a full build
-- (daily_running_totals, macros/brokerage/daily_events.sql). An incremental
-- run reads that carried-in sum from this mart's own last date before the
-- window (plus the events between it and the window), not from every event.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}
{%- set prior_date = ledgerhouse.daily_prior_date(window_start) %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

events as (
    select * from {{ ref('int_brokerage__position_events') }}
),

business_dates as (
    select * from {{ ref('int_brokerage__business_dates') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

{{ ledgerhouse.daily_running_totals(
    'events',
    'business_dates',
    ledgerhouse.position_key(),
    [['td_qty', 'td_qty_change'], ['sd_qty', 'sd_qty_change']],
    flag='has_activity',
    prior=this,
    prior_date=prior_date,
) }},

daily as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        cast(td_qty as {{ ledgerhouse.type_quantity() }}) as td_qty,
        cast(sd_qty as {{ ledgerhouse.type_quantity() }}) as sd_qty,
        case when has_activity = 1 then 'Y' else 'N' end as activity_on_date_sw
    from daily_totals
),

final as (
    select
        *,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from daily
    where td_qty <> 0 or sd_qty <> 0 or activity_on_date_sw = 'Y'
)

select * from final
