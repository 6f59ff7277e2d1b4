{#
    pii_token(expr): the deterministic token of brokerage.md §8 —
    lower-case hex sha256 of (secret salt || value), identical on every target,
    null for a null value.

    The salt is read at run time from the one-row table raw_meta.pii_salt,
    which `ledgerhouse load` writes from the environment variable
    LEDGERHOUSE_PII_SALT (the public sample salt when it is unset) and which
    PostgreSQL restricts (`revoke all ... from public`; ledgerhouse/pii.py).
    So compiled SQL, manifest.json, run_results.json and dbt's logs name the
    table, never the salt (DECISIONLOG "PII salt").

    var('pii_sample_salt') true uses the public sample salt instead: for unit
    tests only (their fixtures stand in for refs and sources, not for this
    table).
#}
{% macro pii_salt() -%}
    {%- if var('pii_sample_salt', false) -%}
        'ledgerhouse-sample-salt'
    {%- else -%}
        (select pii_salt.salt from raw_meta.pii_salt)
    {%- endif -%}
{%- endmacro %}

{% macro pii_token(expr) -%}
    {{ return(adapter.dispatch('pii_token', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__pii_token(expr) -%}
    case when {{ expr }} is not null then encode(sha256(convert_to({{ ledgerhouse.pii_salt() }} || {{ expr }}, 'UTF8')), 'hex') end
{%- endmacro %}

{% macro duckdb__pii_token(expr) -%}
    case when {{ expr }} is not null then sha256({{ ledgerhouse.pii_salt() }} || {{ expr }}) end
{%- endmacro %}

{% macro spark__pii_token(expr) -%}
    case when {{ expr }} is not null then sha2(concat({{ ledgerhouse.pii_salt() }}, {{ expr }}), 256) end
{%- endmacro %}
