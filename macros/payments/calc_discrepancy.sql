{#
    calc_discrepancy(expected, amount_posted, fee_charged): payments.md §2
    discrepancy = expected - amount_posted - fee_charged, exact, as
    type_money(). A missing posting or fee counts as 0 (a transaction without
    statements has discrepancy = expected). Plain decimal subtraction is exact
    on every target, so no dispatch is needed.
#}
{% macro calc_discrepancy(expected, amount_posted, fee_charged) -%}
    cast(
        coalesce({{ expected }}, 0) - coalesce({{ amount_posted }}, 0) - coalesce({{ fee_charged }}, 0)
        as {{ ledgerhouse.type_money() }}
    )
{%- endmacro %}
