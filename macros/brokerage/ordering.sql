{#
    binary_order(expr): order text by its bytes on every target, so a text
    tie-breaker (activity_id) sorts the same way on DuckDB, PostgreSQL (whose
    default collation may be a locale's) and Spark.
#}
{% macro binary_order(expr) -%}
    {{ return(adapter.dispatch('binary_order', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__binary_order(expr) -%}
    {{ expr }} collate "C"
{%- endmacro %}

{% macro duckdb__binary_order(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro spark__binary_order(expr) -%}
    {{ expr }}
{%- endmacro %}
