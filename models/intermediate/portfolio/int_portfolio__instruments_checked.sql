with

instruments as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__instruments')) }}
),

isin_digits as (
    select
        *,
        {{ ledgerhouse.portfolio_isin_digits('isin') }} as isin_digits
    from instruments
),

checked as (
    select
        instrument_id,
        isin,
        instrument_name,
        asset_class,
        sector,
        industry,
        currency,
        not{{ ledgerhouse.portfolio_isin_is_valid('isin', 'isin_digits') }} as has_p007,
        _source_file,
        _line_number,
        _loaded_at
    from isin_digits
),

ranked as (
    select
        *,
        row_number() over (
            partition by instrument_id, has_p007
            order by _loaded_at desc, _line_number desc
        ) as latest_rank
    from checked
),

final as (
    select
        instrument_id,
        isin,
        instrument_name,
        asset_class,
        sector,
        industry,
        currency,
        has_p007,
        instrument_id is not null and not has_p007 and latest_rank = 1 as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
)

select * from final
