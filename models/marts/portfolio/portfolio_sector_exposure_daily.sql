{{ config(materialized="view") }}
-- Sector exposure per portfolio and business date: market value of the
-- sector's positions in base currency and its percentage of portfolio_value.
with

positions as (
    select * from {{ ref('fact_portfolio_position_daily') }}
),

performance as (
    select * from {{ ref('fact_portfolio_performance_daily') }}
),

securities as (
    select * from {{ ref('dim_security') }}
),

by_sector as (
    select
        positions.portfolio_id,
        positions.business_date,
        securities.sector,
        count(*) as position_count,
        sum(positions.market_value_base) as market_value_base
    from positions
    inner join securities
        on positions.instrument_id = securities.instrument_id
    group by positions.portfolio_id, positions.business_date, securities.sector
),

final as (
    select
        by_sector.portfolio_id,
        by_sector.business_date,
        by_sector.sector,
        by_sector.position_count,
        cast(by_sector.market_value_base as {{ ledgerhouse.type_money() }}) as market_value_base,
        {{ ledgerhouse.divide_round('by_sector.market_value_base * 100', 'performance.portfolio_value', 6) }}
            as exposure_pct
    from by_sector
    inner join performance
        on
            by_sector.portfolio_id = performance.portfolio_id
            and by_sector.business_date = performance.business_date
)

select * from final
