-- No payments mart shows a user_id in clear (payments.md §2, brokerage.md §8):
-- every column of every model under models/marts/payments/ is scanned for a
-- value equal to a user_id delivered in payment_events, and no column may be
-- named user_id. Fails with (model, column, value) of each leak.
-- A new payments mart must be added to the depends_on list below (dbt stops
-- with a compile error until it is, so it cannot be skipped silently).
-- depends_on: {{ ref('payment_errors') }}
-- depends_on: {{ ref('streaming_index') }}
-- depends_on: {{ ref('batch_index') }}
-- depends_on: {{ ref('final_aggregate_index') }}
-- depends_on: {{ ref('merchant_daily_kpis') }}
{%- set scans = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.original_file_path.startswith('models/marts/payments/') -%}
        {%- set relation = ref(node.name) -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do scans.append((node.name, column.name, relation)) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}
with

user_ids as (
    select distinct user_id
    from {{ ref('stg_payments__payment_events') }}
    where user_id is not null
),

mart_values as (
    {%- for model_name, column_name, relation in scans %}
    select
        '{{ model_name }}' as model_name,
        '{{ column_name }}' as column_name,
        cast({{ adapter.quote(column_name) }} as {{ dbt.type_string() }}) as value
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select
        cast(null as {{ dbt.type_string() }}) as model_name,
        cast(null as {{ dbt.type_string() }}) as column_name,
        cast(null as {{ dbt.type_string() }}) as value
    {%- endfor %}
),

leaks as (
    select
        mart_values.model_name,
        mart_values.column_name,
        mart_values.value
    from mart_values
    inner join user_ids
        on mart_values.value = user_ids.user_id
    union all
    select distinct
        model_name,
        column_name,
        'column named user_id' as value
    from mart_values
    where lower(column_name) = 'user_id'
)

select * from leaks
