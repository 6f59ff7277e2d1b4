-- One row per market_values row with its margin inputs and the margin rule
-- that applies (brokerage.md §7): side = LONG if td_qty > 0 else SHORT;
-- concentrated_sw = 'Y' when |market_value| > concentration_threshold_pct %
-- of the sub-account's Σ |market_value| on the day (compared as
-- |mv| × 100 > pct × total, no division); the rule is the matching
-- margin_rules row (level POSITION, action PCT, '*' matches anything) with
-- the lowest nyrs_mgn_seq. nyrs_mgn_rule is null when no rule matches.
-- Incremental by business_date like the daily marts (it is their shared
-- input), so an incremental run matches only the rebuild window's positions.
{{ config(**ledgerhouse.daily_mart_config()) }}
{%- set window_start = ledgerhouse.daily_window_start() %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

market_values as (
    select * from {{ ref('market_values') }}
    where {{ ledgerhouse.in_daily_window('business_date', window_start) }}
),

margin_rules as (
    select * from {{ ref('margin_rules') }}
    where nyrs_level = 'POSITION' and nyrs_action = 'PCT'
),

-- The sub-account's total on the day is a window sum over the positions,
-- not a group-by joined back on six key columns: PostgreSQL estimated that
-- join at one row and then matched the rules in a nested loop once per
-- position (26 s of 28 s at 300K activities; docs/brokerage.md).
positions as (
    select
        business_date,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        prodline,
        td_qty,
        market_value,
        cast(abs(market_value) as {{ ledgerhouse.type_money(0) }}) as abs_market_value,
        case when td_qty > 0 then 'LONG' else 'SHORT' end as side,
        case
            when
                abs(market_value) * 100
                > {{ var('concentration_threshold_pct') }} * sum(abs(market_value)) over (
                    partition by business_date, {{ ledgerhouse.sub_account_key() | join(', ') }}
                )
                then 'Y'
            else 'N'
        end as concentrated_sw
    from market_values
),

-- The rule depends only on (prodline, side, concentrated_sw): it is chosen
-- once per distinct combination, then joined to the positions on equal keys.
combinations as (
    select distinct
        prodline,
        side,
        concentrated_sw
    from positions
),

ranked_rules as (
    select
        combinations.prodline,
        combinations.side,
        combinations.concentrated_sw,
        margin_rules.nyrs_mgn_rule,
        margin_rules.nyrs_mgn_seq,
        margin_rules.house_pct,
        margin_rules.exch_pct,
        row_number() over (
            partition by combinations.prodline, combinations.side, combinations.concentrated_sw
            order by margin_rules.nyrs_mgn_seq, {{ ledgerhouse.binary_order('margin_rules.nyrs_mgn_rule') }}
        ) as match_rank
    from combinations
    inner join margin_rules
        on
            (combinations.prodline = margin_rules.match_prodline or margin_rules.match_prodline = '*')
            and (combinations.side = margin_rules.match_side or margin_rules.match_side = '*')
            and (
                combinations.concentrated_sw = margin_rules.match_concentrated
                or margin_rules.match_concentrated = '*'
            )
),

chosen_rules as (
    select * from ranked_rules
    where match_rank = 1
),

final as (
    select
        positions.*,
        chosen_rules.nyrs_mgn_rule,
        chosen_rules.nyrs_mgn_seq,
        chosen_rules.house_pct,
        chosen_rules.exch_pct,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from positions
    left join chosen_rules
        on
            positions.prodline = chosen_rules.prodline
            and positions.side = chosen_rules.side
            and positions.concentrated_sw = chosen_rules.concentrated_sw
)

select * from final
