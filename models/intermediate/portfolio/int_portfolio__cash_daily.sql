-- Cash per portfolio, currency and business date (spec §3 cash rule, in the
-- transaction currency), valued in the portfolio's base currency.
with

events as (
    select * from {{ ref('int_portfolio__events') }}
    where cash_flow_local <> 0
),

portfolio_days as (
    select * from {{ ref('int_portfolio__portfolio_days') }}
),

fx_daily as (
    select * from {{ ref('int_portfolio__fx_daily') }}
),

changes as (
    select
        portfolio_id,
        currency,
        business_date,
        sum(cash_flow_local) as cash_change
    from events
    group by portfolio_id, currency, business_date
),

running as (
    select
        portfolio_id,
        currency,
        business_date as change_date,
        sum(cash_change) over (
            partition by portfolio_id, currency
            order by business_date
            rows between unbounded preceding and current row
        ) as cash_local,
        lead(business_date) over (
            partition by portfolio_id, currency
            order by business_date
        ) as next_change_date
    from changes
),

expanded as (
    select
        running.portfolio_id,
        running.currency,
        portfolio_days.base_currency,
        portfolio_days.business_date,
        running.cash_local
    from running
    inner join portfolio_days
        on
            running.portfolio_id = portfolio_days.portfolio_id
            and running.change_date <= portfolio_days.business_date
            and (
                running.next_change_date is null
                or running.next_change_date > portfolio_days.business_date
            )
),

final as (
    select
        expanded.portfolio_id,
        expanded.currency,
        expanded.business_date,
        cast(expanded.cash_local as {{ ledgerhouse.type_money() }}) as cash_local,
        case
            when expanded.currency = expanded.base_currency then cast(1 as {{ ledgerhouse.type_price() }})
            else fx_daily.fx_rate
        end as fx_rate,
        cast(
            {{ ledgerhouse.round_half_away(
                'expanded.cash_local * case when expanded.currency = expanded.base_currency then 1 else fx_daily.fx_rate end', 4) }}
            as {{ ledgerhouse.type_money() }}
        ) as cash_base
    from expanded
    left join fx_daily
        on
            expanded.currency = fx_daily.from_currency
            and expanded.base_currency = fx_daily.to_currency
            and expanded.business_date = fx_daily.business_date
)

select * from final
