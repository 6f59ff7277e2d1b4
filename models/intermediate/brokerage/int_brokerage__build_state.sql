-- One row: the state of the inputs a daily brokerage mart is built from.
-- Every daily mart row carries both columns; an incremental run compares
-- them with what is loaded now to find its rebuild window
-- (macros/brokerage/daily_incremental.sql).
--   _loaded_at_watermark  the latest _loaded_at of any input row
--   _rules_fingerprint    md5 of every rule value read from the reference
--                         seeds (bookkeeping_rules, product_definitions,
--                         margin_rules, margin_error_codes,
--                         nyse_business_dates) and of the
--                         dbt vars the marts compute with, so an edited seed
--                         or var rebuilds the whole history.
with

input_loads as (
    select * from {{ ref('int_brokerage__input_loads') }}
),

bookkeeping_rules as (
    select * from {{ ref('bookkeeping_rules') }}
),

product_definitions as (
    select * from {{ ref('product_definitions') }}
),

margin_rules as (
    select * from {{ ref('margin_rules') }}
),

margin_error_codes as (
    select * from {{ ref('margin_error_codes') }}
),

calendar as (
    select * from {{ ref('nyse_business_dates') }}
),

rule_texts as (
    select
        'B:' || maxx_key_code || ':' || upd_td_bal_sw || upd_sd_bal_sw || adj_sma_sw
        || upd_td_qty_sw || upd_sd_qty_sw || ':' || cast(sma_pct as {{ dbt.type_string() }}) as rule_text
    from bookkeeping_rules

    union all

    select
        'P:' || prodline || ':' || cast(factor as {{ dbt.type_string() }})
        || ':' || cast(default_price_for_mgn as {{ dbt.type_string() }})
        || ':' || fractions_allowed_sw || marginable_flag || contributes_to_equity_sw || ext_rule_flag as rule_text
    from product_definitions

    union all

    select
        'M:' || nyrs_mgn_rule || ':' || cast(nyrs_mgn_seq as {{ dbt.type_string() }})
        || ':' || nyrs_level || ':' || nyrs_action || ':' || match_prodline || ':' || match_side
        || ':' || match_concentrated || ':' || cast(house_pct as {{ dbt.type_string() }})
        || ':' || cast(exch_pct as {{ dbt.type_string() }}) as rule_text
    from margin_rules

    union all

    -- margin_errors writes the code and starts its message with the name
    select 'C:' || error_code || ':' || error_name as rule_text
    from margin_error_codes

    union all

    select
        'D:' || cast(count(*) as {{ dbt.type_string() }})
        || ':' || cast(min(business_date) as {{ dbt.type_string() }})
        || ':' || cast(max(business_date) as {{ dbt.type_string() }}) as rule_text
    from calendar

    union all

    -- the dbt vars the daily marts compute with (rules too, only not in a seed)
    select
        'V:{{ var("concentration_threshold_pct") }}:{{ var("loan_value_pct") }}'
        || ':{{ var("margin_sub_acct_keys") | join(",") }}'
        || ':{{ var("unknown_security_prodline") }}:{{ var("expiring_prodline") }}' as rule_text
),

fingerprint as (
    select {{ dbt.hash(dbt.listagg('rule_text', "'|'", 'order by rule_text')) }} as rules_md5
    from rule_texts
),

watermark as (
    select max(_loaded_at) as latest_loaded_at
    from input_loads
),

final as (
    select
        cast(watermark.latest_loaded_at as timestamp) as _loaded_at_watermark,
        cast(fingerprint.rules_md5 as {{ dbt.type_string() }}) as _rules_fingerprint
    from watermark
    cross join fingerprint
)

select * from final
