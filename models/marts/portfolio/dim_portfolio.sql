with

portfolios as (
    select * from {{ ref('int_portfolio__portfolios_checked') }}
    where is_valid
),

events as (
    select * from {{ ref('int_portfolio__events') }}
),

event_sources as (
    select
        portfolio_id,
        count(case when event_source = 'transactions' then 1 end) as transaction_count,
        count(case when event_source = 'holdings' then 1 end) as holding_count
    from events
    group by portfolio_id
),

final as (
    select
        portfolios.portfolio_id,
        portfolios.portfolio_name,
        portfolios.base_currency,
        portfolios.open_date,
        portfolios.close_date,
        portfolios.benchmark_id,
        coalesce(event_sources.transaction_count, 0) as transaction_count,
        coalesce(event_sources.holding_count, 0) as holding_count,
        coalesce(event_sources.transaction_count, 0) = 0
        and coalesce(event_sources.holding_count, 0) > 0 as is_holdings_only
    from portfolios
    left join event_sources
        on portfolios.portfolio_id = event_sources.portfolio_id
)

select * from final
