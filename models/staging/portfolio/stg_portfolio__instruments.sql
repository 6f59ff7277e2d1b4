with

source as (
    select * from {{ source('portfolio', 'instruments') }}
),

renamed as (
    select
        instrument_id,
        isin,
        name as instrument_name,
        asset_class,
        sector,
        industry,
        currency,
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
