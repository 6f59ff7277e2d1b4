{#
    expression_is_true: every row satisfies a boolean SQL expression.
    Fails with the rows where it is false or null (e.g. an accounting identity
    such as "equity = td_bal + mv_td_long - mv_td_short").
    arguments: expression (SQL text), where (optional extra row filter).
#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}
