{#
    not_empty: the model has at least one row (a mart built from the sample
    data must not be silently empty).
#}
{% test not_empty(model) %}
    select 1 as failure
    from (select count(*) as n_rows from {{ model }}) as counted
    where n_rows = 0
{% endtest %}
