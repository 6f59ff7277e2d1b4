with

portfolios as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__portfolios')) }}
),

checked as (
    select
        portfolio_id,
        portfolio_name,
        base_currency,
        open_date,
        close_date,
        coalesce(benchmark_id, {{ ledgerhouse.portfolio_default_benchmark() }}) as benchmark_id,
        (
            open_date is null
            or {{ ledgerhouse.is_unparseable('close_date_raw', 'close_date') }}
        ) as has_p005,
        _source_file,
        _line_number,
        _loaded_at
    from portfolios
),

ranked as (
    select
        *,
        row_number() over (
            partition by portfolio_id, has_p005
            order by _loaded_at desc, _line_number desc
        ) as latest_rank
    from checked
),

final as (
    select
        portfolio_id,
        portfolio_name,
        base_currency,
        open_date,
        close_date,
        benchmark_id,
        has_p005,
        portfolio_id is not null and not has_p005 and latest_rank = 1 as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
)

select * from final
