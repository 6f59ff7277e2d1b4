-- One row per applied activity whose rule has upd_td_qty_sw = 'Y'
-- (brokerage.md §4): activities are applied per position key in the order
-- (trade_date, entry_seq, activity_id); td_qty_after = opening td_qty + the
-- running sum of quantity, td_qty_before the same without this activity.
-- An activity dated before its position's opening as_of_date is already
-- inside the opening and is not applied again. event_payload is the
-- position.updated message as JSON text (identical on every target).
--
-- Incremental by trade_date (daily_mart_config('trade_date')): an
-- incremental run rebuilds the updates traded on or after the window's
-- start (macros/brokerage/daily_incremental.sql; a late activity moves it
-- back to its date, so every later update of its position is renumbered).
-- The updates traded before the window are carried in per position as
-- their count and Σ quantity, read from this mart's rows before the window
-- (which are a full build's), so each rebuilt row equals a full build's.
-- A build of the whole history (window start none, or 0001-01-01 for an
-- empty target) has nothing to carry in and skips that join.
{{ config(**ledgerhouse.daily_mart_config('trade_date')) }}
{%- set window_start = ledgerhouse.daily_window_start('trade_date') or '0001-01-01' %}
{%- set whole_history = window_start == '0001-01-01' %}

with

build_state as (
    select * from {{ ref('int_brokerage__build_state') }}
),

-- the window's filter here, on the scan, not after the opening join: a
-- one-day run then reads the window's activities, not all of history
effects as (
    select * from {{ ref('int_brokerage__activity_effects') }}
    where
        cusip is not null
        and upd_td_qty_sw = 'Y'
        and {{ ledgerhouse.in_daily_window('trade_date', none if whole_history else window_start) }}
),

opening_positions as (
    select * from {{ ref('int_brokerage__opening_positions_current') }}
),

applied as (
    select
        effects.*,
        opening_positions.as_of_date as opening_as_of_date,
        cast(coalesce(opening_positions.td_qty, 0) as {{ ledgerhouse.type_quantity() }}) as opening_td_qty
    from effects
    left join opening_positions
        on
            {{ ledgerhouse.key_equals('effects', 'opening_positions', ledgerhouse.position_key()) | trim }}
    where
        opening_positions.as_of_date is null
        or effects.trade_date >= opening_positions.as_of_date
),

{%- if whole_history %}

in_window as (
    select
        *,
        cast(0 as bigint) as carried_updates,
        cast(0 as {{ ledgerhouse.type_quantity() }}) as carried_quantity
    from applied
),
{%- else %}

window_positions as (
    select distinct
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip
    from applied
),

-- the updates traded before the window, per position updated in it: this
-- mart's own rows (a full build's rows: every run rewrites a suffix of
-- trade dates), not the whole history of activity effects again
carried_in as (
    select
        prior_updates.firm,
        prior_updates.ledger,
        prior_updates.branch,
        prior_updates.base,
        prior_updates.sub_acct_key,
        prior_updates.cusip,
        count(*) as carried_updates,
        sum(prior_updates.quantity) as carried_quantity
    from {{ this }} as prior_updates
    inner join window_positions
        on
            {{ ledgerhouse.key_equals('prior_updates', 'window_positions', ledgerhouse.position_key()) | trim }}
    where prior_updates.trade_date < cast('{{ window_start }}' as date)
    group by
        prior_updates.firm,
        prior_updates.ledger,
        prior_updates.branch,
        prior_updates.base,
        prior_updates.sub_acct_key,
        prior_updates.cusip
),

in_window as (
    select
        applied.*,
        coalesce(carried_in.carried_updates, 0) as carried_updates,
        coalesce(carried_in.carried_quantity, 0) as carried_quantity
    from applied
    left join carried_in
        on
            {{ ledgerhouse.key_equals('applied', 'carried_in', ledgerhouse.position_key()) | trim }}
),
{%- endif %}

sequenced as (
    select
        *,
        -- bigint on every engine (Spark's row_number() is an int)
        cast(carried_updates + row_number() over (
            partition by firm, ledger, branch, base, sub_acct_key, cusip
            order by trade_date, entry_seq asc nulls last, {{ ledgerhouse.binary_order('activity_id') }}
        ) as bigint) as seq_in_position,
        carried_quantity + sum(quantity) over (
            partition by firm, ledger, branch, base, sub_acct_key, cusip
            order by trade_date, entry_seq asc nulls last, {{ ledgerhouse.binary_order('activity_id') }}
            rows between unbounded preceding and current row
        ) as applied_quantity
    from in_window
),

with_after as (
    select
        *,
        cast(opening_td_qty + applied_quantity as {{ ledgerhouse.type_quantity() }}) as td_qty_after
    from sequenced
),

with_before as (
    select
        *,
        cast(td_qty_after - quantity as {{ ledgerhouse.type_quantity() }}) as td_qty_before
    from with_after
),

final as (
    select
        activity_id,
        firm,
        ledger,
        branch,
        base,
        sub_acct_key,
        cusip,
        maxx_key_code,
        trade_date,
        settle_date,
        entry_seq,
        quantity,
        seq_in_position,
        opening_td_qty,
        td_qty_before,
        td_qty_after,
        {{ ledgerhouse.json_text_object([
            ['event', "'position.updated'", 'string'],
            ['activity_id', 'activity_id', 'string'],
            ['firm', 'firm', 'string'],
            ['ledger', 'ledger', 'string'],
            ['branch', 'branch', 'string'],
            ['base', 'base', 'string'],
            ['sub_acct_key', 'sub_acct_key', 'string'],
            ['cusip', 'cusip', 'string'],
            ['maxx_key_code', 'maxx_key_code', 'string'],
            ['trade_date', 'trade_date', 'date'],
            ['settle_date', 'settle_date', 'date'],
            ['seq_in_position', 'seq_in_position', 'number'],
            ['quantity', 'quantity', 'number'],
            ['td_qty_before', 'td_qty_before', 'number'],
            ['td_qty_after', 'td_qty_after', 'number'],
        ]) }} as event_payload,
        _batch_id,
        _source_file,
        _line_number,
        _loaded_at,
        {{ ledgerhouse.daily_mart_build_columns() }}
    from with_before
)

select * from final
