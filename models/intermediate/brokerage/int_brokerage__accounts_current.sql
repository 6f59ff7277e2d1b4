with

accounts as (
    select * from {{ ref('stg_brokerage__accounts') }}
),

accepted as (
    select * from accounts
    where {{ ledgerhouse.brokerage_reference_row_ok('accounts') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by firm, ledger, branch, base
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
        acct_category,
        rr,
        us_citizenship,
        ny_resident,
        paper,
        intracct_eligible_type,
        intracct_min_amt,
        account_closed_date,
        {{ ledgerhouse.pii_token('holder_name') }} as holder_name_token,
        {{ ledgerhouse.pii_token('tax_id') }} as tax_id_token,
        {{ ledgerhouse.pii_token('email') }} as email_token,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
    where delivery_rank = 1
)

select * from final
