-- The current security master: the current version of each security in its
-- delivery history (spec §1: the latest delivery is current).
with

history as (
    select * from {{ ref('int_brokerage__securities_history') }}
),

final as (
    select
        cusip,
        uls,
        product_line,
        description,
        strike_price,
        contract_size,
        exp_or_maturity_date,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from history
    where valid_to is null
)

select * from final
