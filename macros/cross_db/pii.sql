{#
    pii_token(expr): the deterministic token of brokerage.md §8 —
    lower-case hex sha256 of (secret salt || value), identical on every target,
    null for a null value. The salt comes from the environment variable named
    by var('pii_salt_env_var') (default LEDGERHOUSE_PII_SALT); the fallback
    salt is for local sample data only and is documented as such.
#}
{% macro pii_salt() -%}
    {{- env_var(var('pii_salt_env_var', 'LEDGERHOUSE_PII_SALT'), 'ledgerhouse-sample-salt') -}}
{%- endmacro %}

{% macro pii_token(expr) -%}
    {{ return(adapter.dispatch('pii_token', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__pii_token(expr) -%}
    case when {{ expr }} is not null then encode(sha256(convert_to('{{ ledgerhouse.pii_salt() | replace("'", "''") }}' || {{ expr }}, 'UTF8')), 'hex') end
{%- endmacro %}

{% macro duckdb__pii_token(expr) -%}
    case when {{ expr }} is not null then sha256('{{ ledgerhouse.pii_salt() | replace("'", "''") }}' || {{ expr }}) end
{%- endmacro %}

{% macro spark__pii_token(expr) -%}
    case when {{ expr }} is not null then sha2(concat('{{ ledgerhouse.pii_salt() | replace("'", "''") }}', {{ expr }}), 256) end
{%- endmacro %}
