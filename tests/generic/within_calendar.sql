{#
    within_calendar(calendar, calendar_column='business_date'): no value of the
    column lies after the last date of the business-date calendar `calendar`
    (a seed). A date past the calendar has no business date to land on and
    would be missing from every daily table without an error, so the test
    fails with one row: how many values lie beyond, the latest of them and the
    calendar's last date. Extend the seed (`python -m ledgerhouse.calendar_seed
    --end YYYY-MM-DD --out <seed csv>`) or correct the row. Use the test's
    `where` config to check only the rows that are used (e.g. is_valid).
#}
{% test within_calendar(model, column_name, calendar, calendar_column='business_date') %}

with

calendar as (
    select max({{ calendar_column }}) as last_business_date
    from {{ calendar }}
),

-- the model relation is not aliased: with a `where` config dbt renders it as an
-- aliased subquery already
beyond as (
    select {{ column_name }} as input_date
    from {{ model }}
    where {{ column_name }} > (select calendar.last_business_date from calendar)
),

summary as (
    select
        count(*) as dates_beyond,
        max(input_date) as last_input_date
    from beyond
),

final as (
    select
        summary.dates_beyond,
        summary.last_input_date,
        calendar.last_business_date
    from summary
    cross join calendar
    where summary.dates_beyond > 0
)

select * from final

{% endtest %}
