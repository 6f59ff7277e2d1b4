{% snapshot snp_brokerage__accounts %}
-- SCD2 history of int_brokerage__accounts_current (config and tests in
-- _brokerage__snapshots.yml; every column of the current state, whose
-- business columns are the check_cols there); disabled where the target cannot merge into
-- the snapshot table (macros/cross_db/snapshots.sql).
{{ config(enabled=ledgerhouse.snapshots_supported()) }}

select * from {{ ref('int_brokerage__accounts_current') }}

{% endsnapshot %}
