-- What changes each sub-account's balances on each date (brokerage.md §5):
-- one row per sub-account key and event_date with the change to td_bal,
-- sd_bal and sma. The opening balance is an event on its as_of_date. An
-- activity moves td_bal and sma on its trade_date and sd_bal on its
-- settle_date, each only when its rule's switch is 'Y' and the date is on or
-- after the opening balance's as_of_date. Opening positions and activities
-- also give a zero event on their date, because a sub-account appears in
-- balances_daily from the first date it has any of the three.
with

effects as (
    select * from {{ ref('int_brokerage__activity_effects') }}
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
            effects.firm = opening_balances.firm
            and effects.ledger = opening_balances.ledger
            and effects.branch = opening_balances.branch
            and effects.base = opening_balances.base
            and effects.sub_acct_key = opening_balances.sub_acct_key
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

    select
        firm, ledger, branch, base, sub_acct_key,
        trade_date as event_date,
        case
            when opening_as_of_date is null or trade_date >= opening_as_of_date then td_bal_change
            else 0
        end as td_bal_change,
        cast(0 as {{ ledgerhouse.type_money() }}) as sd_bal_change,
        case
            when opening_as_of_date is null or trade_date >= opening_as_of_date then sma_change
            else 0
        end as sma_change
    from effects_with_opening

    union all

    select
        firm, ledger, branch, base, sub_acct_key,
        settle_date as event_date,
        cast(0 as {{ ledgerhouse.type_money() }}) as td_bal_change,
        sd_bal_change,
        cast(0 as {{ ledgerhouse.type_money() }}) as sma_change
    from effects_with_opening
    where opening_as_of_date is null or settle_date >= opening_as_of_date
),

final as (
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
    group by firm, ledger, branch, base, sub_acct_key, event_date
)

select * from final
