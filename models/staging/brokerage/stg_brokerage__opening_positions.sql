with

source as (
    select * from {{ source('raw_brokerage', 'opening_positions') }}
),

renamed as (
    select
        {{ ledgerhouse.safe_cast_date('as_of_date') }} as as_of_date,
        as_of_date as as_of_date_raw,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        {{ ledgerhouse.safe_cast_exact('td_qty', ledgerhouse.type_quantity()) }} as td_qty,
        td_qty as td_qty_raw,
        {{ ledgerhouse.safe_cast_exact('sd_qty', ledgerhouse.type_quantity()) }} as sd_qty,
        sd_qty as sd_qty_raw,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
