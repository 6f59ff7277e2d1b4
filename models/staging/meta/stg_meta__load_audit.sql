with

source as (
    select * from {{ source('meta', 'load_audit') }}
),

renamed as (
    select
        batch_id,
        domain,
        entity,
        source_file,
        file_sha256,
        row_count,
        status,
        message,
        loaded_at
    from source
),

final as (
    select * from renamed
)

select * from final
