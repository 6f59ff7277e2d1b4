-- Policy flags per valid transaction (payments.md §1-2). A policy of the
-- `policies` seed flags a transaction when it is active (active_flag = 'Y')
-- and every parameter it sets holds (a null parameter is no condition):
--   min_amount                  amount >= min_amount (in the transaction currency)
--   max_days_since_onboarding   transaction_date - merchant onboarding_date < N days
--   risk_levels                 merchant risk_level in the '|' list
--   currencies                  currency in the '|' list
--   merchant_ids, user_ids      merchant_id / user_id in the '|' list
-- The flag raised is the policy's flag_name. enriched_flags = the distinct
-- flags sorted and comma-separated; '' when none. A merchant missing from
-- merchants matches no risk or onboarding condition.
with

transactions as (
    select * from {{ ref('int_payments__transactions') }}
),

merchants as (
    select * from {{ ref('int_payments__merchants') }}
),

policies as (
    select * from {{ ref('policies') }}
),

active_policies as (
    select * from policies
    where active_flag = 'Y'
),

facts as (
    select
        transactions.transaction_id,
        transactions.merchant_id,
        transactions.user_id,
        transactions.amount,
        transactions.currency,
        merchants.risk_level,
        {{ dbt.datediff('merchants.onboarding_date', 'transactions.transaction_date', 'day') }}
            as days_since_onboarding
    from transactions
    left join merchants
        on transactions.merchant_id = merchants.merchant_id
),

hits as (
    select distinct
        facts.transaction_id,
        active_policies.flag_name
    from facts
    inner join active_policies
        on
            (active_policies.min_amount is null or facts.amount >= active_policies.min_amount)
            and (
                active_policies.max_days_since_onboarding is null
                or facts.days_since_onboarding < active_policies.max_days_since_onboarding
            )
            and {{ ledgerhouse.policy_parameter_matches('active_policies.risk_levels', 'facts.risk_level') }}
            and {{ ledgerhouse.policy_parameter_matches('active_policies.currencies', 'facts.currency') }}
            and {{ ledgerhouse.policy_parameter_matches('active_policies.merchant_ids', 'facts.merchant_id') }}
            and {{ ledgerhouse.policy_parameter_matches('active_policies.user_ids', 'facts.user_id') }}
),

flag_lists as (
    select
        transaction_id,
        {{ dbt.listagg('flag_name', "','", 'order by ' ~ ledgerhouse.binary_order('flag_name')) }} as enriched_flags
    from hits
    group by transaction_id
),

final as (
    select
        transactions.transaction_id,
        coalesce(flag_lists.enriched_flags, '') as enriched_flags
    from transactions
    left join flag_lists
        on transactions.transaction_id = flag_lists.transaction_id
)

select * from final
