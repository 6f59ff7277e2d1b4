{#
    equal_rowcount: the model and another relation have the same number of
    rows (e.g. one output row per input row, nothing lost between layers).
    arguments: compare_model (a ref() or source()).
#}
{% test equal_rowcount(model, compare_model) %}
    with
    a as (select count(*) as n_rows from {{ model }}),
    b as (select count(*) as n_rows from {{ compare_model }})
    select
        a.n_rows as model_rows,
        b.n_rows as compare_rows
    from a
    cross join b
    where a.n_rows <> b.n_rows
{% endtest %}
