{#
    Every date the brokerage inputs carry lies within the business-date
    calendar (seed nyse_business_dates): an activity or price dated after its
    last session has no business date to land on and would be missing from
    every daily mart without an error. A failing row names the input, its
    latest date and the calendar's last date; extend the seed with
    `python -m ledgerhouse.calendar_seed --end YYYY-MM-DD`.
#}
with

calendar as (
    select max(business_date) as last_business_date
    from {{ ref('nyse_business_dates') }}
),

activity as (
    select * from {{ ref('int_brokerage__activity_valid') }}
),

prices as (
    select * from {{ ref('int_brokerage__prices_current') }}
),

input_dates as (
    select
        'activity trade_date' as input_name,
        trade_date as input_date
    from activity
    union all
    select
        'activity settle_date' as input_name,
        settle_date as input_date
    from activity
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
