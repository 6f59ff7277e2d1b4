with

source as (
    select * from {{ source('raw_brokerage', 'accounts') }}
),

renamed as (
    select
        firm,
        ledger,
        branch,
        base,
        acct_category,
        rr,
        us_citizenship,
        ny_resident,
        paper,
        intracct_eligible_type,
        {{ ledgerhouse.safe_cast_exact('intracct_min_amt', ledgerhouse.type_money()) }} as intracct_min_amt,
        intracct_min_amt as intracct_min_amt_raw,
        {{ ledgerhouse.safe_cast_date('account_closed_date') }} as account_closed_date,
        account_closed_date as account_closed_date_raw,
        holder_name,
        tax_id,
        email,
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
