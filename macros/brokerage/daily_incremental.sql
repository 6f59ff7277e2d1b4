{#
    Incremental daily marts of the brokerage domain (brokerage.md §5–§7).

    Every daily mart (grain: business_date × …) is configured from here, so the
    strategy is chosen in one place and no model branches on the target:
      DuckDB / PostgreSQL  replace_window (get_incremental_replace_window_sql
                           below): delete+insert keyed on business_date (one
                           indexed column, never a composite key), the
                           delete taking every date of the rebuild window;
      Spark                insert_overwrite partitioned by business_date,
                           after a pre-hook that drops the window's
                           partitions.

    The rebuild window. Each daily mart row carries (int_brokerage__build_state)
      _loaded_at_watermark  the greatest _loaded_at of every input relation
                            when the row was built, and
      _rules_fingerprint    an md5 of the reference seeds' rule values.
    An incremental run rebuilds every business date from `window start` to
    as_of_date, where window start is the earliest of
      - affected_from_date of every load after the watermark
        (int_brokerage__input_loads): the earliest trade/settle date of late
        activity, the earliest price_date of a (corrected) price delivery, and
        the beginning of history for an opening position, opening balance,
        account or security delivery (such a row can change history in ways
        the new row alone does not reveal: a moved as_of_date, a closed
        account invalidating activity, a changed product line),
      - the beginning of history when the seeds' fingerprint changed,
      - the day after the last business date the mart holds (new days).
    With nothing new, the window is empty and the run changes nothing.

    The watermark and fingerprints are read from the rows of the mart's first
    and last date only, not from the whole mart (that scan cost every model a
    few seconds per run at 10 M rows, twice: model and delete). It is the
    same answer: a run deletes every date from its window start on and
    writes them again, so the rows it wrote are always a suffix of dates that
    ends at the last one (which therefore carries the latest watermark), and
    a changed fingerprint rebuilds from the first date (a rebuild that
    stopped half-way shows as different fingerprints on the two dates).
    The bounds are a min/max of the date column: an index on PostgreSQL
    (postgres__daily_mart_config), the partition column on Spark.
    Every date of the window is deleted before the insert (on Spark its
    partitions are dropped), not only the dates the new rows carry, so a date
    that has no rows any more after a correction does not keep stale rows.

    `date_column` (default business_date) is the date a model is incremental
    by: position_updates uses trade_date, the event tables event_date. Such a
    model's window has no upper end (rows after as_of_date are rebuilt too).
#}

{% macro daily_mart_config(date_column='business_date') -%}
    {{ return(adapter.dispatch('daily_mart_config', 'ledgerhouse')(date_column)) }}
{%- endmacro %}

{% macro default__daily_mart_config(date_column='business_date') -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'replace_window',
        'unique_key': date_column,
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro postgres__daily_mart_config(date_column='business_date') -%}
    {%- set config = ledgerhouse.default__daily_mart_config(date_column) -%}
    {%- do config.update({'indexes': [{'columns': [date_column]}]}) -%}
    {{ return(config) }}
{%- endmacro %}

{% macro spark__daily_mart_config(date_column='business_date') -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [date_column],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
        'pre_hook': "{{ ledgerhouse.clear_daily_window('" ~ date_column ~ "') }}",
    }) }}
{%- endmacro %}

{#- The two bookkeeping columns every daily mart row carries, from the one-row
    int_brokerage__build_state (imported as the CTE build_state). -#}
{% macro daily_mart_build_columns() -%}
    (select build_state._loaded_at_watermark from build_state) as _loaded_at_watermark,
    (select build_state._rules_fingerprint from build_state) as _rules_fingerprint
{%- endmacro %}

{#-
    daily_window_start(): none on a full build (compute every date), else the
    first date to rebuild as 'YYYY-MM-DD' (see the top of this file). Runs one
    query at execution time; the model (compiling its select) and the delete
    of the window (replace_window, or the pre-hook on Spark) both call it
    before the mart is written, so both get the same answer.
-#}
{% macro daily_window_start(date_column='business_date') -%}
    {%- set input_loads = ref('int_brokerage__input_loads') -%}
    {%- set build_state = ref('int_brokerage__build_state') -%}
    {%- if not execute or this is none or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        with
        bounds as (
            select
                min({{ date_column }}) as first_date,
                max({{ date_column }}) as last_date
            from {{ this }}
        ),
        seen as (
            select
                max(_loaded_at_watermark) as watermark,
                min(_rules_fingerprint) as min_fingerprint,
                max(_rules_fingerprint) as max_fingerprint,
                max({{ date_column }}) as last_date
            from {{ this }}
            where
                {{ date_column }} = (select bounds.first_date from bounds)
                or {{ date_column }} = (select bounds.last_date from bounds)
        ),
        candidates as (
            select min(input_loads.affected_from_date) as from_date
            from {{ input_loads }} as input_loads
            cross join seen
            where input_loads._loaded_at > seen.watermark
            union all
            select cast('0001-01-01' as date) as from_date
            from seen
            cross join {{ build_state }} as build_state
            where
                seen.min_fingerprint <> seen.max_fingerprint
                or seen.max_fingerprint <> build_state._rules_fingerprint
            union all
            select {{ ledgerhouse.day_after('seen.last_date') }} as from_date
            from seen
        )
        select
            cast(min(from_date) as {{ dbt.type_string() }}) as window_start,
            (select count(watermark) from seen) as n_seen
        from candidates
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- if row[1] == 0 or row[0] is none -%}
        {#- an empty target: rebuild everything -#}
        {{ return('0001-01-01') }}
    {%- endif -%}
    {{ return(row[0][:10]) }}
{%- endmacro %}

{#-
    daily_prior_date(window_start): the last date this mart holds before the
    rebuild window, as 'YYYY-MM-DD'; none on a full build or when it holds
    nothing before the window. An incremental daily_running_totals reads its
    carried-in totals from that date's rows (macros/brokerage/daily_events.sql).
    Runs at compile time, before the window's dates are deleted (they lie
    on or after window_start, so the answer is the same either way).
-#}
{% macro daily_prior_date(window_start, date_column='business_date') -%}
    {%- if not execute or window_start is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select cast(max({{ date_column }}) as {{ dbt.type_string() }}) as prior_date
        from {{ this }}
        where {{ date_column }} < cast('{{ window_start }}' as date)
    {%- endset -%}
    {%- set value = run_query(query).rows[0][0] -%}
    {{ return(value[:10] if value is not none else none) }}
{%- endmacro %}

{#- day_after(expr): the date after a date; null for null (an empty mart).
    dbt-spark's dateadd raises on a null argument (assert_not_null). -#}
{% macro day_after(expr) -%}
    {{ return(adapter.dispatch('day_after', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__day_after(expr) -%}
    cast({{ dbt.dateadd('day', 1, expr) }} as date)
{%- endmacro %}

{% macro spark__day_after(expr) -%}
    date_add({{ expr }}, 1)
{%- endmacro %}

{#- SQL predicate: `column` lies in the rebuild window `window_start` (from
    daily_window_start(); none = full build = always true). -#}
{% macro in_daily_window(column, window_start) -%}
    {%- if window_start is none -%}
        1 = 1
    {%- else -%}
        {{ column }} >= cast('{{ window_start }}' as date)
    {%- endif -%}
{%- endmacro %}

{#-
    The incremental strategy 'replace_window' of the daily marts on DuckDB and
    PostgreSQL (default__daily_mart_config; dbt calls it with the model's
    context once the new rows are in the temporary relation): delete every
    row of the rebuild window, then insert the new rows, both inside the
    model's transaction. It is dbt's delete+insert on the date column with
    the delete taken from the window instead of from the dates the new rows
    carry, so a window date left with no rows loses its stale ones.
    Until 2026-12 a pre-hook did this delete and dbt's delete+insert then
    deleted the same dates again, a second scan of the mart that found
    nothing (0.05–0.26 s per model at 10 M rows; DECISIONLOG).
-#}
{% macro get_incremental_replace_window_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {#- the delete of the window: the brokerage marts' clear_daily_window, or
        the portfolio facts' clear_portfolio_window (meta.replace_window:
        'portfolio', set by portfolio_daily_fact_config) -#}
    {%- if config.get('meta', {}).get('replace_window') == 'portfolio' -%}
        {%- set clear = ledgerhouse.clear_portfolio_window(arg_dict['unique_key']) | trim -%}
    {%- else -%}
        {%- set clear = ledgerhouse.clear_daily_window(arg_dict['unique_key']) | trim -%}
    {%- endif -%}
    {%- if clear %}
    {{ clear }};
    {%- endif %}
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }}
    from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The delete of the window's dates (nothing on a full build): the first half
    of replace_window on DuckDB and PostgreSQL, a pre-hook on Spark. -#}
{% macro clear_daily_window(date_column='business_date') -%}
    {{ return(adapter.dispatch('clear_daily_window', 'ledgerhouse')(date_column)) }}
{%- endmacro %}

{% macro default__clear_daily_window(date_column='business_date') -%}
    {%- set window_start = ledgerhouse.daily_window_start(date_column) -%}
    {%- if window_start is not none -%}
        delete from {{ this }} where {{ date_column }} >= cast('{{ window_start }}' as date)
    {%- endif -%}
{%- endmacro %}

{#- Spark (parquet, no delete): insert_overwrite replaces only the partitions
    the new rows fall in, so a date of the window that has no rows any more
    would keep its stale rows. Drop the window's existing partitions first;
    the insert then recreates exactly the window's dates. -#}
{% macro spark__clear_daily_window(date_column='business_date') -%}
    {%- set window_start = ledgerhouse.daily_window_start(date_column) -%}
    {%- if window_start is not none -%}
        {{ ledgerhouse.spark_drop_date_partitions_from(
            date_column, "cast('" ~ window_start ~ "' as date)") }}
    {%- endif -%}
{%- endmacro %}

{#- Spark: `alter table … drop if exists partition (…)` for every existing
    partition of {{ this }} whose date is on or after `lower_bound` (a SQL
    expression: a date literal, or a scalar subquery); nothing when there is
    none or the bound is null. The Spark half of both daily windows: the
    brokerage marts' clear_daily_window and the portfolio facts'
    clear_portfolio_window. Runs one query at execution time. -#}
{% macro spark_drop_date_partitions_from(date_column, lower_bound) -%}
    {%- if execute -%}
        {%- set query -%}
            select distinct cast({{ date_column }} as string) as partition_date
            from {{ this }}
            where {{ date_column }} >= {{ lower_bound }}
            order by partition_date
        {%- endset -%}
        {%- set dates = run_query(query).columns[0].values() -%}
        {%- if dates | length > 0 -%}
            alter table {{ this }} drop if exists
            {%- for partition_date in dates %}
            partition ({{ date_column }} = '{{ partition_date }}'){{ ',' if not loop.last }}
            {%- endfor %}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
