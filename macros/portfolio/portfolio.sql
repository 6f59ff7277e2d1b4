{#
    Portfolio-domain helpers (../shared/spec/portfolio.md). Parameters of the
    KPIs live here, in one place, because window frames need literals.
#}

{#- KPI parameters (spec §3) -#}
{% macro portfolio_periods_per_year() -%}252{%- endmacro %}
{% macro portfolio_vol_short_window() -%}21{%- endmacro %}
{% macro portfolio_vol_long_window() -%}63{%- endmacro %}
{% macro portfolio_beta_window() -%}63{%- endmacro %}
{#- historical VaR: window of returns, tail in percent (95 % VaR -> 5), minimum observations -#}
{% macro portfolio_var_window() -%}252{%- endmacro %}
{% macro portfolio_var_tail_pct() -%}5{%- endmacro %}
{% macro portfolio_var_min_observations() -%}21{%- endmacro %}
{#- benchmark of a portfolio whose benchmark_id is empty (spec §1: default SPY) -#}
{% macro portfolio_default_benchmark() -%}'SPY'{%- endmacro %}

{#
    portfolio_latest_load(relation): the rows of `relation` (a staging model
    with load metadata) that belong to the latest load of their source file.
    A corrected file delivered again under the same path replaces the earlier
    load entirely, also when the correction has no data rows (a header-only
    file cancels what the path held): the latest load is taken from the
    loader's audit, where a load without rows has its row too. A new path
    adds rows.
#}
{% macro portfolio_latest_load(relation) -%}
    select rows_.*
    from {{ relation }} as rows_
    inner join (
        select
            source_file,
            max(loaded_at) as latest_loaded_at
        from {{ ref('stg_meta__load_audit') }}
        where status = 'loaded' and domain = 'portfolio'
        group by source_file
    ) as latest
        on
            rows_._source_file = latest.source_file
            and rows_._loaded_at = latest.latest_loaded_at
{%- endmacro %}

{#
    ISIN check (ISO 6166), in two steps so the SQL stays flat:
    portfolio_isin_digits(expr): the 12 characters with letters replaced by
    10..35 (A = 10), digits kept — a string of at most 24 digits;
    portfolio_isin_is_valid(expr, digits): the shape two letters, nine
    alphanumerics, one digit, and the Luhn sum of the digit string (doubling
    every second digit from the right, the check digit itself not doubled)
    a multiple of 10.
#}
{% macro portfolio_isin_digits(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, '[A-Z]{2}[A-Z0-9]{9}[0-9]') }}
            then
            {%- for i in range(1, 13) %}
            case
                when substr({{ expr }}, {{ i }}, 1) between 'A' and 'Z'
                    then cast(ascii(substr({{ expr }}, {{ i }}, 1)) - 55 as {{ dbt.type_string() }})
                else substr({{ expr }}, {{ i }}, 1)
            end
            {%- if not loop.last %} ||{% endif %}
            {%- endfor %}
    end
{%- endmacro %}

{% macro portfolio_isin_is_valid(expr, digits) -%}
    (
        {{ digits }} is not null
        and mod(
            0
            {%- for i in range(24) %}
            {%- set digit = 'cast(substr(' ~ digits ~ ', length(' ~ digits ~ ') - ' ~ i ~ ', 1) as integer)' %}
            + case
                when length({{ digits }}) > {{ i }}
                    then {% if i % 2 == 1 -%}
                        2 * {{ digit }} - case when {{ digit }} >= 5 then 9 else 0 end
                    {%- else -%}
                        {{ digit }}
                    {%- endif %}
                else 0
            end
            {%- endfor %},
            10
        ) = 0
    )
{%- endmacro %}

{#
    portfolio_as_of_date(): the last business date the daily facts are built
    for — var('as_of_date') when set, else the latest date of a valid price.
#}
{% macro portfolio_as_of_date() -%}
    {%- if var('as_of_date', '') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(price_date) from {{ ref('int_portfolio__prices_checked') }} where is_valid)
    {%- endif -%}
{%- endmacro %}

{#- the fingerprint of the rules the facts compute with (stored on incremental facts) -#}
{% macro portfolio_rules_fingerprint() -%}
    (select build_state._rules_fingerprint from {{ ref('int_portfolio__build_state') }} as build_state)
{%- endmacro %}

{#- the latest load timestamp over every portfolio input (stored on incremental facts) -#}
{% macro portfolio_inputs_loaded_at() -%}
    (select max(loaded_at) from {{ ref('int_portfolio__load_batches') }})
{%- endmacro %}

{#
    portfolio_min_affected_date(): on an incremental run, the earliest
    business date any load newer than the table's watermark can change.
    Every file with a newer load counts with the dates of all its loads (so
    a corrected file also re-opens the dates of the rows it replaced); a new
    portfolios or instruments file affects every date (int_portfolio__load_batches).
    A rules fingerprint (int_portfolio__build_state: the portfolio seeds and
    var as_of_date) different from the one stored on the table re-opens every
    date. Null = nothing new.
    The stored watermark and fingerprints are read from the rows of the
    table's first and last business date only (portfolio_stored_edges), not
    from every row, as the brokerage marts do (daily_window_start): a run
    deletes every date from its bound on and writes them again, so what it
    wrote is a suffix of dates ending at the last one, which carries the
    latest watermark, and a changed fingerprint rewrites from the first date.
#}
{% macro portfolio_min_affected_date() -%}
    (
        select min(affected.from_date)
        from (
            select batches.min_affected_date as from_date
            from {{ ref('int_portfolio__load_batches') }} as batches
            where batches._source_file in (
                select newer._source_file
                from {{ ref('int_portfolio__load_batches') }} as newer
                where newer.loaded_at > (
                    select coalesce(max(stored._inputs_loaded_at), cast('1900-01-01' as timestamp))
                    from {{ ledgerhouse.portfolio_stored_edges() }} as stored
                )
            )
            union all
            select cast('1900-01-01' as date) as from_date
            from (
                select
                    min(stored._rules_fingerprint) as min_fingerprint,
                    max(stored._rules_fingerprint) as max_fingerprint
                from {{ ledgerhouse.portfolio_stored_edges() }} as stored
            ) as stored
            where
                stored.min_fingerprint <> stored.max_fingerprint
                or stored.max_fingerprint <> {{ ledgerhouse.portfolio_rules_fingerprint() }}
        ) as affected
    )
{%- endmacro %}

{#- the rows of the incremental table's first and last business date -#}
{% macro portfolio_stored_edges() -%}
    (
        select
            edge_rows._inputs_loaded_at,
            edge_rows._rules_fingerprint
        from {{ this }} as edge_rows
        where
            edge_rows.business_date = (select min(first_.business_date) from {{ this }} as first_)
            or edge_rows.business_date = (select max(last_.business_date) from {{ this }} as last_)
    )
{%- endmacro %}

{#
    portfolio_incremental_filter(date_column): the rows an incremental run
    writes. The window's delete is clear_portfolio_window() below.
#}
{% macro portfolio_incremental_filter(date_column) -%}
    {%- if is_incremental() -%}
        where {{ date_column }} >= {{ ledgerhouse.portfolio_min_affected_date() }}
    {%- endif -%}
{%- endmacro %}

{#
    clear_portfolio_window(date_column): the delete of every date from the
    earliest affected one (nothing when nothing is new: the bound is null),
    the first half of the strategy replace_window on DuckDB and PostgreSQL
    (macros/brokerage/daily_incremental.sql), run in the model's transaction
    just before the insert, so it reads the same watermark as the model's
    filter did.
#}
{% macro clear_portfolio_window(date_column='business_date') -%}
    {{ return(adapter.dispatch('clear_portfolio_window', 'ledgerhouse')(date_column)) }}
{%- endmacro %}

{% macro default__clear_portfolio_window(date_column='business_date') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ date_column }} >= {{ ledgerhouse.portfolio_min_affected_date() }}
    {%- endif -%}
{%- endmacro %}

{#- Spark (parquet, no delete), a pre-hook: drop the partitions of every date
    from the earliest affected one, so that a date left with no rows at all
    after a correction loses its old ones; insert_overwrite then writes the
    window's dates. The model's filter reads the watermark after the drop: if
    the drop took the newest rows, the watermark it finds is older, the bound
    it computes is the same or earlier, and the dates between are rewritten
    whole (more work, the same rows). -#}
{% macro spark__clear_portfolio_window(date_column='business_date') -%}
    {%- if is_incremental() -%}
        {{ ledgerhouse.spark_drop_date_partitions_from(
            date_column, ledgerhouse.portfolio_min_affected_date()) }}
    {%- endif -%}
{%- endmacro %}

{#- the ref the incremental helpers use, declared so dbt sees it at parse time -#}
{% macro portfolio_incremental_depends_on() -%}
-- depends_on: {{ ref('int_portfolio__load_batches') }}, {{ ref('int_portfolio__build_state') }}
{%- endmacro %}

{#- an IEEE double on every target (the KPIs are floating point; money never is) -#}
{% macro portfolio_type_double() -%}
    {{ return(adapter.dispatch('portfolio_type_double', 'ledgerhouse')()) }}
{%- endmacro %}
{% macro default__portfolio_type_double() -%}double precision{%- endmacro %}
{% macro spark__portfolio_type_double() -%}double{%- endmacro %}

{#- the ratio a / b - 1 in double precision, null when b is 0 or null -#}
{% macro portfolio_ratio_minus_one(numerator, denominator) -%}
    case
        when {{ denominator }} <> 0
            then cast({{ numerator }} as {{ ledgerhouse.portfolio_type_double() }})
            / cast({{ denominator }} as {{ ledgerhouse.portfolio_type_double() }}) - 1
    end
{%- endmacro %}

{#
    portfolio_round_kpi(expr): a KPI (double) rounded to 12 decimal places,
    half away from zero, still a double. The error (<= 5e-13) is far below
    the 1e-9 the spec asks of the KPIs, and it removes most last-bit
    differences between engines' exp/ln and aggregate implementations.
    DuckDB and PostgreSQL: floor(|x| * 1e12 + 0.5) with the sign put back,
    not round(): round() of a double is half to even on PostgreSQL and half
    away from zero on DuckDB, so a tie (2.5e-12) gave 2e-12 on one and 3e-12
    on the other; +, *, / and floor are IEEE operations that give the same
    bits on both. Spark: round(x, 12), half up on the double's shortest
    decimal form, which is half away from zero too; Spark's floor of a
    double is a bigint, which overflows (an error under ANSI mode) once
    |x| * 1e12 passes 9.2e18, and a return after a near-zero portfolio
    value can be that large. Two engines can still differ when their
    unrounded values fall on either side of a rounding boundary (a last-bit
    difference just there), which is why the parity test compares KPIs to
    10 significant digits.
#}
{% macro portfolio_round_kpi(expr) -%}
    {{ return(adapter.dispatch('portfolio_round_kpi', 'ledgerhouse')(expr)) }}
{%- endmacro %}

{% macro default__portfolio_round_kpi(expr) -%}
    (case when ({{ expr }}) < 0 then -1 else 1 end) * floor(abs({{ expr }}) * 1000000000000 + 0.5) / 1000000000000
{%- endmacro %}

{% macro spark__portfolio_round_kpi(expr) -%}
    round({{ expr }}, 12)
{%- endmacro %}

{#
    portfolio_tiingo_date_text(expr): the 'YYYY-MM-DD' part of a Tiingo date
    ('2026-03-02T00:00:00.000Z', or a bare date), null for any other text, so
    safe_cast_date turns it into a date or null (P005).
#}
{% macro portfolio_tiingo_date_text(expr) -%}
    case
        when {{ ledgerhouse.regex_full_match(expr, ledgerhouse.date_pattern() ~ '(T00:00:00(\\.0{1,6})?Z?)?') }}
            then substr({{ expr }}, 1, 10)
    end
{%- endmacro %}

{#
    Splits (int_portfolio__split_factors). portfolio_split_factor_from_log(expr):
    a product of split factors from the sum of their logarithms, rounded to
    10 decimals — exact whenever the true product has at most 10 decimals
    (2, 3, 1.5, 0.1 and their products), and the same on every engine.
    portfolio_split_adjusted(quantity, factor): a quantity in the latest
    units (factor null = no later split), rounded half away to the quantity scale.
#}
{% macro portfolio_split_factor_from_log(expr) -%}
    cast(
        {{ ledgerhouse.round_half_away('cast(exp(' ~ expr ~ ') as decimal(38, 12))', 10) }}
        as decimal(28, 10)
    )
{%- endmacro %}

{% macro portfolio_split_adjusted(quantity, factor) -%}
    cast(
        {{ ledgerhouse.round_half_away(quantity ~ ' * coalesce(' ~ factor ~ ', 1)', 6) }}
        as {{ ledgerhouse.type_quantity() }}
    )
{%- endmacro %}

{#
    portfolio_stg_price_columns(exact): the price columns of a raw price
    table (prices_eod.csv, Tiingo responses: the same raw names), each kept
    as `<col>_raw` and cast (staging only): exact (safe_cast_exact) for the
    prices file, where more decimal places than the type keeps is P005,
    never rounded; rounded (safe_cast_rounded) for Tiingo's JSON, whose
    numbers are binary floats (e.g. adjClose 123.45678912345), kept to the
    type's 8 places.
#}
{% macro portfolio_stg_price_columns(exact) -%}
    {%- set cast_number = ledgerhouse.safe_cast_exact if exact else ledgerhouse.safe_cast_rounded -%}
    open as open_raw,
    {{ cast_number('open', ledgerhouse.type_price()) }} as open_price,
    high as high_raw,
    {{ cast_number('high', ledgerhouse.type_price()) }} as high_price,
    low as low_raw,
    {{ cast_number('low', ledgerhouse.type_price()) }} as low_price,
    close as close_raw,
    {{ cast_number('close', ledgerhouse.type_price()) }} as close_price,
    volume as volume_raw,
    {{ cast_number('volume', ledgerhouse.type_quantity()) }} as volume,
    adj_close as adj_close_raw,
    {{ cast_number('adj_close', ledgerhouse.type_price()) }} as adj_close,
    div_cash as div_cash_raw,
    {{ cast_number('div_cash', ledgerhouse.type_price()) }} as div_cash,
    split_factor as split_factor_raw,
    {{ cast_number('split_factor', ledgerhouse.type_price()) }} as split_factor
{%- endmacro %}

{#
    portfolio_daily_fact_config(): the configuration of the three incremental
    daily facts, per target (no model branches on the target):
      DuckDB / PostgreSQL  replace_window on business_date (the brokerage
                           marts' strategy): in the model's transaction,
                           clear_portfolio_window() deletes every date from
                           the earliest affected one, then the new rows are
                           inserted (until 2026-12-05 a pre-hook deleted and
                           dbt's delete+insert deleted the new rows' dates
                           again, a second scan that usually found nothing);
      Spark                insert_overwrite partitioned by business_date
                           (parquet has no delete), after a pre-hook
                           (spark__clear_portfolio_window) that drops the
                           partitions of every date from the earliest
                           affected one: the run replaces exactly those
                           dates, a date left with no rows included (until
                           2026-12-05 such a date kept its old partition).
#}
{% macro portfolio_daily_fact_config() -%}
    {{ return(adapter.dispatch('portfolio_daily_fact_config', 'ledgerhouse')()) }}
{%- endmacro %}

{% macro default__portfolio_daily_fact_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'replace_window',
        'unique_key': 'business_date',
        'on_schema_change': 'fail',
        'meta': {'replace_window': 'portfolio'},
    }) }}
{%- endmacro %}

{% macro spark__portfolio_daily_fact_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['business_date'],
        'file_format': 'parquet',
        'on_schema_change': 'fail',
        'pre_hook': "{{ ledgerhouse.clear_portfolio_window() }}",
    }) }}
{%- endmacro %}
