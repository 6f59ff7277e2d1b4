{#
    brokerage_reference_checks(entity): the row checks of a brokerage
    reference file (accounts, securities, prices, opening_positions,
    opening_balances) as a list of {column, problem, failed} where `failed` is
    a SQL condition over the staging model's columns.

    A reference row that fails any check is quarantined: it is left out of the
    entity's current-state model (so an earlier, good delivery of the same key
    stays current, or the key is unknown) and listed, one row per failed
    check, in int_brokerage__reference_rejects. One list feeds both, so the
    two can never disagree. Rules:
      - every key column must be present (MISSING_KEY);
      - a typed column present but unparseable is UNPARSEABLE;
      - the values the marts compute with (dates and quantities of opening
        rows, price and price_date) are required (MISSING_VALUE).
#}
{% macro brokerage_reference_checks(entity) -%}
    {%- set spec = {
        'accounts': {
            'keys': ['firm', 'ledger', 'branch', 'base'],
            'typed': ['intracct_min_amt', 'account_closed_date'],
            'required': [],
        },
        'securities': {
            'keys': ['cusip'],
            'typed': ['strike_price', 'contract_size', 'exp_or_maturity_date'],
            'required': [],
        },
        'prices': {
            'keys': ['cusip'],
            'typed': ['price_date', 'price'],
            'required': ['price_date', 'price'],
        },
        'opening_positions': {
            'keys': ledgerhouse.position_key(),
            'typed': ['as_of_date', 'td_qty', 'sd_qty'],
            'required': ['as_of_date', 'td_qty', 'sd_qty'],
        },
        'opening_balances': {
            'keys': ledgerhouse.sub_account_key(),
            'typed': ['as_of_date', 'td_bal', 'sd_bal', 'sma'],
            'required': ['as_of_date', 'td_bal', 'sd_bal', 'sma'],
        },
    }[entity] -%}
    {%- set checks = [] -%}
    {%- for col in spec['keys'] -%}
        {%- do checks.append({'column': col, 'raw': col, 'problem': 'MISSING_KEY', 'failed': col ~ ' is null'}) -%}
    {%- endfor -%}
    {%- for col in spec['typed'] -%}
        {%- do checks.append({
            'column': col,
            'raw': col ~ '_raw',
            'problem': 'UNPARSEABLE',
            'failed': ledgerhouse.is_unparseable(col ~ '_raw', col),
        }) -%}
    {%- endfor -%}
    {%- for col in spec['required'] -%}
        {%- do checks.append({'column': col, 'raw': col ~ '_raw', 'problem': 'MISSING_VALUE', 'failed': col ~ '_raw is null'}) -%}
    {%- endfor -%}
    {{ return(checks) }}
{%- endmacro %}

{#- brokerage_reference_row_ok(entity): SQL condition, true when the row passes every check -#}
{% macro brokerage_reference_row_ok(entity) -%}
    not (
        {%- for check in ledgerhouse.brokerage_reference_checks(entity) %}
        {{ 'or ' if not loop.first }}({{ check.failed }})
        {%- endfor %}
    )
{%- endmacro %}
