-- One row per instrument and business date from its first valid price to
-- the as-of date: the latest close on or before the date (spec §3), the
-- adj_close return (benchmark_return) and the total return from close,
-- div_cash and split_factor (contribution). div_cash and split_factor count
-- on their own date only (0 and 1 on carried-forward days).
with

prices as (
    select * from {{ ref('int_portfolio__prices_checked') }}
    where is_valid
),

business_dates as (
    select business_date from {{ ref('portfolio_business_dates') }}
    where business_date <= {{ ledgerhouse.portfolio_as_of_date() }}
),

with_next as (
    select
        *,
        lead(price_date) over (
            partition by instrument_id
            order by price_date
        ) as next_price_date
    from prices
),

expanded as (
    select
        with_next.instrument_id,
        business_dates.business_date,
        with_next.price_date,
        with_next.open_price,
        with_next.high_price,
        with_next.low_price,
        with_next.close_price,
        with_next.volume,
        with_next.adj_close,
        case
            when with_next.price_date = business_dates.business_date then with_next.split_factor else 1
        end as split_factor,
        case
            when with_next.price_date = business_dates.business_date then with_next.div_cash else 0
        end as div_cash
    from with_next
    inner join business_dates
        on
            with_next.price_date <= business_dates.business_date
            and (
                with_next.next_price_date is null
                or with_next.next_price_date > business_dates.business_date
            )
),

with_previous as (
    select
        *,
        lag(close_price) over (
            partition by instrument_id
            order by business_date
        ) as previous_close_price,
        lag(adj_close) over (
            partition by instrument_id
            order by business_date
        ) as previous_adj_close
    from expanded
),

final as (
    select
        instrument_id,
        business_date,
        price_date,
        price_date < business_date as is_carried_forward,
        open_price,
        high_price,
        low_price,
        close_price,
        volume,
        adj_close,
        div_cash,
        split_factor,
        previous_close_price,
        {{ ledgerhouse.portfolio_ratio_minus_one('adj_close', 'previous_adj_close') }} as daily_return,
        -- a split on the date: the previous close in post-split units is close / split_factor
        {{ ledgerhouse.portfolio_ratio_minus_one('(close_price + div_cash) * split_factor', 'previous_close_price') }}
            as total_return_local
    from with_previous
)

select * from final
