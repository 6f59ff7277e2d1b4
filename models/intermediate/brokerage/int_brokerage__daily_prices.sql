-- One row per cusip and business date of the daily marts on which the cusip
-- has a price (brokerage.md §6): price = the latest price with
-- price_date <= d, prev_price = the latest with price_date < d. Built on the
-- small calendar × price table, so market_values joins it on equal keys
-- (cusip, business_date) instead of a range join per position-day.
with

price_history as (
    select * from {{ ref('int_brokerage__price_history') }}
),

business_dates as (
    select * from {{ ref('int_brokerage__business_dates') }}
),

final as (
    select
        business_dates.business_date,
        price_history.cusip,
        price_history.price_date,
        price_history.price,
        cast(
            case
                when price_history.price_date < business_dates.business_date then price_history.price
                else price_history.prior_price
            end
            as {{ ledgerhouse.type_price() }}
        ) as prev_price
    from price_history
    inner join business_dates
        on
            price_history.price_date <= business_dates.business_date
            and price_history.next_price_date > business_dates.business_date
)

select * from final
