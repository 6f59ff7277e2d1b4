{#
    timestamp_add(datepart, interval, expr): expr + interval dateparts as a
    timestamp; null for a null expr. dbt.dateadd elsewhere. On Spark,
    dbt-spark's dateadd goes through unix seconds (dropping microseconds) and
    asserts its argument is not null (a null, e.g. max() of an empty table,
    raises instead of giving null), so Spark uses timestampadd, which keeps
    microseconds and passes null through.
#}
{% macro timestamp_add(datepart, interval, expr) -%}
    {{ return(adapter.dispatch('timestamp_add', 'ledgerhouse')(datepart, interval, expr)) }}
{%- endmacro %}

{% macro default__timestamp_add(datepart, interval, expr) -%}
    {{ dbt.dateadd(datepart, interval, expr) }}
{%- endmacro %}

{% macro spark__timestamp_add(datepart, interval, expr) -%}
    timestampadd({{ datepart }}, {{ interval }}, cast({{ expr }} as timestamp))
{%- endmacro %}
