-- The business dates the daily marts are built for: every NYSE business
-- date (nyse_business_dates seed) from first_date to as_of_date.
with

calendar as (
    select * from {{ ref('nyse_business_dates') }}
),

bounds as (
    select * from {{ ref('int_brokerage__daily_bounds') }}
),

final as (
    select calendar.business_date
    from calendar
    inner join bounds
        on
            calendar.business_date >= bounds.first_date
            and calendar.business_date <= bounds.as_of_date
)

select * from final
