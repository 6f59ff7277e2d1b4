-- One row per input relation of the daily brokerage marts and per load
-- (_loaded_at): the earliest business date that load can change. It drives
-- the rebuild window of the incremental daily marts
-- (macros/brokerage/daily_incremental.sql):
--   activity    the earliest trade_date or settle_date of its valid rows
--   prices      the earliest price_date
--   openings, accounts, securities   the beginning of history (0001-01-01):
--               such a row can change history in ways the new row alone does
--               not show (a moved as_of_date, a closed account invalidating
--               activity, a changed product line).
with

activity as (
    select * from {{ ref('int_brokerage__activity_valid') }}
),

prices as (
    select * from {{ ref('int_brokerage__prices_current') }}
),

opening_positions as (
    select * from {{ ref('int_brokerage__opening_positions_current') }}
),

opening_balances as (
    select * from {{ ref('int_brokerage__opening_balances_current') }}
),

accounts as (
    select * from {{ ref('int_brokerage__accounts_current') }}
),

securities as (
    select * from {{ ref('int_brokerage__securities_current') }}
),

final as (
    select
        'activity' as input_name,
        _loaded_at,
        min(case when trade_date < settle_date then trade_date else settle_date end) as affected_from_date
    from activity
    group by _loaded_at

    union all

    select
        'prices' as input_name,
        _loaded_at,
        min(price_date) as affected_from_date
    from prices
    group by _loaded_at

    {%- for name in ['opening_positions', 'opening_balances', 'accounts', 'securities'] %}

    union all

    select distinct
        '{{ name }}' as input_name,
        _loaded_at,
        cast('0001-01-01' as date) as affected_from_date
    from {{ name }}
    {%- endfor %}
)

select * from final
