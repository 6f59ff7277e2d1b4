{#
    One row per raw activity row with one boolean per validation rule of
    brokerage.md §3 (e001_… to e008_…, plus the extensions e009_… and e010_…) and
    has_error. int_brokerage__activity_valid keeps the rows without an error;
    activity_errors turns every true flag into an error row.

    Incremental (delete+insert on _batch_id, _line_number; a table on Spark,
    see macros/brokerage/activity_checks_config.sql):
    - new raw rows are those loaded after the newest row already checked
      (the loader's _loaded_at strictly increases per file load, so every new
      row is later than every checked one). Their E001 looks at the checked
      rows with the same activity_id as well as at each other.
    - checked rows are re-judged against the current reference data when it
      may have changed: rows of an account key or cusip with an accounts or
      securities row loaded after the newest checked activity row, and every
      row when the rules the checks read (bookkeeping_rules key codes,
      product_definitions fractions switches; fingerprint _rules_fingerprint)
      differ from the ones the table was written with. Of those, only rows
      whose verdict or looked-up values changed are rewritten (all rows after
      a rules change, so the table carries one fingerprint).
    - E001, E005, E007, E008, E009 and E010 depend on the row alone (and on earlier
      rows, which never change), so a checked row keeps them.
    A full refresh gives the same table (tested).
#}

{%- set activity_columns = [
    'activity_id', 'firm', 'ledger', 'branch', 'base', 'sub_acct_key', 'cusip', 'maxx_key_code',
    'quantity', 'quantity_raw', 'amount', 'amount_raw', 'trade_date', 'trade_date_raw',
    'settle_date', 'settle_date_raw', 'entry_seq', 'entry_seq_raw', 'entry_ts', 'entry_ts_raw',
    '_batch_id', '_source_file', '_line_number', '_file_sha256', '_loaded_at',
] %}

{{ config(**ledgerhouse.activity_checks_config()) }}

-- depends_on: {{ ref('stg_brokerage__accounts') }}
-- depends_on: {{ ref('stg_brokerage__securities') }}
with

activity as (
    select * from {{ ref('stg_brokerage__activity') }}
    {%- if is_incremental() %}
    where
        _loaded_at > (
            select coalesce(max(checked_rows._loaded_at), cast('1900-01-01' as timestamp)) as watermark
            from {{ this }} as checked_rows
        )
    {%- endif %}
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

-- the seed values the checks read, as one fingerprint
key_codes as (
    select {{ dbt.listagg('maxx_key_code', "','", 'order by maxx_key_code') }} as codes
    from bookkeeping_rules
),

fraction_rules as (
    select {{ dbt.listagg("prodline || '=' || fractions_allowed_sw", "','", 'order by prodline') }} as rules
    from product_definitions
),

rules_fingerprint as (
    select
        md5(
            coalesce(key_codes.codes, '') || '|' || coalesce(fraction_rules.rules, '')
        ) as fingerprint
    from key_codes
    cross join fraction_rules
),

{% if is_incremental() -%}
previous_run as (
    select
        coalesce(max(_loaded_at), cast('1900-01-01' as timestamp)) as watermark,
        max(_rules_fingerprint) as max_fingerprint,
        min(_rules_fingerprint) as min_fingerprint
    from {{ this }}
),

rules_changed as (
    select
        coalesce(
            previous_run.max_fingerprint <> rules_fingerprint.fingerprint
            or previous_run.min_fingerprint <> rules_fingerprint.fingerprint,
            false
        ) as is_changed
    from previous_run
    cross join rules_fingerprint
),

changed_accounts as (
    select distinct
        firm,
        ledger,
        branch,
        base
    from {{ ref('stg_brokerage__accounts') }}
    where _loaded_at > (select previous_run.watermark from previous_run)
),

changed_cusips as (
    select distinct cusip
    from {{ ref('stg_brokerage__securities') }}
    where _loaded_at > (select previous_run.watermark from previous_run)
),

-- Three disjoint parts, each a join that finds nothing without a change (so
-- a run with no reference change does not read every checked row; one
-- filter with `or` over all rows did, about 1 s at 10 M rows): every row
-- after a rules change, else the rows of a changed account, else the rows
-- of a changed cusip whose account did not change.
rows_to_rejudge as (
    select checked_rows.*
    from {{ this }} as checked_rows
    inner join rules_changed
        on rules_changed.is_changed

    union all

    select checked_rows.*
    from {{ this }} as checked_rows
    inner join changed_accounts
        on
            checked_rows.firm = changed_accounts.firm
            and checked_rows.ledger = changed_accounts.ledger
            and checked_rows.branch = changed_accounts.branch
            and checked_rows.base = changed_accounts.base
    where not (select rules_changed.is_changed from rules_changed)

    union all

    select checked_rows.*
    from {{ this }} as checked_rows
    inner join changed_cusips
        on checked_rows.cusip = changed_cusips.cusip
    where
        not (select rules_changed.is_changed from rules_changed)
        and not exists (
            select 1 as found
            from changed_accounts
            where
                checked_rows.firm = changed_accounts.firm
                and checked_rows.ledger = changed_accounts.ledger
                and checked_rows.branch = changed_accounts.branch
                and checked_rows.base = changed_accounts.base
        )
),

{% endif -%}
-- the rows whose activity_id can make a new row a duplicate
id_rows as (
    select
        activity_id,
        _batch_id,
        _line_number,
        _source_file,
        _loaded_at
    from activity
    where activity_id is not null
    {%- if is_incremental() %}
    union all
    select
        activity_id,
        _batch_id,
        _line_number,
        _source_file,
        _loaded_at
    from {{ this }}
    where activity_id in (select new_ids.activity_id from activity as new_ids)
    {%- endif %}
),

-- E001 only concerns ids that occur more than once: find those with a hash
-- aggregate, then order just their rows (a window over every row would sort
-- the whole table). Load order: loaded first, then lower line number (file
-- and batch only break ties that the loader's strictly increasing _loaded_at
-- never produces).
repeated_ids as (
    select activity_id
    from id_rows
    group by activity_id
    having count(*) > 1
),

repeated_rows_in_load_order as (
    select
        id_rows.activity_id,
        id_rows._batch_id,
        id_rows._line_number,
        id_rows._source_file,
        row_number() over (
            partition by id_rows.activity_id
            order by id_rows._loaded_at, id_rows._line_number, id_rows._source_file, id_rows._batch_id
        ) as occurrence
    from id_rows
    inner join repeated_ids
        on id_rows.activity_id = repeated_ids.activity_id
),

first_occurrences as (
    select
        activity_id,
        _batch_id as first_batch_id,
        _line_number as first_line_number,
        _source_file as first_source_file
    from repeated_rows_in_load_order
    where occurrence = 1
),

new_rows_e001 as (
    select
        activity.*,
        first_occurrences.first_source_file,
        first_occurrences.first_line_number,
        coalesce(
            first_occurrences.first_batch_id is not null
            and not (
                activity._batch_id = first_occurrences.first_batch_id
                and activity._line_number = first_occurrences.first_line_number
            ),
            false
        ) as e001_duplicate_activity_id
    from activity
    left join first_occurrences
        on activity.activity_id = first_occurrences.activity_id
),

new_rows as (
    select
        {%- for column in activity_columns %}
        {{ column }},
        {%- endfor %}
        -- set on the duplicates only: the first row itself never changes
        -- when a later duplicate arrives
        case when e001_duplicate_activity_id then first_source_file end as first_source_file,
        case when e001_duplicate_activity_id then first_line_number end as first_line_number,
        e001_duplicate_activity_id,
        true as is_new_row,
        cast(null as boolean) as previous_e002_unknown_key_code,
        cast(null as boolean) as previous_e003_unknown_account,
        cast(null as boolean) as previous_e004_account_closed,
        cast(null as boolean) as previous_e006_fractional_qty_not_allowed,
        cast(null as date) as previous_account_closed_date,
        cast(null as {{ dbt.type_string() }}) as previous_product_line,
        cast(null as {{ dbt.type_string() }}) as previous_fractions_allowed_sw
    from new_rows_e001
),

candidate_rows as (
    select * from new_rows
    {%- if is_incremental() %}
    union all
    select
        {%- for column in activity_columns %}
        {{ column }},
        {%- endfor %}
        first_source_file,
        first_line_number,
        e001_duplicate_activity_id,
        false as is_new_row,
        e002_unknown_key_code as previous_e002_unknown_key_code,
        e003_unknown_account as previous_e003_unknown_account,
        e004_account_closed as previous_e004_account_closed,
        e006_fractional_qty_not_allowed as previous_e006_fractional_qty_not_allowed,
        account_closed_date as previous_account_closed_date,
        product_line as previous_product_line,
        fractions_allowed_sw as previous_fractions_allowed_sw
    from rows_to_rejudge
    {%- endif %}
),

-- the check digit is computed once per distinct cusip, not once per row
cusip_validity as (
    select
        cusip,
        {{ ledgerhouse.cusip_is_valid('cusip') }} as cusip_valid
    from (
        select distinct cusip
        from candidate_rows
        where cusip is not null
    ) as distinct_cusips
),

joined as (
    select
        candidate_rows.*,
        bookkeeping_rules.maxx_key_code is not null as key_code_found,
        accounts.firm is not null as account_found,
        accounts.account_closed_date,
        securities.product_line,
        product_definitions.fractions_allowed_sw,
        cusip_validity.cusip_valid
    from candidate_rows
    left join bookkeeping_rules
        on candidate_rows.maxx_key_code = bookkeeping_rules.maxx_key_code
    left join accounts
        on
            candidate_rows.firm = accounts.firm
            and candidate_rows.ledger = accounts.ledger
            and candidate_rows.branch = accounts.branch
            and candidate_rows.base = accounts.base
    left join cusip_validity
        on candidate_rows.cusip = cusip_validity.cusip
    left join securities
        on candidate_rows.cusip = securities.cusip
    left join product_definitions
        on securities.product_line = product_definitions.prodline
),

checked as (
    select
        *,
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
        (cusip is not null and not cusip_valid) as e008_invalid_cusip,
        activity_id is null as e009_missing_activity_id,
        sub_acct_key is null as e010_missing_sub_acct_key
    from joined
),

-- new rows, and checked rows whose reference-dependent verdict or looked-up
-- values changed since they were last written
changed as (
    select * from checked
    where
        is_new_row
        {%- if is_incremental() %}
        or (select rules_changed.is_changed from rules_changed)
        {%- endif %}
        or e002_unknown_key_code <> previous_e002_unknown_key_code
        or e003_unknown_account <> previous_e003_unknown_account
        or e004_account_closed <> previous_e004_account_closed
        or e006_fractional_qty_not_allowed <> previous_e006_fractional_qty_not_allowed
        or account_closed_date is distinct from previous_account_closed_date
        or product_line is distinct from previous_product_line
        or fractions_allowed_sw is distinct from previous_fractions_allowed_sw
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
        e010_missing_sub_acct_key,
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
            or e010_missing_sub_acct_key
        ) as has_error,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at,
        (select rules_fingerprint.fingerprint from rules_fingerprint) as _rules_fingerprint
    from changed
)

select * from final
