-- One row per price (cusip, price_date) with the range of days it is the
-- latest price for: it is the price of every day d with
-- price_date <= d < next_price_date. prior_price is the price before it, so
-- the previous price of day d (latest price_date < d) is this row's price
-- when price_date < d, and prior_price when price_date = d (brokerage.md §6).
with

prices as (
    select * from {{ ref('int_brokerage__prices_current') }}
),

final as (
    select
        cusip,
        price_date,
        cast(price as {{ ledgerhouse.type_price() }}) as price,
        cast(lag(price) over (partition by cusip order by price_date) as {{ ledgerhouse.type_price() }}) as prior_price,
        coalesce(
            lead(price_date) over (partition by cusip order by price_date),
            cast('9999-12-31' as date)
        ) as next_price_date
    from prices
)

select * from final
