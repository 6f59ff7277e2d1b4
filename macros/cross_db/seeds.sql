{#
    Seeds on Spark. dbt-spark's session method binds seed values by wrapping
    each one in quotes without escaping (an apostrophe in a description
    breaks the insert), turns decimals into floats, and writes a missing
    value as the text 'None'. This override writes every value as an escaped
    string literal cast to the column's type (exact for decimals, null for an
    empty cell), with no bindings at all. Other targets keep dbt's own
    load_csv_rows.
#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set types = [] %}
    {% for col_name in agate_table.column_names %}
        {% set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) %}
        {#- Spark casts to char/varchar as string (with a warning); the table column keeps the length check -#}
        {% do types.append('string' if (type | lower).startswith(('varchar', 'char')) else type) %}
    {% endfor %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                (
                {%- for value in row -%}
                    cast({{ ledgerhouse.spark_seed_literal(value) }} as {{ types[loop.index0] }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {% endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0]) }}
{% endmacro %}
