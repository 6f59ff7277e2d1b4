with

securities as (
    select * from {{ ref('stg_brokerage__securities') }}
),

accepted as (
    select * from securities
    where {{ ledgerhouse.brokerage_reference_row_ok('securities') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by cusip
            order by _loaded_at desc, _line_number desc, _batch_id desc
        ) as delivery_rank
    from accepted
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
    from ranked
    where delivery_rank = 1
)

select * from final
