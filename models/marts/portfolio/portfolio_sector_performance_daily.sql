{{ config(materialized="view") }}
-- Sector performance per portfolio and business date: the sector's
-- previous-day weight, its contribution to the portfolio's return and its
-- own return (contribution / previous weight).
with

contribution as (
    select * from {{ ref('portfolio_contribution_daily') }}
    where line_type = 'security'
),

final as (
    select
        portfolio_id,
        business_date,
        sector,
        -- sums of doubles: rounded so the order of summation cannot show
        {{ ledgerhouse.portfolio_round_kpi('sum(previous_weight)') }} as previous_weight,
        {{ ledgerhouse.portfolio_round_kpi('sum(contribution)') }} as contribution,
        case
            when sum(previous_weight) <> 0
                then {{ ledgerhouse.portfolio_round_kpi('sum(contribution) / sum(previous_weight)') }}
        end as sector_return
    from contribution
    group by portfolio_id, business_date, sector
)

select * from final
