{#
    cusip_is_valid(expr): true when the text is a 9-character CUSIP whose
    ninth character is the standard check digit, false otherwise (also for
    null). Check digit ("double add double", mod 10): for the first eight
    characters take the value (0-9 = the digit, A = 10 … Z = 35, * = 36,
    @ = 37, # = 38), double every second one (positions 2, 4, 6, 8), add the
    digits of each result (v div 10 + v mod 10); the check digit is
    (10 - sum mod 10) mod 10. Letters must be upper case.
    Plain SQL (substr, position, %), the same on every target; the integer
    division is written as an exact (v - v % 10) / 10.
    Examples: 037833100 (Apple), 594918104 (Microsoft), 38259P508 (Alphabet).
#}
{% macro cusip_is_valid(expr) -%}
    {%- set alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*@#' -%}
    (
        case
            when {{ ledgerhouse.regex_full_match(expr, '[0-9A-Z*@#]{8}[0-9]') }}
                then (
                    10 - (
                        {%- for i in range(1, 9) %}
                        {%- set v -%}
                            ((position(substr({{ expr }}, {{ i }}, 1) in '{{ alphabet }}') - 1){{ ' * 2' if i % 2 == 0 else '' }})
                        {%- endset %}
                        {{ '+ ' if not loop.first }}({{ v }} % 10 + cast(({{ v }} - {{ v }} % 10) / 10 as integer))
                        {%- endfor %}
                    ) % 10
                ) % 10 = cast(substr({{ expr }}, 9, 1) as integer)
            else false
        end
    )
{%- endmacro %}
