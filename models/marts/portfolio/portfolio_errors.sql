-- One row per failed check (spec §1): every quarantined landing row of the
-- latest load of its file, with its code, a message, the transaction_id
-- where the row is a transaction, and the source file and line.
with

error_codes as (
    select * from {{ ref('portfolio_error_codes') }}
),

transactions as (
    select * from {{ ref('int_portfolio__transactions_checked') }}
),

oversells as (
    select * from {{ ref('int_portfolio__oversell_checked') }}
    where has_p006
),

holdings as (
    select * from {{ ref('int_portfolio__holdings_checked') }}
),

instruments as (
    select * from {{ ref('int_portfolio__instruments_checked') }}
),

portfolios as (
    select * from {{ ref('int_portfolio__portfolios_checked') }}
),

prices as (
    select * from {{ ref('int_portfolio__prices_checked') }}
),

fx_rates as (
    select * from {{ ref('int_portfolio__fx_rates_checked') }}
),

transaction_checks as (
    {%- for code in ['p001', 'p002', 'p003', 'p004', 'p005'] %}
    select
        '{{ code | upper }}' as error_code,
        'transactions' as entity,
        transaction_id,
        transaction_id as record_key,
        _source_file,
        _line_number,
        _loaded_at
    from transactions
    where has_{{ code }}
    union all
    {%- endfor %}
    select
        'P006' as error_code,
        'transactions' as entity,
        transactions.transaction_id,
        transactions.transaction_id as record_key,
        transactions._source_file,
        transactions._line_number,
        transactions._loaded_at
    from transactions
    inner join oversells
        on transactions.transaction_id = oversells.transaction_id
    where transactions.is_valid
),

other_checks as (
    {%- for code in ['p001', 'p002', 'p003', 'p005'] %}
    select
        '{{ code | upper }}' as error_code,
        'holdings' as entity,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        coalesce(portfolio_id, '?') || '/' || coalesce(instrument_id, '?') as record_key,
        _source_file,
        _line_number,
        _loaded_at
    from holdings
    where has_{{ code }}
    union all
    {%- endfor %}
    select
        'P007' as error_code,
        'instruments' as entity,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        coalesce(instrument_id, '?') || ' ' || coalesce(isin, '(no isin)') as record_key,
        _source_file,
        _line_number,
        _loaded_at
    from instruments
    where has_p007
    union all
    select
        'P005' as error_code,
        'portfolios' as entity,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        coalesce(portfolio_id, '?') as record_key,
        _source_file,
        _line_number,
        _loaded_at
    from portfolios
    where has_p005
    {%- for code in ['p003', 'p005', 'p008'] %}
    union all
    select
        '{{ code | upper }}' as error_code,
        price_source as entity,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        coalesce(instrument_id, '?') || '@' || coalesce(cast(price_date as {{ dbt.type_string() }}), '?') as record_key,
        _source_file,
        _line_number,
        _loaded_at
    from prices
    where has_{{ code }}
    {%- endfor %}
    union all
    select
        'P005' as error_code,
        'fx_rates' as entity,
        cast(null as {{ dbt.type_string() }}) as transaction_id,
        coalesce(from_currency, '?') || '/' || coalesce(to_currency, '?') || '@'
        || coalesce(cast(rate_date as {{ dbt.type_string() }}), '?') as record_key,
        _source_file,
        _line_number,
        _loaded_at
    from fx_rates
    where has_p005
),

all_checks as (
    select * from transaction_checks
    union all
    select * from other_checks
),

final as (
    select
        all_checks.error_code,
        error_codes.error_name || ' (' || all_checks.entity || ' ' || all_checks.record_key || ')'
            as error_message,
        all_checks.entity,
        all_checks.transaction_id,
        all_checks.record_key,
        all_checks._source_file as source_file,
        all_checks._line_number as line_number,
        all_checks._loaded_at as loaded_at
    from all_checks
    inner join error_codes
        on all_checks.error_code = error_codes.error_code
)

select * from final
