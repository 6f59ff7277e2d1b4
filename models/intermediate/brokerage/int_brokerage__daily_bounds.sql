-- One row: the business-date range the daily marts cover (brokerage.md §5).
-- first_date = the earliest opening as_of_date or activity trade_date;
-- as_of_date = the dbt var as_of_date, or when it is empty the latest
-- trade_date or price_date loaded.
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

start_dates as (
    select min(trade_date) as start_date from activity
    union all
    select min(as_of_date) as start_date from opening_positions
    union all
    select min(as_of_date) as start_date from opening_balances
),

loaded_dates as (
    select max(trade_date) as loaded_date from activity
    union all
    select max(price_date) as loaded_date from prices
),

final as (
    select
        (select min(start_date) as first_date from start_dates) as first_date,
        {%- if var('as_of_date', '') %}
        cast('{{ var("as_of_date") }}' as date) as as_of_date
        {%- else %}
        (select max(loaded_date) as as_of_date from loaded_dates) as as_of_date
        {%- endif %}
)

select * from final
