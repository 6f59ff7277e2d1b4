-- Grain: business_date × sub-account, every row of balances_daily
-- (brokerage.md §7):
--   td_bal, sd_bal, sma   from balances_daily
--   mv_td_long   Σ market_value of long positions whose product has
--                contributes_to_equity_sw = 'Y'
--   mv_td_short  Σ |market_value| of such short positions
--   equity       td_bal + mv_td_long − mv_td_short
--   reqt_house / reqt_exch  Σ house_req / Σ equity_req (position_requirements)
--   loan_value   Σ round0(market_value × loan_value_pct / 100) over long
--                positions whose product has marginable_flag = 'Y'
--   cash_avail   greatest(0, least(sma, equity − reqt_house)) for the margin
--                sub-account (var margin_sub_acct_keys), else greatest(0, sd_bal)
--   house_call   greatest(0, reqt_house − equity); exch_call likewise.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

balances as (
    select * from {{ ref('balances_daily') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

market_values as (
    select * from {{ ref('market_values') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

requirements as (
    select * from {{ ref('position_requirements') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

product_definitions as (
    select * from {{ ref('product_definitions') }}
),

market_value_totals as (
    select
        market_values.business_date,
        market_values.firm,
        market_values.ledger,
        market_values.branch,
        market_values.base,
        market_values.sub_acct_key,
        sum(
            case
                when market_values.td_qty > 0 and product_definitions.contributes_to_equity_sw = 'Y'
                    then market_values.market_value
                else 0
            end
        ) as mv_td_long,
        sum(
            case
                when market_values.td_qty < 0 and product_definitions.contributes_to_equity_sw = 'Y'
                    then abs(market_values.market_value)
                else 0
            end
        ) as mv_td_short,
        sum(
            case
                when market_values.td_qty > 0 and product_definitions.marginable_flag = 'Y'
                    then {{ ledgerhouse.round0(ledgerhouse.divide_round(
                        'market_values.market_value * ' ~ var('loan_value_pct'), '100', 0)) }}
                else 0
            end
        ) as loan_value
    from market_values
    left join product_definitions
        on market_values.prodline = product_definitions.prodline
    group by
        market_values.business_date, market_values.firm, market_values.ledger,
        market_values.branch, market_values.base, market_values.sub_acct_key
),

requirement_totals as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        sum(house_req) as reqt_house,
        sum(equity_req) as reqt_exch
    from requirements
    group by business_date, firm, ledger, branch, base, sub_acct_key
),

combined as (
    select
        balances.business_date,
        balances.firm,
        balances.ledger,
        balances.branch,
        balances.base,
        balances.sub_acct_key,
        balances.td_bal,
        balances.sd_bal,
        balances.sma,
        cast(coalesce(market_value_totals.mv_td_long, 0) as {{ ledgerhouse.type_money() }}) as mv_td_long,
        cast(coalesce(market_value_totals.mv_td_short, 0) as {{ ledgerhouse.type_money() }}) as mv_td_short,
        cast(coalesce(requirement_totals.reqt_house, 0) as {{ ledgerhouse.type_money() }}) as reqt_house,
        cast(coalesce(requirement_totals.reqt_exch, 0) as {{ ledgerhouse.type_money() }}) as reqt_exch,
        cast(coalesce(market_value_totals.loan_value, 0) as {{ ledgerhouse.type_money() }}) as loan_value
    from balances
    left join market_value_totals
        on
            balances.business_date = market_value_totals.business_date
            and {{ ledgerhouse.key_equals('balances', 'market_value_totals', ledgerhouse.sub_account_key()) | trim }}
    left join requirement_totals
        on
            balances.business_date = requirement_totals.business_date
            and {{ ledgerhouse.key_equals('balances', 'requirement_totals', ledgerhouse.sub_account_key()) | trim }}
),

with_equity as (
    select
        *,
        cast(td_bal + mv_td_long - mv_td_short as {{ ledgerhouse.type_money() }}) as equity
    from combined
),

final as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        td_bal,
        sd_bal,
        sma,
        mv_td_long,
        mv_td_short,
        equity,
        reqt_house,
        reqt_exch,
        loan_value,
        cast(
            case
                when sub_acct_key in ('{{ var("margin_sub_acct_keys") | join("', '") }}')
                    then greatest(0, least(sma, equity - reqt_house))
                else greatest(0, sd_bal)
            end
            as {{ ledgerhouse.type_money() }}
        ) as cash_avail,
        cast(greatest(0, reqt_house - equity) as {{ ledgerhouse.type_money() }}) as house_call,
        cast(greatest(0, reqt_exch - equity) as {{ ledgerhouse.type_money() }}) as exch_call,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from with_equity
)

select * from final
