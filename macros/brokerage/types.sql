{#
    type_multiplier(): the pricing multiplier of brokerage.md §6
    (contract_size × factor, or factor): contract_size decimal(28,6) times
    factor decimal(18,6) is exact at 12 decimal places.
#}
{% macro type_multiplier() -%}decimal(28, 12){%- endmacro %}
