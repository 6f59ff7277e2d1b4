with

instruments as (
    select * from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

portfolios as (
    select * from {{ ref('int_portfolio__portfolios_checked') }}
    where is_valid
),

prices as (
    select * from {{ ref('int_portfolio__prices_checked') }}
    where is_valid
),

price_ranges as (
    select
        instrument_id,
        min(price_date) as first_price_date,
        max(price_date) as last_price_date
    from prices
    group by instrument_id
),

final as (
    select
        instruments.instrument_id,
        instruments.isin,
        instruments.instrument_name,
        instruments.asset_class,
        instruments.sector,
        instruments.industry,
        instruments.currency,
        instruments.instrument_id in (select portfolios.benchmark_id from portfolios) as is_benchmark,
        price_ranges.first_price_date,
        price_ranges.last_price_date
    from instruments
    left join price_ranges
        on instruments.instrument_id = price_ranges.instrument_id
)

select * from final
