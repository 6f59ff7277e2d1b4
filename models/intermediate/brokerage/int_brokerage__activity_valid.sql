with

activity_checks as (
    select * from {{ ref('int_brokerage__activity_checks') }}
),

final as (
    select
        activity_id,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        maxx_key_code,
        quantity,
        amount,
        trade_date,
        settle_date,
        entry_seq,
        entry_ts,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from activity_checks
    where not has_error
)

select * from final
