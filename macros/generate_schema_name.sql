{#
    Schemas carry the layer name as-is (staging, intermediate, brokerage,
    reference, snapshots) so auditors find every relation under a stable,
    readable name on every target. Models without a custom schema land in the
    target's schema.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
