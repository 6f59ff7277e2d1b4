with

prices as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__prices_eod')) }}
),

instruments as (
    select instrument_id from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

checked as (
    select
        prices.*,
        instruments.instrument_id is null as has_p003,
        (
            prices.price_date is null
            or prices.close_price is null
            or prices.adj_close is null
            or {{ ledgerhouse.is_unparseable('prices.open_raw', 'prices.open_price') }}
            or {{ ledgerhouse.is_unparseable('prices.high_raw', 'prices.high_price') }}
            or {{ ledgerhouse.is_unparseable('prices.low_raw', 'prices.low_price') }}
            or {{ ledgerhouse.is_unparseable('prices.volume_raw', 'prices.volume') }}
            or {{ ledgerhouse.is_unparseable('prices.div_cash_raw', 'prices.div_cash') }}
            or {{ ledgerhouse.is_unparseable('prices.split_factor_raw', 'prices.split_factor') }}
        ) as has_p005,
        coalesce(prices.close_price <= 0 or prices.adj_close <= 0, false) as has_nonpositive_close
    from prices
    left join instruments
        on prices.instrument_id = instruments.instrument_id
),

ranked as (
    select
        *,
        -- duplicates are counted among rows that pass every other check
        case
            when not has_p003 and not has_p005 and not has_nonpositive_close
                then row_number() over (
                    partition by
                        instrument_id,
                        price_date,
                        has_p003 or has_p005 or has_nonpositive_close
                    order by _loaded_at, _line_number
                )
        end as delivery_rank
    from checked
),

final as (
    select
        instrument_id,
        price_date,
        open_price,
        high_price,
        low_price,
        close_price,
        volume,
        adj_close,
        coalesce(div_cash, 0) as div_cash,
        coalesce(split_factor, 1) as split_factor,
        has_p003,
        has_p005,
        has_nonpositive_close or coalesce(delivery_rank > 1, false) as has_p008,
        not has_p003 and not has_p005 and not has_nonpositive_close
        and delivery_rank = 1 as is_valid,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
)

select * from final
