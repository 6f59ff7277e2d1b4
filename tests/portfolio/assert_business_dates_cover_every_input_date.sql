{#
    Every date the portfolio inputs carry lies within the business-date
    calendar (seed portfolio_business_dates): a transaction, holding or price
    dated after its last session has no business date to take effect on and
    would be missing from every fact without an error (until 2026-12-06 the
    seed ended on 2027-11-19). A failing row names the input, its latest date
    and the calendar's last date; extend the seed with
    `python -m ledgerhouse.calendar_seed --start 2015-01-01 --end YYYY-MM-DD
    --out seeds/portfolio/portfolio_business_dates.csv`.
#}
with

calendar as (
    select max(business_date) as last_business_date
    from {{ ref('portfolio_business_dates') }}
),

transactions as (
    select * from {{ ref('int_portfolio__transactions_checked') }}
    where is_valid
),

holdings as (
    select * from {{ ref('int_portfolio__holdings_checked') }}
    where is_valid
),

prices as (
    select * from {{ ref('int_portfolio__prices_checked') }}
    where is_valid
),

input_dates as (
    select
        'transactions trade_date' as input_name,
        trade_date as input_date
    from transactions
    union all
    select
        'transactions settle_date' as input_name,
        settle_date as input_date
    from transactions
    union all
    select
        'holdings as_of_date' as input_name,
        as_of_date as input_date
    from holdings
    union all
    select
        'prices price_date' as input_name,
        price_date as input_date
    from prices
),

final as (
    select
        input_dates.input_name,
        max(input_dates.input_date) as last_input_date,
        calendar.last_business_date
    from input_dates
    cross join calendar
    where input_dates.input_date > calendar.last_business_date
    group by input_dates.input_name, calendar.last_business_date
)

select * from final
