with

source as (
    select * from {{ source('raw_brokerage', 'opening_balances') }}
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
        {{ ledgerhouse.safe_cast_exact('td_bal', ledgerhouse.type_money()) }} as td_bal,
        td_bal as td_bal_raw,
        {{ ledgerhouse.safe_cast_exact('sd_bal', ledgerhouse.type_money()) }} as sd_bal,
        sd_bal as sd_bal_raw,
        {{ ledgerhouse.safe_cast_exact('sma', ledgerhouse.type_money()) }} as sma,
        sma as sma_raw,
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
