{% snapshot snp_brokerage__securities %}
-- SCD2 history of int_brokerage__securities_current (config and tests in
-- _brokerage__snapshots.yml); disabled where the target cannot merge into
-- the snapshot table (macros/cross_db/snapshots.sql).
{{ config(enabled=ledgerhouse.snapshots_supported()) }}

select
    cusip,
    uls,
    product_line,
    description,
    strike_price,
    contract_size,
    exp_or_maturity_date,
    _batch_id,
    _source_file,
    _line_number,
    _loaded_at
from {{ ref('int_brokerage__securities_current') }}

{% endsnapshot %}
