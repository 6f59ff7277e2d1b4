{#
    How streaming_index (docs/payments.md) is written incrementally. The model
    computes `rows`: the recomputed rows of the transactions in `changed`
    (every row on a full build). The run must then leave the table as
    "previous rows of transactions not in changed + rows": delete+insert
    semantics, including that a transaction outside the lookback window keeps
    its previous row.

      DuckDB / PostgreSQL  delete+insert on the single key transaction_id;
                           the model's rows are exactly `rows`.
      Spark (parquet)      no delete and no merge: insert_overwrite of whole
                           transaction_date partitions. The model's rows are
                           `rows` plus the previous rows (read from the table
                           itself, unchanged) of the partitions it touches:
                           the transaction_date of every recomputed row and
                           the previous transaction_date of every changed
                           transaction. Replacing those partitions gives the
                           same table as delete+insert.

    transaction_date (date of the first valid event) only moves earlier, when
    an earlier event arrives late. If every row of the old partition moved,
    the insert has no row for it and does not replace it; the post-hook
    (payments_drop_stale_partitions) drops such a partition: one whose every
    transaction also has a row in an earlier partition.
#}

{% macro payments_streaming_config() -%}
    {{ return(adapter.dispatch('payments_streaming_config', 'ledgerhouse')()) }}
{%- endmacro %}

{% macro default__payments_streaming_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'transaction_id',
        'on_schema_change': 'fail',
    }) }}
{%- endmacro %}

{% macro spark__payments_streaming_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['transaction_date'],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
        'post_hook': "{{ ledgerhouse.payments_drop_stale_partitions() }}",
    }) }}
{%- endmacro %}

{#- The select that the model ends with (see the top of this file). `rows` and
    `changed` are CTE names; `changed` exists only on an incremental run. -#}
{% macro payments_streaming_rows(rows, changed) -%}
    {{ return(adapter.dispatch('payments_streaming_rows', 'ledgerhouse')(rows, changed)) }}
{%- endmacro %}

{% macro default__payments_streaming_rows(rows, changed) -%}
    select * from {{ rows }}
{%- endmacro %}

{% macro spark__payments_streaming_rows(rows, changed) -%}
    {%- set columns = model.columns.keys() | list -%}
    select {{ columns | join(', ') }} from {{ rows }}
    {%- if is_incremental() %}
    union all
    select
        {%- for column in columns %}
        kept.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ this }} as kept
    where
        kept.transaction_date in (
            select recomputed.transaction_date from {{ rows }} as recomputed
            union
            select previous.transaction_date
            from {{ this }} as previous
            inner join {{ changed }} as moved
                on previous.transaction_id = moved.transaction_id
        )
        and not exists (
            select 1 from {{ changed }} as replaced
            where replaced.transaction_id = kept.transaction_id
        )
    {%- endif %}
{%- endmacro %}

{#- post-hook (Spark): drop every partition whose rows all have a row in an
    earlier partition (left behind when all its transactions moved). -#}
{% macro payments_drop_stale_partitions() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set query -%}
        select distinct cast(stale.transaction_date as string) as transaction_date
        from {{ this }} as stale
        where not exists (
            select 1
            from {{ this }} as current_row
            where
                current_row.transaction_date = stale.transaction_date
                and not exists (
                    select 1
                    from {{ this }} as earlier
                    where
                        earlier.transaction_id = current_row.transaction_id
                        and earlier.transaction_date < current_row.transaction_date
                )
        )
    {%- endset -%}
    {%- for row in run_query(query).rows -%}
        {%- do run_query(
            "alter table " ~ this ~ " drop if exists partition (transaction_date = '" ~ row[0] ~ "')"
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
