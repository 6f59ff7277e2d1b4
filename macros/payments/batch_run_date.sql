{#
    payments_batch_run_date(statements_relation): the batch_run_date of
    batch_index as a SQL date expression. var('payments_batch_run_date')
    when set ('YYYY-MM-DD'); else the latest posting_date among the valid
    statements of statements_relation (a model with posting_date, is_valid).
#}
{% macro payments_batch_run_date(statements_relation) -%}
    {%- set configured = var('payments_batch_run_date', '') -%}
    {%- if configured -%}
        cast('{{ configured }}' as date)
    {%- else -%}
        (select max(posting_date) from {{ statements_relation }} where is_valid)
    {%- endif -%}
{%- endmacro %}
