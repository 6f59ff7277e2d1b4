-- Every price row of the latest load of its file, from the prices file
-- (prices_eod.csv) and from fetched Tiingo responses, with P003, P005 and
-- P008. Precedence for one (instrument, date): among the rows passing the
-- other checks, a prices-file row beats a Tiingo row, then the first in load
-- order wins; every other such row is a P008 duplicate.
{%- set price_columns = [
    'instrument_id', 'price_date', 'open_raw', 'open_price', 'high_raw', 'high_price',
    'low_raw', 'low_price', 'close_price', 'volume_raw', 'volume', 'adj_close',
    'div_cash_raw', 'div_cash', 'split_factor_raw', 'split_factor',
    '_source_file', '_line_number', '_loaded_at',
] %}
with

prices_file as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__prices_eod')) }}
),

tiingo as (
    {{ ledgerhouse.portfolio_latest_load(ref('stg_portfolio__tiingo_eod')) }}
),

instruments as (
    select instrument_id from {{ ref('int_portfolio__instruments_checked') }}
    where is_valid
),

prices as (
    select
        'prices_eod' as price_source,
        1 as source_precedence,
        {{ price_columns | join(',\n        ') }}
    from prices_file
    union all
    select
        'tiingo_eod' as price_source,
        2 as source_precedence,
        {{ price_columns | join(',\n        ') }}
    from tiingo
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
            or coalesce(prices.split_factor <= 0, false)
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
                    order by source_precedence, _loaded_at, _line_number, _source_file
                )
        end as delivery_rank
    from checked
),

final as (
    select
        price_source,
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
