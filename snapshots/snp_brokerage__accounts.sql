{% snapshot snp_brokerage__accounts %}
-- SCD2 history of int_brokerage__accounts_current (config and tests in
-- _brokerage__snapshots.yml); disabled where the target cannot merge into
-- the snapshot table (macros/cross_db/snapshots.sql).
{{ config(enabled=ledgerhouse.snapshots_supported()) }}

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
from {{ ref('int_brokerage__accounts_current') }}

{% endsnapshot %}
