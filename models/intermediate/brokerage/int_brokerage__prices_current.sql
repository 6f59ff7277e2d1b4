with

prices as (
    select * from {{ ref('stg_brokerage__prices') }}
),

accepted as (
    select * from prices
    where {{ ledgerhouse.brokerage_reference_row_ok('prices') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by cusip, price_date
            order by _loaded_at desc, _line_number desc, _batch_id desc
        ) as delivery_rank
    from accepted
),

final as (
    select
        cusip,
        price_date,
        price,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
    where delivery_rank = 1
)

select * from final
