{#
    json_text_object(fields): a JSON object as text, built in SQL so that the
    same row gives byte-identical text on every target (brokerage.md §4, the
    position.updated payload). `fields` is a list of [key, sql_expression,
    kind] with kind 'string' (quoted and escaped, below), 'date' (a date's
    ISO text, quoted; it has no character to escape, so no replace() is
    spent on it) or 'number' (the exact decimal's text, e.g. 10.000000).
    Keys keep the order given; null -> null.
    Numbers are written as the engine's text of an exact decimal/integer,
    which is the same on DuckDB and PostgreSQL (fixed scale, no exponent).

    Strings are escaped as JSON requires: \ and " get a backslash, the
    control characters U+0001–U+001F become \b \t \n \f \r or \u00XX
    (upper-case hex, as DuckDB's to_json writes them; Python's json.dumps
    writes the same text with lower-case hex); every other
    character is written as it is (UTF-8). U+0000 cannot occur: PostgreSQL
    text cannot hold it and `ledgerhouse load` refuses a file with a NUL
    byte. Validation does not look inside activity_id, the account key or
    sub_acct_key, so a tab or a line break there reaches the payload.

    Cost: the control characters are escaped only for a row whose string
    fields hold one. One regular expression over the row's string fields
    together decides (one per field cost 3.5 s more over position_updates'
    6.6 M rows at 10 M activities, one per row 0.7 s; translate() instead
    of a regular expression, 40 s). A row without one costs two replace()
    per string, as before.
#}
{% macro json_text_object(fields) -%}
    {%- set strings = [] -%}
    {%- for field in fields if field[2] == 'string' -%}
        {%- do strings.append('coalesce(cast(' ~ field[1] ~ ' as ' ~ dbt.type_string() ~ "), '')") -%}
    {%- endfor -%}
    {%- if strings -%}
    case
        when {{ ledgerhouse.has_control_character('concat(' ~ strings | join(', ') ~ ')') }}
            then {{ ledgerhouse.json_concat(fields, true) }}
        else {{ ledgerhouse.json_concat(fields, false) }}
    end
    {%- else -%}
    {{ ledgerhouse.json_concat(fields, false) }}
    {%- endif -%}
{%- endmacro %}

{#- one concat() call, not a chain of ||: DuckDB builds the text once
    instead of once per operator (3-4x faster on a million rows). Every
    argument is coalesced to 'null'; the quoting || inside each argument
    keeps a null value null on every engine (concat() would not on DuckDB
    and PostgreSQL). -#}
{% macro json_concat(fields, escape_controls) -%}
    concat(
        '{'
        {%- for field in fields %}
        , '{{ "," if not loop.first }}"{{ field[0] }}":'
        {%- set text = 'cast(' ~ field[1] ~ ' as ' ~ dbt.type_string() ~ ')' %}
        {%- if field[2] == 'number' %}
        , coalesce({{ text }}, 'null')
        {%- elif field[2] == 'date' %}
        , coalesce('"' || {{ text }} || '"', 'null')
        {%- else %}
        , coalesce({{ ledgerhouse.json_string(text, escape_controls) }}, 'null')
        {%- endif %}
        {%- endfor %}
        , '}'
    )
{%- endmacro %}

{#-
    json_string(text_expr, escape_controls): the JSON string of a text,
    quotes included; null for null. \ and " always get a backslash; with
    escape_controls the control characters too (\b \t \n \f \r, the others
    \u00XX with upper-case hex, as DuckDB's to_json writes them).
    DuckDB: to_json() for the escaped form (31 nested replace() are more
    than sqlfluff's parser takes, and it lints the DuckDB SQL).
    PostgreSQL and Spark: replace(), written in each engine's literals
    (backslashes are literal in PostgreSQL strings, doubled in Spark's).
-#}
{% macro json_string(text_expr, escape_controls) -%}
    {{ return(adapter.dispatch('json_string', 'ledgerhouse')(text_expr, escape_controls)) }}
{%- endmacro %}

{% macro default__json_string(text_expr, escape_controls) -%}
    {{ ledgerhouse.json_string_by_replace(text_expr, escape_controls, '\\') }}
{%- endmacro %}

{% macro duckdb__json_string(text_expr, escape_controls) -%}
    {%- if escape_controls -%}
        cast(to_json({{ text_expr }}) as varchar)
    {%- else -%}
        {{ ledgerhouse.json_string_by_replace(text_expr, false, '\\') }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__json_string(text_expr, escape_controls) -%}
    {{ ledgerhouse.json_string_by_replace(text_expr, escape_controls, '\\\\') }}
{%- endmacro %}

{#- backslash: how one backslash is written inside a string literal -#}
{% macro json_string_by_replace(text_expr, escape_controls, backslash) -%}
    {%- set short = {8: 'b', 9: 't', 10: 'n', 12: 'f', 13: 'r'} -%}
    {%- set ns = namespace(text='replace(replace(' ~ text_expr ~ ", '" ~ backslash ~ "', '"
        ~ backslash ~ backslash ~ "'), '\"', '" ~ backslash ~ "\"')") -%}
    {%- if escape_controls -%}
        {%- for code in range(1, 32) -%}
            {%- set ns.text = 'replace(' ~ ns.text ~ ', chr(' ~ code ~ "), '" ~ backslash
                ~ (short[code] if code in short else 'u%04X' | format(code)) ~ "')" -%}
        {%- endfor -%}
    {%- endif -%}
    '"' || {{ ns.text }} || '"'
{%- endmacro %}

{#- has_control_character(text_expr): the text holds one of U+0001–U+001F. -#}
{% macro has_control_character(text_expr) -%}
    {{ return(adapter.dispatch('has_control_character', 'ledgerhouse')(text_expr)) }}
{%- endmacro %}

{% macro default__has_control_character(text_expr) -%}
    ({{ text_expr }} ~ '[\x01-\x1f]')
{%- endmacro %}

{% macro duckdb__has_control_character(text_expr) -%}
    regexp_matches({{ text_expr }}, '[\x01-\x1f]')
{%- endmacro %}

{% macro spark__has_control_character(text_expr) -%}
    ({{ text_expr }} rlike '[\\x01-\\x1f]')
{%- endmacro %}
