{#
    mask_sensitive(expr): the token that replaces a personal value in the
    payment marts. It IS the brokerage.md §8 token — this macro only calls
    ledgerhouse.pii_token (salted sha256, lower-case hex, null for null), so a
    user_token from payments joins to any other domain's token of the same
    value on every target. Cross-target differences live in pii_token's
    dispatch, not here.
#}
{% macro mask_sensitive(expr) -%}
    {{ ledgerhouse.pii_token(expr) }}
{%- endmacro %}
