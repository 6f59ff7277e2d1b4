with

fx_rates as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__fx_rates')) }}
),

checked as (
    select
        *,
        (
            rate_date is null
            or from_currency is null
            or to_currency is null
            or coalesce(rate <= 0, true)
        ) as has_p005
    from fx_rates
),

ranked as (
    select
        *,
        row_number() over (
            partition by from_currency, to_currency, rate_date, has_p005
            order by _loaded_at, _line_number
        ) as delivery_rank
    from checked
),

final as (
    select
        rate_date,
        from_currency,
        to_currency,
        rate,
        has_p005,
        -- a repeated (date, pair) keeps its first delivery (no error code)
        not has_p005 and delivery_rank = 1 as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
)

select * from final
