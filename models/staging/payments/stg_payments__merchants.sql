with

source as (
    select * from {{ source('raw_payments', 'merchants') }}
),

renamed as (
    select
        merchant_id,
        merchant_name,
        risk_level,
        {{ ledgerhouse.safe_cast_date('onboarding_date') }} as onboarding_date,
        onboarding_date as onboarding_date_raw,
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
