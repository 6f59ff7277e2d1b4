with

opening_positions as (
    select * from {{ ref('stg_brokerage__opening_positions') }}
),

accepted as (
    select * from opening_positions
    where {{ ledgerhouse.brokerage_reference_row_ok('opening_positions') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by firm, ledger, branch, base, sub_acct_key, cusip
            order by _loaded_at desc, _line_number desc, _batch_id desc
        ) as delivery_rank
    from accepted
),

final as (
    select
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        as_of_date,
        td_qty,
        sd_qty,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
    where delivery_rank = 1
)

select * from final
