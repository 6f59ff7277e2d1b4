{#
    spark__listagg: dbt's listagg on Spark, with its order_by_clause honoured.
    dbt-spark's own implementation ignores the order (collect_list has none),
    so an ordered string aggregate (a rules fingerprint, a flag list) would
    differ from DuckDB/PostgreSQL and between runs. Dispatch finds this root
    project macro before the adapter's. The order is one expression with an
    optional asc/desc ('order by rule_text'); values are sorted by
    (order key, value) in binary order — as DuckDB does and as PostgreSQL
    does under collate "C". Nulls are skipped and no value gives null, as
    string_agg does.
#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set found = modules.re.match('(?is)^\s*order\s+by\s+(.+?)(\s+(asc|desc))?\s*$', order_by_clause) -%}
        {%- if not found or ',' in found.group(1) -%}
            {{ exceptions.raise_compiler_error('spark__listagg supports one order expression, got: ' ~ order_by_clause) }}
        {%- endif -%}
        {%- set sorted -%}
            array_sort(collect_list(case when ({{ measure }}) is not null then named_struct('k', {{ found.group(1) }}, 'v', {{ measure }}) end))
        {%- endset -%}
        {%- if found.group(3) and found.group(3) | lower == 'desc' -%}
            {%- set sorted = 'reverse(' ~ sorted ~ ')' -%}
        {%- endif -%}
        {%- set collected = 'transform(' ~ sorted ~ ', x -> x.v)' -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    case when count({{ measure }}) > 0 then array_join({{ collected }}, {{ delimiter_text }}) end
{%- endmacro %}
