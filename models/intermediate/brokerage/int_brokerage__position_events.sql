-- What changes each position on each date (brokerage.md §4, §5): one row per
-- position key and event_date with the change to td_qty and sd_qty.
-- The opening row is an event on its as_of_date (the state at the start of
-- that day). An activity moves td_qty on its trade_date and sd_qty on its
-- settle_date, each only when its rule's switch is 'Y' and the date is on or
-- after the opening's as_of_date (effects dated before it are already inside
-- the opening). has_activity = 1 when an applied activity of the key is
-- dated event_date (trade or settle), which makes a positions_daily row.
--
-- Incremental by event_date like the daily marts (daily_mart_config): an
-- incremental run recomputes the events dated in the rebuild window from
-- the activities traded or settled in it, so positions_daily sums the
-- stored events before its window instead of recomputing all history.
{{ config(**ledgerhouse.daily_mart_config('event_date')) }}
{%- set window_start = ledgerhouse.daily_window_start('event_date') %}
{%- set keys = ledgerhouse.position_key() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

effects as (
    select * from {{ ref('int_brokerage__activity_effects') }}
    where
        cusip is not null
        and (
            {{ ledgerhouse.in_daily_window('trade_date', window_start) }}
            or {{ ledgerhouse.in_daily_window('settle_date', window_start) }}
        )
),

opening_positions as (
    select * from {{ ref('int_brokerage__opening_positions_current') }}
),

effects_with_opening as (
    select
        effects.*,
        opening_positions.as_of_date as opening_as_of_date
    from effects
    left join opening_positions
        on
            {{ ledgerhouse.key_equals('effects', 'opening_positions', ledgerhouse.position_key()) | trim }}
),

unioned as (
    select
        firm, ledger, branch, base, sub_acct_key, cusip,
        as_of_date as event_date,
        cast(coalesce(td_qty, 0) as {{ ledgerhouse.type_quantity() }}) as td_qty_change,
        cast(coalesce(sd_qty, 0) as {{ ledgerhouse.type_quantity() }}) as sd_qty_change,
        0 as has_activity
    from opening_positions

    union all

    {{ ledgerhouse.trade_settle_events(
        'effects_with_opening',
        keys,
        [['td_qty_change', 'td_qty_change', 'trade'], ['sd_qty_change', 'sd_qty_change', 'settle']],
        ledgerhouse.type_quantity(),
        flag='has_activity',
    ) }}
),

summed as (
    select
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        event_date,
        cast(sum(td_qty_change) as {{ ledgerhouse.type_quantity() }}) as td_qty_change,
        cast(sum(sd_qty_change) as {{ ledgerhouse.type_quantity() }}) as sd_qty_change,
        max(has_activity) as has_activity
    from unioned
    where {{ ledgerhouse.in_daily_window('event_date', window_start) }}
    group by firm, ledger, branch, base, sub_acct_key, cusip, event_date
),

final as (
    select
        *,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from summed
)

select * from final
