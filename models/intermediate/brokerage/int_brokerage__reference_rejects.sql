{%- set entities = ['accounts', 'securities', 'prices', 'opening_positions', 'opening_balances'] -%}

with

{% for entity in entities %}
{{ entity }} as (
    select * from {{ ref('stg_brokerage__' ~ entity) }}
),

{{ entity }}_rejects as (
    {%- for check in ledgerhouse.brokerage_reference_checks(entity) %}
    select
        '{{ entity }}' as entity,
        '{{ check.column }}' as column_name,
        '{{ check.problem }}' as problem,
        cast({{ check.raw }} as {{ dbt.type_string() }}) as raw_value,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at
    from {{ entity }}
    where {{ check.failed }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

{% endfor %}
final as (
    {%- for entity in entities %}
    select * from {{ entity }}_rejects
    {{ 'union all' if not loop.last }}
    {%- endfor %}
)

select * from final
