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
-- the window's rows are exactly those of a full build.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

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

window_bounds as (
    select
        min(business_date) as first_date,
        max(business_date) as last_date
    from business_dates
),

carried_in as (
    select
        events.firm,
        events.ledger,
        events.branch,
        events.base,
        events.sub_acct_key,
        events.cusip,
        window_bounds.first_date as event_date,
        events.td_qty_change,
        events.sd_qty_change,
        0 as has_activity
    from events
    inner join window_bounds
        on events.event_date < window_bounds.first_date
),

in_window as (
    select
        events.firm,
        events.ledger,
        events.branch,
        events.base,
        events.sub_acct_key,
        events.cusip,
        events.event_date,
        events.td_qty_change,
        events.sd_qty_change,
        events.has_activity
    from events
    inner join window_bounds
        on
            events.event_date >= window_bounds.first_date
            and events.event_date <= window_bounds.last_date
),

window_events as (
    select
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        event_date,
        sum(td_qty_change) as td_qty_change,
        sum(sd_qty_change) as sd_qty_change,
        max(has_activity) as has_activity
    from (
        select * from carried_in
        union all
        select * from in_window
    ) as unioned
    group by firm, ledger, branch, base, sub_acct_key, cusip, event_date
),

timeline as (
    select
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        event_date,
        has_activity,
        sum(td_qty_change) over (
            partition by firm, ledger, branch, base, sub_acct_key, cusip
            order by event_date
            rows between unbounded preceding and current row
        ) as td_qty,
        sum(sd_qty_change) over (
            partition by firm, ledger, branch, base, sub_acct_key, cusip
            order by event_date
            rows between unbounded preceding and current row
        ) as sd_qty,
        coalesce(
            lead(event_date) over (
                partition by firm, ledger, branch, base, sub_acct_key, cusip
                order by event_date
            ),
            cast('9999-12-31' as date)
        ) as next_event_date
    from window_events
),

daily as (
    select
        business_dates.business_date,
        timeline.firm,
        timeline.ledger,
        timeline.branch,
        timeline.base,
        timeline.sub_acct_key,
        timeline.cusip,
        cast(timeline.td_qty as {{ ledgerhouse.type_quantity() }}) as td_qty,
        cast(timeline.sd_qty as {{ ledgerhouse.type_quantity() }}) as sd_qty,
        case
            when timeline.has_activity = 1 and timeline.event_date = business_dates.business_date then 'Y'
            else 'N'
        end as activity_on_date_sw
    from timeline
    inner join business_dates
        on
            timeline.event_date <= business_dates.business_date
            and timeline.next_event_date > business_dates.business_date
),

final as (
    select
        *,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from daily
    where td_qty <> 0 or sd_qty <> 0 or activity_on_date_sw = 'Y'
)

select * from final
