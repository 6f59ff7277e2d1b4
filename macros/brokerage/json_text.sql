{#
    json_text_object(fields): a JSON object as text, built in SQL so that the
    same row gives byte-identical text on every target (brokerage.md §4, the
    position.updated payload). `fields` is a list of [key, sql_expression,
    kind] with kind 'string' (quoted, \ and " escaped), 'date' (a date's
    ISO text, quoted; it has no character to escape, so no replace() is
    spent on it) or 'number' (the exact decimal's text, e.g. 10.000000). Keys keep the order given; null -> null.
    Numbers are written as the engine's text of an exact decimal/integer,
    which is the same on DuckDB and PostgreSQL (fixed scale, no exponent).
#}
{% macro json_text_object(fields) -%}
    {{ return(adapter.dispatch('json_text_object', 'ledgerhouse')(fields)) }}
{%- endmacro %}

{#- one concat() call, not a chain of ||: DuckDB builds the text once
    instead of once per operator (3-4x faster on a million rows); every
    argument is coalesced, so concat's null-as-empty rule never applies. -#}
{% macro default__json_text_object(fields) -%}
    concat(
        '{'
        {%- for field in fields %}
        , '{{ "," if not loop.first }}"{{ field[0] }}":'
        {%- if field[2] == 'number' %}
        , coalesce(cast({{ field[1] }} as {{ dbt.type_string() }}), 'null')
        {%- elif field[2] == 'date' %}
        , coalesce('"' || cast({{ field[1] }} as {{ dbt.type_string() }}) || '"', 'null')
        {%- else %}
        , coalesce('"' || replace(replace(cast({{ field[1] }} as {{ dbt.type_string() }}), '\', '\\'), '"', '\"') || '"', 'null')
        {%- endif %}
        {%- endfor %}
        , '}'
    )
{%- endmacro %}

{#- Spark: string literals take backslash escapes, so '\\' is one backslash. -#}
{% macro spark__json_text_object(fields) -%}
    concat(
        '{'
        {%- for field in fields %}
        , '{{ "," if not loop.first }}"{{ field[0] }}":'
        {%- if field[2] == 'number' %}
        , coalesce(cast({{ field[1] }} as string), 'null')
        {%- elif field[2] == 'date' %}
        , coalesce(concat('"', cast({{ field[1] }} as string), '"'), 'null')
        {%- else %}
        , coalesce(concat('"', replace(replace(cast({{ field[1] }} as string), '\\', '\\\\'), '"', '\\"'), '"'), 'null')
        {%- endif %}
        {%- endfor %}
        , '}'
    )
{%- endmacro %}
