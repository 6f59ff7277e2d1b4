{#
    list_contains(list_expr, value_expr): true when value_expr is one of the
    '|'-separated values in list_expr (the list format of the `policies`
    seed, e.g. 'USD|EUR'). Null value never matches. The value is found as
    a literal substring '|value|' of '|list|' (dbt.position), never as a
    LIKE pattern: an id holding '_' or '%' matches only itself.

    policy_parameter_matches(list_expr, value_expr): a null (empty) parameter
    list matches anything; otherwise list_contains.
#}
{% macro list_contains(list_expr, value_expr) -%}
    ({{ dbt.position("'|' || " ~ value_expr ~ " || '|'", "'|' || " ~ list_expr ~ " || '|'") }} > 0)
{%- endmacro %}

{% macro policy_parameter_matches(list_expr, value_expr) -%}
    ({{ list_expr }} is null or coalesce({{ ledgerhouse.list_contains(list_expr, value_expr) }}, false))
{%- endmacro %}
