{#
    spark__escape_single_quotes: dbt's escaping of a text value into a Spark
    string literal (unit-test fixtures use it). dbt-spark's version escapes
    only the quote, but Spark literals also read backslash escapes, so a
    fixture value 'Q"1\x' arrived as 'Q"1x'. Backslashes are doubled first.
#}
{% macro spark__escape_single_quotes(expression) -%}
{{ expression | replace("\\", "\\\\") | replace("'", "\\'") }}
{%- endmacro %}
