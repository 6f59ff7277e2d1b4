-- One row per merchant: the last delivered row (load order) wins, so a
-- re-delivered merchant row is a correction.
with

merchants as (
    select * from {{ ref('stg_payments__merchants') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by merchant_id
            order by _loaded_at desc, _source_file desc, _line_number desc
        ) as recency_rank
    from merchants
    where merchant_id is not null
),

final as (
    select
        merchant_id,
        merchant_name,
        risk_level,
        onboarding_date,
        _source_file,
        _line_number,
        _loaded_at
    from ranked
    where recency_rank = 1
)

select * from final
