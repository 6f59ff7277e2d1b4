-- Grain: business_date × acct_category × cusip (brokerage.md §6), over the
-- market_values rows of the day: td_qty_conc = Σ td_qty, market_val =
-- Σ |market_value|, cusip_conc_pct = market_val / Σ market_val of the
-- acct_category on the day × 100, rounded half away to 4 decimals (null when
-- the category's total is 0). acct_category comes from the current account;
-- a position whose account is unknown counts under a null category.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

market_values as (
    select * from {{ ref('market_values') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

accounts as (
    select * from {{ ref('int_brokerage__accounts_current') }}
),

by_cusip as (
    select
        market_values.business_date,
        accounts.acct_category,
        market_values.cusip,
        cast(sum(market_values.td_qty) as {{ ledgerhouse.type_quantity() }}) as td_qty_conc,
        cast(sum(abs(market_values.market_value)) as {{ ledgerhouse.type_money() }}) as market_val
    from market_values
    left join accounts
        on
            market_values.firm = accounts.firm
            and market_values.ledger = accounts.ledger
            and market_values.branch = accounts.branch
            and market_values.base = accounts.base
    group by market_values.business_date, accounts.acct_category, market_values.cusip
),

with_totals as (
    select
        *,
        sum(market_val) over (partition by business_date, acct_category) as category_market_val
    from by_cusip
),

final as (
    select
        business_date,
        acct_category,
        cusip,
        td_qty_conc,
        market_val,
        cast(category_market_val as {{ ledgerhouse.type_money() }}) as category_market_val,
        cast(
            {{ ledgerhouse.divide_round('market_val * 100', 'category_market_val', 4) }}
            as {{ ledgerhouse.type_money() }}
        ) as cusip_conc_pct,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from with_totals
)

select * from final
