{#
    iso_day_of_week(expr): ISO day of the week of a date, Monday = 1 …
    Sunday = 7, on every target (PostgreSQL's and DuckDB's `dow` count from
    Sunday = 0, Spark's from Sunday = 1; each names the ISO field differently).
#}
{% macro iso_day_of_week(expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expr) -%}
    extract(isodow from {{ expr }})
{%- endmacro %}

{% macro spark__iso_day_of_week(expr) -%}
    extract(dayofweek_iso from {{ expr }})
{%- endmacro %}
