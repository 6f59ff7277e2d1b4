-- One row per valid activity with the effect its bookkeeping rule gives it
-- (brokerage.md §4, §5): every switch is read from the bookkeeping_rules
-- seed, nothing is hard-coded. An effect whose switch is 'N' is 0. An empty
-- quantity or amount has no effect (0). The SMA effect is
-- round(amount × sma_pct / 100, 4), half away from zero, computed exactly.
{%- set sma_numerator = 'coalesce(activity.amount, 0) * bookkeeping_rules.sma_pct' %}

with

activity as (
    select * from {{ ref('int_brokerage__activity_valid') }}
),

bookkeeping_rules as (
    select * from {{ ref('bookkeeping_rules') }}
),

final as (
    select
        activity.activity_id,
        activity.firm,
        activity.ledger,
        activity.branch,
        activity.base,
        activity.sub_acct_key,
        activity.cusip,
        activity.maxx_key_code,
        cast(coalesce(activity.quantity, 0) as {{ ledgerhouse.type_quantity() }}) as quantity,
        cast(coalesce(activity.amount, 0) as {{ ledgerhouse.type_money() }}) as amount,
        activity.trade_date,
        activity.settle_date,
        activity.entry_seq,
        bookkeeping_rules.upd_td_qty_sw,
        bookkeeping_rules.upd_sd_qty_sw,
        bookkeeping_rules.upd_td_bal_sw,
        bookkeeping_rules.upd_sd_bal_sw,
        bookkeeping_rules.adj_sma_sw,
        bookkeeping_rules.sma_pct,
        cast(
            case when bookkeeping_rules.upd_td_qty_sw = 'Y' then coalesce(activity.quantity, 0) else 0 end
            as {{ ledgerhouse.type_quantity() }}
        ) as td_qty_change,
        cast(
            case when bookkeeping_rules.upd_sd_qty_sw = 'Y' then coalesce(activity.quantity, 0) else 0 end
            as {{ ledgerhouse.type_quantity() }}
        ) as sd_qty_change,
        cast(
            case when bookkeeping_rules.upd_td_bal_sw = 'Y' then coalesce(activity.amount, 0) else 0 end
            as {{ ledgerhouse.type_money() }}
        ) as td_bal_change,
        cast(
            case when bookkeeping_rules.upd_sd_bal_sw = 'Y' then coalesce(activity.amount, 0) else 0 end
            as {{ ledgerhouse.type_money() }}
        ) as sd_bal_change,
        cast(
            case
                when bookkeeping_rules.adj_sma_sw = 'Y'
                    then {{ ledgerhouse.divide_round(sma_numerator, '100', 4) }}
                else 0
            end
            as {{ ledgerhouse.type_money() }}
        ) as sma_change,
        activity._batch_id,
        activity._source_file,
        activity._line_number,
        activity._loaded_at
    from activity
    inner join bookkeeping_rules
        on activity.maxx_key_code = bookkeeping_rules.maxx_key_code
)

select * from final
