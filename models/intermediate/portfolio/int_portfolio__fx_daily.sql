-- One row per currency pair and business date: the latest valid rate on or
-- before the date (spec §3).
with

fx_rates as (
    select * from {{ ref('int_portfolio__fx_rates_checked') }}
    where is_valid
),

business_dates as (
    select business_date from {{ ref('portfolio_business_dates') }}
    where business_date <= {{ ledgerhouse.portfolio_as_of_date() }}
),

with_next as (
    select
        *,
        lead(rate_date) over (
            partition by from_currency, to_currency
            order by rate_date
        ) as next_rate_date
    from fx_rates
),

final as (
    select
        with_next.from_currency,
        with_next.to_currency,
        business_dates.business_date,
        with_next.rate_date,
        with_next.rate as fx_rate
    from with_next
    inner join business_dates
        on
            with_next.rate_date <= business_dates.business_date
            and (
                with_next.next_rate_date is null
                or with_next.next_rate_date > business_dates.business_date
            )
)

select * from final
