with

business_dates as (
    select business_date from {{ ref('portfolio_business_dates') }}
),

neighbours as (
    select
        business_date,
        lag(business_date) over (order by business_date) as previous_business_date,
        lead(business_date) over (order by business_date) as next_business_date
    from business_dates
),

final as (
    select
        business_date,
        cast(extract(year from business_date) as integer) as calendar_year,
        cast(extract(quarter from business_date) as integer) as calendar_quarter,
        cast(extract(month from business_date) as integer) as calendar_month,
        -- 0 = Sunday ... 6 = Saturday (ISO day mod 7: the same on every engine)
        cast(mod({{ ledgerhouse.iso_day_of_week('business_date') }}, 7) as integer) as day_of_week,
        previous_business_date,
        next_business_date,
        coalesce(
            extract(month from next_business_date) <> extract(month from business_date), false
        ) as is_month_end,
        coalesce(
            extract(year from next_business_date) <> extract(year from business_date), false
        ) as is_year_end
    from neighbours
)

select * from final
