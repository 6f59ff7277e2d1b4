{#
    Safe casts from landing text. Each returns null (never an error) when the
    text is not of the landing format, so a bad value becomes a flag that the
    validation layer turns into an error row instead of a failed run.
    The accepted formats are the same on every target (brokerage.md §1):
      numbers    [+-]digits[.digits]  ('.' decimal point, no exponent, no
                 thousands separator), as many integer digits as the
                 decimal type holds (safe_cast_exact: p - s, and no more
                 decimals than s; safe_cast_rounded: p - s - 1);
      dates      YYYY-MM-DD that exist in the calendar;
      timestamps YYYY-MM-DD[ T]HH:MM:SS[.ffffff].
    Engines are more lenient than this on their own (DuckDB reads '2026-3-2'
    as a date), so each cast first checks the text against the format.
#}

{% macro regex_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'ledgerhouse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_full_match(expr, pattern) -%}
    ({{ expr }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro duckdb__regex_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{#- Spark string literals read backslash escapes ('\.' would become '.'): double them.
    The end is Java's \z, not $: $ also matches before a final line break, so
    '12.50\n' would pass (and Spark's decimal cast trims it to 12.50) where
    DuckDB and PostgreSQL reject it (found in review, 2026-12-06). -#}
{% macro spark__regex_full_match(expr, pattern) -%}
    ({{ expr }} rlike '^(?:{{ pattern | replace("\\", "\\\\") }})\\z')
{%- endmacro %}

{% macro integer_pattern() -%}[+-]?[0-9]{1,18}{%- endmacro %}
{% macro date_pattern() -%}[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]){%- endmacro %}
{% macro timestamp_pattern() -%}[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[ T]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?{%- endmacro %}

{#-
    decimal_parts(type): [p, s] of a 'decimal(p, s)' type text (e.g.
    ledgerhouse.type_money()), as numbers; a compile error for any other
    type. The one parse behind safe_cast_rounded, safe_cast_exact and
    type_scale.
-#}
{% macro decimal_parts(type) -%}
    {%- set found = modules.re.search('\(\s*(\d+)\s*,\s*(\d+)\s*\)', type) -%}
    {%- if not found -%}
        {{ exceptions.raise_compiler_error('a decimal(p, s) type is needed, got ' ~ type) }}
    {%- endif -%}
    {{ return([found.group(1) | int, found.group(2) | int]) }}
{%- endmacro %}

{#
    safe_cast_rounded(expr, type): text -> decimal(p, s) ROUNDED to the
    type's scale, or null when the text is not a plain decimal number
    (digits, an optional sign and point; no exponent, no thousands
    separator) or has p - s integer digits or more (so neither the cast nor
    its rounding can overflow and abort the run). Only for a feed whose
    numbers are binary floats to begin with (Tiingo's JSON prices); every
    landing file's numbers go through safe_cast_exact instead.
#}
{% macro safe_cast_rounded(expr, type) -%}
    {%- set precision, scale = ledgerhouse.decimal_parts(type) -%}
    {%- set int_digits = precision - scale - 1 -%}
    {%- set pattern -%}
        [+-]?([0-9]{1,{{ int_digits }}}(\.[0-9]*)?|\.[0-9]+)
    {%- endset -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, pattern) }}
            then cast({{ expr }} as {{ type }})
    end
{%- endmacro %}

{#- type_scale(type): the scale s of a 'decimal(p, s)' type text, as a number -#}
{% macro type_scale(type) -%}
    {{ return(ledgerhouse.decimal_parts(type)[1]) }}
{%- endmacro %}

{#
    safe_cast_exact(expr, type): landing text -> decimal(p, s), or null when
    the text is not a plain decimal number (see safe_cast_rounded) OR is not
    exactly representable in the type: more than p - s integer digits (which
    would make the cast itself fail and abort the run) or significant digits
    beyond the scale (which a cast would silently round). Trailing zeros after
    the scale are fine ('10.50000000' is an exact quantity).
    `type` is the text of a decimal type, e.g. ledgerhouse.type_quantity().
#}
{% macro safe_cast_exact(expr, type) -%}
    {%- set precision, scale = ledgerhouse.decimal_parts(type) -%}
    {%- set int_digits = precision - scale -%}
    {%- set pattern -%}
        [+-]?([0-9]{1,{{ int_digits }}}(\.[0-9]{0,{{ scale }}}0*)?|\.[0-9]{1,{{ scale }}}0*)
    {%- endset -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, pattern) }}
            then cast({{ expr }} as {{ type }})
    end
{%- endmacro %}

{% macro safe_cast_integer(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.integer_pattern()) }}
            then cast({{ expr }} as bigint)
    end
{%- endmacro %}

{#- safe_cast_date(expr): 'YYYY-MM-DD' text -> date, or null (also for 2026-02-30) -#}
{% macro safe_cast_date(expr) -%}
    {{ return(adapter.dispatch('safe_cast_date', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__safe_cast_date(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.date_pattern()) }}
            and cast(substr({{ expr }}, 9, 2) as integer) <= extract(day from (
                make_date(cast(substr({{ expr }}, 1, 4) as integer), cast(substr({{ expr }}, 6, 2) as integer), 1)
                + interval '1 month' - interval '1 day'
            ))
            then cast({{ expr }} as date)
    end
{%- endmacro %}

{% macro duckdb__safe_cast_date(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.date_pattern()) }}
            then try_cast({{ expr }} as date)
    end
{%- endmacro %}

{% macro spark__safe_cast_date(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.date_pattern()) }}
            then try_cast({{ expr }} as date)
    end
{%- endmacro %}

{#- safe_cast_timestamp(expr): ISO timestamp text -> timestamp, or null -#}
{% macro safe_cast_timestamp(expr) -%}
    {{ return(adapter.dispatch('safe_cast_timestamp', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__safe_cast_timestamp(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.timestamp_pattern()) }}
            and {{ ledgerhouse.safe_cast_date('substr(' ~ expr ~ ', 1, 10)') }} is not null
            then cast({{ expr }} as timestamp)
    end
{%- endmacro %}

{% macro duckdb__safe_cast_timestamp(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.timestamp_pattern()) }}
            then try_cast({{ expr }} as timestamp)
    end
{%- endmacro %}

{#- is_unparseable(raw_expr, cast_expr): the text is present but did not cast -#}
{% macro is_unparseable(raw_expr, cast_expr) -%}
    ({{ raw_expr }} is not null and {{ cast_expr }} is null)
{%- endmacro %}
