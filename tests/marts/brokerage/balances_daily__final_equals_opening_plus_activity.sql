-- Identity (brokerage.md §5): on the last business date, each sub-account's
-- td_bal, sd_bal and sma equal its opening balance (when dated on or before
-- that date) plus the Σ of its valid activities' effects dated on or after
-- the opening's as_of_date and on or before the last date — recomputed here
-- straight from int_brokerage__activity_effects, not from the event model.
with

last_date as (
    select max(business_date) as business_date
    from {{ ref('int_brokerage__business_dates') }}
),

openings as (
    select * from {{ ref('int_brokerage__opening_balances_current') }}
    where as_of_date <= (select business_date from last_date)
),

effects as (
    select
        effects.firm, effects.ledger, effects.branch, effects.base, effects.sub_acct_key,
        sum(case when effects.trade_date >= coalesce(openings.as_of_date, effects.trade_date)
            and effects.trade_date <= (select business_date from last_date)
            then effects.td_bal_change else 0 end) as td_bal_change,
        sum(case when effects.settle_date >= coalesce(openings.as_of_date, effects.settle_date)
            and effects.settle_date <= (select business_date from last_date)
            then effects.sd_bal_change else 0 end) as sd_bal_change,
        sum(case when effects.trade_date >= coalesce(openings.as_of_date, effects.trade_date)
            and effects.trade_date <= (select business_date from last_date)
            then effects.sma_change else 0 end) as sma_change
    from {{ ref('int_brokerage__activity_effects') }} as effects
    left join {{ ref('int_brokerage__opening_balances_current') }} as openings
        on
            effects.firm = openings.firm and effects.ledger = openings.ledger
            and effects.branch = openings.branch and effects.base = openings.base
            and effects.sub_acct_key = openings.sub_acct_key
    group by effects.firm, effects.ledger, effects.branch, effects.base, effects.sub_acct_key
),

final_balances as (
    select * from {{ ref('balances_daily') }}
    where business_date = (select business_date from last_date)
)

select
    final_balances.*,
    openings.td_bal as opening_td_bal,
    effects.td_bal_change
from final_balances
left join openings
    on
        final_balances.firm = openings.firm and final_balances.ledger = openings.ledger
        and final_balances.branch = openings.branch and final_balances.base = openings.base
        and final_balances.sub_acct_key = openings.sub_acct_key
left join effects
    on
        final_balances.firm = effects.firm and final_balances.ledger = effects.ledger
        and final_balances.branch = effects.branch and final_balances.base = effects.base
        and final_balances.sub_acct_key = effects.sub_acct_key
where
    final_balances.td_bal <> coalesce(openings.td_bal, 0) + coalesce(effects.td_bal_change, 0)
    or final_balances.sd_bal <> coalesce(openings.sd_bal, 0) + coalesce(effects.sd_bal_change, 0)
    or final_balances.sma <> coalesce(openings.sma, 0) + coalesce(effects.sma_change, 0)
