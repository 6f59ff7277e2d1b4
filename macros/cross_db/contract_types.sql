{#
    Contract data types on Spark. Model ymls write contract types in the
    portable spelling that DuckDB and PostgreSQL both accept (text,
    numeric(p,s), double precision, bigint, date, timestamp). dbt checks a
    contract by casting null to each declared type (get_empty_schema_sql);
    Spark has no `text` or `double precision`, so on Spark the declared type
    is translated to Spark's name for the same type before that cast.
    numeric(p,s), bigint, integer, boolean, date and timestamp are Spark
    types as written. Dispatch finds this root-project macro before the
    adapter's.
#}
{% macro spark_contract_type(data_type) -%}
    {%- set normalized = data_type | trim | lower -%}
    {%- set spark_names = {'text': 'string', 'double precision': 'double'} -%}
    {{- spark_names.get(normalized, data_type) -}}
{%- endmacro %}

{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = {} -%}
        {%- do column.update(columns[name]) -%}
        {%- if column.get('data_type') is not none -%}
            {%- do column.update({'data_type': ledgerhouse.spark_contract_type(column['data_type'])}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(default__get_empty_schema_sql(translated)) }}
{%- endmacro %}
