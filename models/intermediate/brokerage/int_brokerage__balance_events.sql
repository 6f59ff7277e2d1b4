-- What changes each sub-account's balances on each date (brokerage.md §5):
-- one row per sub-account key and event_date with the change to td_bal,
-- sd_bal and sma. The opening balance is an event on its as_of_date. An
-- activity moves td_bal and sma on its trade_date and sd_bal on its
-- settle_date, each only when its rule's switch is 'Y' and the date is on or
-- after the opening balance's as_of_date. Opening positions and activities
-- also give a zero event on their date, because a sub-account appears in
-- balances_daily from the first date it has any of the three.
--
-- Incremental by event_date like int_brokerage__position_events.
{{ config(**ledgerhouse.daily_mart_config('event_date')) }}
{%- set window_start = ledgerhouse.daily_window_start('event_date') %}
{%- set keys = ledgerhouse.sub_account_key() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

effects as (
    select * from {{ ref('int_brokerage__activity_effects') }}
    where
        {{ ledgerhouse.in_daily_window('trade_date', window_start) }}
        or {{ ledgerhouse.in_daily_window('settle_date', window_start) }}
),

opening_balances as (
    select * from {{ ref('int_brokerage__opening_balances_current') }}
),

opening_positions as (
    select * from {{ ref('int_brokerage__opening_positions_current') }}
),

effects_with_opening as (
    select
        effects.*,
        opening_balances.as_of_date as opening_as_of_date
    from effects
    left join opening_balances
        on
            {{ ledgerhouse.key_equals('effects', 'opening_balances', ledgerhouse.sub_account_key()) | trim }}
),

unioned as (
    select
        firm, ledger, branch, base, sub_acct_key,
        as_of_date as event_date,
        cast(coalesce(td_bal, 0) as {{ ledgerhouse.type_money() }}) as td_bal_change,
        cast(coalesce(sd_bal, 0) as {{ ledgerhouse.type_money() }}) as sd_bal_change,
        cast(coalesce(sma, 0) as {{ ledgerhouse.type_money() }}) as sma_change
    from opening_balances

    union all

    select
        firm, ledger, branch, base, sub_acct_key,
        as_of_date as event_date,
        cast(0 as {{ ledgerhouse.type_money() }}) as td_bal_change,
        cast(0 as {{ ledgerhouse.type_money() }}) as sd_bal_change,
        cast(0 as {{ ledgerhouse.type_money() }}) as sma_change
    from opening_positions

    union all

    {{ ledgerhouse.trade_settle_events(
        'effects_with_opening',
        keys,
        [
            ['td_bal_change', 'td_bal_change', 'trade'],
            ['sd_bal_change', 'sd_bal_change', 'settle'],
            ['sma_change', 'sma_change', 'trade'],
        ],
        ledgerhouse.type_money(),
        keep_trade_date=true,
    ) }}
),

summed as (
    select
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        event_date,
        cast(sum(td_bal_change) as {{ ledgerhouse.type_money() }}) as td_bal_change,
        cast(sum(sd_bal_change) as {{ ledgerhouse.type_money() }}) as sd_bal_change,
        cast(sum(sma_change) as {{ ledgerhouse.type_money() }}) as sma_change
    from unioned
    where {{ ledgerhouse.in_daily_window('event_date', window_start) }}
    group by firm, ledger, branch, base, sub_acct_key, event_date
),

final as (
    select
        *,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from summed
)

select * from final
