-- Stock splits (split_factor of a valid price row, prices file or Tiingo;
-- 2 = a 2-for-1 split) as date intervals per instrument: a quantity dated in
-- [valid_from, valid_to) times factor_to_latest is that quantity in the units
-- after the instrument's latest split. A split takes effect on its price
-- date: a trade on that date is already in post-split units. Dates on or
-- after the latest split have no row (factor 1).
with

splits as (
    select
        instrument_id,
        price_date as split_date,
        split_factor
    from {{ ref('int_portfolio__prices_checked') }}
    where is_valid and split_factor <> 1
),

cumulated as (
    select
        instrument_id,
        split_date,
        split_factor,
        lag(split_date) over (
            partition by instrument_id
            order by split_date
        ) as previous_split_date,
        -- the product of this and every later split, as a sum of logarithms
        sum(ln(cast(split_factor as {{ ledgerhouse.portfolio_type_double() }}))) over (
            partition by instrument_id
            order by split_date
            rows between current row and unbounded following
        ) as log_factor_to_latest
    from splits
),

final as (
    select
        instrument_id,
        coalesce(previous_split_date, cast('1900-01-01' as date)) as valid_from,
        split_date as valid_to,
        split_factor,
        {{ ledgerhouse.portfolio_split_factor_from_log('log_factor_to_latest') }} as factor_to_latest
    from cumulated
)

select * from final
