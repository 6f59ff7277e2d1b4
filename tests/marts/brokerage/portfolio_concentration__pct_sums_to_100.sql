-- Within an acct_category and business date with a non-zero total, the
-- cusip_conc_pct values add up to 100 up to their rounding (each is rounded
-- to 4 decimals, so the sum is within 0.00005 × the number of cusips).
with

totals as (
    select
        business_date,
        acct_category,
        sum(cusip_conc_pct) as pct_sum,
        count(*) as n_cusips
    from {{ ref('portfolio_concentration') }}
    where category_market_val > 0
    group by business_date, acct_category
)

select * from totals
where abs(pct_sum - 100) > 0.00005 * n_cusips
