{#
    The warehouse's exact types (brokerage.md conventions): quantities
    decimal(28,6), money decimal(28,4), prices decimal(28,8). Every model casts
    through these so a precision change is one edit.
#}
{% macro type_quantity() -%}decimal(28, 6){%- endmacro %}
{% macro type_money(scale=4) -%}decimal(28, {{ scale }}){%- endmacro %}
{% macro type_price() -%}decimal(28, 8){%- endmacro %}
{#- market_value_unrounded keeps at least 10 decimal places (brokerage.md §6) -#}
{% macro type_exact() -%}decimal(38, 14){%- endmacro %}
