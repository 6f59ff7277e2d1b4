{#
    safe_cast_exact(expr, type): landing text -> decimal(p, s), or null when
    the text is not a plain decimal number (see safe_cast_number) OR is not
    exactly representable in the type: more than p - s integer digits (which
    would make the cast itself fail and abort the run) or significant digits
    beyond the scale (which a cast would silently round). Trailing zeros after
    the scale are fine ('10.50000000' is an exact quantity).
    `type` is the text of a decimal type, e.g. ledgerhouse.type_quantity().
#}
{% macro safe_cast_exact(expr, type) -%}
    {%- set found = modules.re.search('\(\s*(\d+)\s*,\s*(\d+)\s*\)', type) -%}
    {%- if not found -%}
        {{ exceptions.raise_compiler_error('safe_cast_exact needs decimal(p, s), got ' ~ type) }}
    {%- endif -%}
    {%- set int_digits = (found.group(1) | int) - (found.group(2) | int) -%}
    {%- set scale = found.group(2) | int -%}
    {%- set pattern -%}
        [+-]?([0-9]{1,{{ int_digits }}}(\.[0-9]{0,{{ scale }}}0*)?|\.[0-9]{1,{{ scale }}}0*)
    {%- endset -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, pattern) }}
            then cast({{ expr }} as {{ type }})
    end
{%- endmacro %}
