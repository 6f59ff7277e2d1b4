{#
    unique_combination_of_columns: the listed columns together are a key
    (no two rows share the combination). Used as the primary-key test of
    models whose grain is several columns.
    arguments: combination_of_columns (list of column names).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}
