-- Grain: business_date × position key, for positions_daily rows with
-- td_qty <> 0 (brokerage.md §6).
--   price       latest price with price_date <= d; prev_price latest < d.
--   pricing_rule, first match wins:
--     DEFAULT   security unknown or no price: unit value = the product's
--               default_price_for_mgn (product var unknown_security_prodline,
--               EQ, when the security is unknown), multiplier 1
--     EXPIRED   prodline var expiring_prodline (OPT) and
--               exp_or_maturity_date < d: market value 0
--     EXTENDED  product ext_rule_flag = 'Y': unit value = price × contract_size × factor
--     STANDARD  unit value = price × factor
--   market_value_unrounded = td_qty × unit value (exact, 14 decimals);
--   market_value = round0(market_value_unrounded), signed;
--   daily_pnl = round(td_qty × (price − prev_price) × multiplier, 4), 0 for
--   DEFAULT / EXPIRED or when a price is missing; loss = greatest(0, −daily_pnl).
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

positions as (
    select * from {{ ref('positions_daily') }}
    where
        {{ ledgerhouse.in_daily_window('business_date', window_start) }}
        and td_qty <> 0
),

securities as (
    select * from {{ ref('int_brokerage__securities_current') }}
),

product_definitions as (
    select * from {{ ref('product_definitions') }}
),

daily_prices as (
    select * from {{ ref('int_brokerage__daily_prices') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

resolved as (
    select
        positions.business_date,
        positions.firm,
        positions.ledger,
        positions.branch,
        positions.base,
        positions.sub_acct_key,
        positions.cusip,
        positions.td_qty,
        cast(daily_prices.price as {{ ledgerhouse.type_price() }}) as price,
        cast(daily_prices.prev_price as {{ ledgerhouse.type_price() }}) as prev_price,
        case when securities.cusip is not null then 'Y' else 'N' end as security_found_sw,
        case when underlyings.cusip is not null then 'Y' else 'N' end as uls_found_sw,
        securities.exp_or_maturity_date,
        cast(coalesce(securities.contract_size, 1) as {{ ledgerhouse.type_quantity() }}) as contract_size,
        coalesce(securities.product_line, '{{ var("unknown_security_prodline") }}') as prodline
    from positions
    left join securities
        on positions.cusip = securities.cusip
    left join securities as underlyings
        on securities.uls = underlyings.cusip
    left join daily_prices
        on
            positions.cusip = daily_prices.cusip
            and positions.business_date = daily_prices.business_date
),

ruled as (
    select
        resolved.*,
        product_definitions.factor,
        product_definitions.default_price_for_mgn,
        case
            when resolved.security_found_sw = 'N' or resolved.price is null then 'DEFAULT'
            when
                resolved.prodline = '{{ var("expiring_prodline") }}'
                and resolved.exp_or_maturity_date < resolved.business_date
                then 'EXPIRED'
            when product_definitions.ext_rule_flag = 'Y' then 'EXTENDED'
            else 'STANDARD'
        end as pricing_rule
    from resolved
    left join product_definitions
        on resolved.prodline = product_definitions.prodline
),

valued as (
    select
        *,
        cast(
            case pricing_rule
                when 'DEFAULT' then 1
                when 'EXPIRED' then 0
                when 'EXTENDED' then contract_size * factor
                else factor
            end
            as {{ ledgerhouse.type_multiplier() }}
        ) as multiplier
    from ruled
),

unit_valued as (
    select
        *,
        cast(
            case pricing_rule
                when 'DEFAULT' then default_price_for_mgn
                when 'EXPIRED' then 0
                else price * multiplier
            end
            as {{ ledgerhouse.type_exact() }}
        ) as unit_value
    from valued
),

with_market_value as (
    select
        *,
        cast(td_qty * unit_value as {{ ledgerhouse.type_exact() }}) as market_value_unrounded,
        cast(
            case
                when pricing_rule in ('EXTENDED', 'STANDARD') and price is not null and prev_price is not null
                    then {{ ledgerhouse.round_half_away(
                        'cast(td_qty * (price - prev_price) as ' ~ ledgerhouse.type_exact() ~ ') * multiplier', 4) }}
                else 0
            end
            as {{ ledgerhouse.type_money() }}
        ) as daily_pnl
    from unit_valued
),

final as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        cusip as product_id,
        prodline,
        td_qty,
        price,
        prev_price,
        security_found_sw,
        uls_found_sw,
        pricing_rule,
        multiplier,
        unit_value,
        market_value_unrounded,
        {{ ledgerhouse.round0('market_value_unrounded') }} as market_value,
        daily_pnl,
        cast(case when daily_pnl < 0 then -daily_pnl else 0 end as {{ ledgerhouse.type_money() }}) as loss,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as calculated_at,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from with_market_value
)

select * from final
