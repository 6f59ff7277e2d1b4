{#
    snapshots_supported(): whether dbt snapshots can run on the target.
    A snapshot merges new versions into the existing table; on Spark that
    needs a table format with MERGE (Delta, Iceberg, Hudi), and this
    warehouse's Spark tables are plain parquet, so there the snapshots are
    disabled by configuration (`enabled` of every snapshot) and a build
    skips them instead of failing (docs/brokerage.md, Spark).
#}
{% macro snapshots_supported() -%}
    {{ return(adapter.dispatch('snapshots_supported', 'ledgerhouse')()) }}
{%- endmacro %}

{% macro default__snapshots_supported() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__snapshots_supported() -%}
    {{ return(false) }}
{%- endmacro %}
