-- The current account master: the current version of each account in its
-- delivery history (spec §1: the latest delivery is current).
with

history as (
    select * from {{ ref('int_brokerage__accounts_history') }}
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
        holder_name_token,
        tax_id_token,
        email_token,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from history
    where valid_to is null
)

select * from final
