-- The grain of fact_portfolio_performance_daily: portfolio x business date
-- from open_date to close_date, or to the as-of date while open.
with

portfolios as (
    select * from {{ ref('int_portfolio__portfolios_checked') }}
    where is_valid
),

business_dates as (
    select business_date from {{ ref('portfolio_business_dates') }}
    where business_date <= {{ ledgerhouse.portfolio_as_of_date() }}
),

final as (
    select
        portfolios.portfolio_id,
        portfolios.base_currency,
        portfolios.benchmark_id,
        business_dates.business_date,
        row_number() over (
            partition by portfolios.portfolio_id
            order by business_dates.business_date
        ) as day_number
    from portfolios
    inner join business_dates
        on
            portfolios.open_date <= business_dates.business_date
            and (
                portfolios.close_date is null
                or portfolios.close_date >= business_dates.business_date
            )
)

select * from final
