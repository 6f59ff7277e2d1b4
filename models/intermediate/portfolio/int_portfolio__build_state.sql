-- One row: the fingerprint of the rules the incremental portfolio facts are
-- computed with. Every fact row stores it (_rules_fingerprint); a run whose
-- fingerprint differs from the stored one rebuilds every date
-- (macros/portfolio/portfolio.sql, portfolio_min_affected_date), as the
-- brokerage marts do with int_brokerage__build_state: an edited seed or a
-- different as_of_date changes no load, so the load window alone would keep
-- rows built under the old rule.
with

transaction_types as (
    select * from {{ ref('portfolio_transaction_types') }}
),

business_dates as (
    select * from {{ ref('portfolio_business_dates') }}
),

rule_texts as (
    select
        'T:' || transaction_type
        || ':' || cash_basis
        || ':' || cast(cash_sign as {{ dbt.type_string() }})
        || ':' || cast(quantity_sign as {{ dbt.type_string() }})
        || ':' || cast(opens_lot as {{ dbt.type_string() }})
        || ':' || cast(consumes_lot as {{ dbt.type_string() }})
        || ':' || cast(has_realized_pnl as {{ dbt.type_string() }})
        || ':' || cast(requires_instrument as {{ dbt.type_string() }})
        || ':' || cast(external_flow_sign as {{ dbt.type_string() }})
        || ':' || external_flow_basis as rule_text
    from transaction_types

    union all

    select
        'D:' || cast(count(*) as {{ dbt.type_string() }})
        || ':' || cast(min(business_date) as {{ dbt.type_string() }})
        || ':' || cast(max(business_date) as {{ dbt.type_string() }}) as rule_text
    from business_dates

    union all

    -- the var the facts compute with (empty: the latest valid price date)
    select 'V:{{ var("as_of_date", "") }}' as rule_text
),

fingerprint as (
    select {{ dbt.hash(dbt.listagg('rule_text', "'|'", 'order by rule_text')) }} as rules_md5
    from rule_texts
),

final as (
    select cast(rules_md5 as {{ dbt.type_string() }}) as _rules_fingerprint
    from fingerprint
)

select * from final
