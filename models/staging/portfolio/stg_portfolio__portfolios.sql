with

source as (
    select * from {{ source('portfolio', 'portfolios') }}
),

renamed as (
    select
        portfolio_id,
        name as portfolio_name,
        base_currency,
        open_date as open_date_raw,
        {{ ledgerhouse.safe_cast_date('open_date') }} as open_date,
        close_date as close_date_raw,
        {{ ledgerhouse.safe_cast_date('close_date') }} as close_date,
        benchmark_id,
        _batch_id,
        _source_file,
        _line_number,
        _file_sha256,
        _loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
