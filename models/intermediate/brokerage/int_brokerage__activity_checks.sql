{#
    One row per raw activity row with one boolean per validation rule of
    brokerage.md §3 (e001_… to e008_…, plus the extension e009_…) and
    has_error. int_brokerage__activity_valid keeps the rows without an error;
    activity_errors turns every true flag into an error row. Materialized as a
    table: the E001 window and the reference joins run once per build.
#}

with

activity as (
    select * from {{ ref('stg_brokerage__activity') }}
),

bookkeeping_rules as (
    select * from {{ ref('bookkeeping_rules') }}
),

accounts as (
    select * from {{ ref('int_brokerage__accounts_current') }}
),

securities as (
    select * from {{ ref('int_brokerage__securities_current') }}
),

product_definitions as (
    select * from {{ ref('product_definitions') }}
),

-- load order: loaded first, then lower line number (file and batch only break
-- ties that the loader's strictly increasing _loaded_at never produces)
load_order as (
    select
        *,
        row_number() over (
            partition by activity_id
            order by _loaded_at, _line_number, _source_file, _batch_id
        ) as activity_id_occurrence,
        first_value(_source_file) over (
            partition by activity_id
            order by _loaded_at, _line_number, _source_file, _batch_id
            rows between unbounded preceding and unbounded following
        ) as first_source_file,
        first_value(_line_number) over (
            partition by activity_id
            order by _loaded_at, _line_number, _source_file, _batch_id
            rows between unbounded preceding and unbounded following
        ) as first_line_number
    from activity
),

joined as (
    select
        load_order.*,
        bookkeeping_rules.maxx_key_code is not null as key_code_found,
        accounts.firm is not null as account_found,
        accounts.account_closed_date,
        securities.product_line,
        product_definitions.fractions_allowed_sw
    from load_order
    left join bookkeeping_rules
        on load_order.maxx_key_code = bookkeeping_rules.maxx_key_code
    left join accounts
        on
            load_order.firm = accounts.firm
            and load_order.ledger = accounts.ledger
            and load_order.branch = accounts.branch
            and load_order.base = accounts.base
    left join securities
        on load_order.cusip = securities.cusip
    left join product_definitions
        on securities.product_line = product_definitions.prodline
),

checked as (
    select
        *,
        (activity_id is not null and activity_id_occurrence > 1) as e001_duplicate_activity_id,
        not key_code_found as e002_unknown_key_code,
        not account_found as e003_unknown_account,
        coalesce(trade_date > account_closed_date, false) as e004_account_closed,
        (
            trade_date is null
            or settle_date is null
            or settle_date < trade_date
        ) as e005_invalid_dates,
        coalesce(
            fractions_allowed_sw = 'N' and quantity <> floor(quantity),
            false
        ) as e006_fractional_qty_not_allowed,
        (
            {{ ledgerhouse.is_unparseable('quantity_raw', 'quantity') }}
            or {{ ledgerhouse.is_unparseable('amount_raw', 'amount') }}
            or {{ ledgerhouse.is_unparseable('entry_seq_raw', 'entry_seq') }}
        ) as e007_unparseable_number,
        (cusip is not null and not {{ ledgerhouse.cusip_is_valid('cusip') }}) as e008_invalid_cusip,
        activity_id is null as e009_missing_activity_id
    from joined
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
        quantity_raw,
        amount,
        amount_raw,
        trade_date,
        trade_date_raw,
        settle_date,
        settle_date_raw,
        entry_seq,
        entry_seq_raw,
        entry_ts,
        entry_ts_raw,
        activity_id_occurrence,
        first_source_file,
        first_line_number,
        account_closed_date,
        product_line,
        fractions_allowed_sw,
        e001_duplicate_activity_id,
        e002_unknown_key_code,
        e003_unknown_account,
        e004_account_closed,
        e005_invalid_dates,
        e006_fractional_qty_not_allowed,
        e007_unparseable_number,
        e008_invalid_cusip,
        e009_missing_activity_id,
        (
            e001_duplicate_activity_id
            or e002_unknown_key_code
            or e003_unknown_account
            or e004_account_closed
            or e005_invalid_dates
            or e006_fractional_qty_not_allowed
            or e007_unparseable_number
            or e008_invalid_cusip
            or e009_missing_activity_id
        ) as has_error,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at
    from checked
)

select * from final
