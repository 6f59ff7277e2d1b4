-- Grain: business_date × sub-account (brokerage.md §5). Every business date
-- from the first date the sub-account has an opening balance, an opening
-- position or an activity: td_bal = opening td_bal + Σ amount on trade dates
-- <= d, sd_bal = opening sd_bal + Σ amount on settle dates <= d, sma =
-- opening sma + Σ round(amount × sma_pct / 100, 4) on trade dates <= d (no
-- floor); switches from bookkeeping_rules via int_brokerage__balance_events.
-- Incremental by business_date like positions_daily: history before the
-- rebuild window is carried in as one event on the window's first date.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

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
        window_bounds.first_date as event_date,
        events.td_bal_change,
        events.sd_bal_change,
        events.sma_change
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
        events.event_date,
        events.td_bal_change,
        events.sd_bal_change,
        events.sma_change
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
        event_date,
        sum(td_bal_change) as td_bal_change,
        sum(sd_bal_change) as sd_bal_change,
        sum(sma_change) as sma_change
    from (
        select * from carried_in
        union all
        select * from in_window
    ) as unioned
    group by firm, ledger, branch, base, sub_acct_key, event_date
),

timeline as (
    select
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        event_date,
        sum(td_bal_change) over (
            partition by firm, ledger, branch, base, sub_acct_key
            order by event_date
            rows between unbounded preceding and current row
        ) as td_bal,
        sum(sd_bal_change) over (
            partition by firm, ledger, branch, base, sub_acct_key
            order by event_date
            rows between unbounded preceding and current row
        ) as sd_bal,
        sum(sma_change) over (
            partition by firm, ledger, branch, base, sub_acct_key
            order by event_date
            rows between unbounded preceding and current row
        ) as sma,
        coalesce(
            lead(event_date) over (
                partition by firm, ledger, branch, base, sub_acct_key
                order by event_date
            ),
            cast('9999-12-31' as date)
        ) as next_event_date
    from window_events
),

final as (
    select
        business_dates.business_date,
        timeline.firm,
        timeline.ledger,
        timeline.branch,
        timeline.base,
        timeline.sub_acct_key,
        cast(timeline.td_bal as {{ ledgerhouse.type_money() }}) as td_bal,
        cast(timeline.sd_bal as {{ ledgerhouse.type_money() }}) as sd_bal,
        cast(timeline.sma as {{ ledgerhouse.type_money() }}) as sma,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from timeline
    inner join business_dates
        on
            timeline.event_date <= business_dates.business_date
            and timeline.next_event_date > business_dates.business_date
)

select * from final
