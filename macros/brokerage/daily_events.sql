{#
    The two halves of every brokerage daily balance (brokerage.md §5), shared
    by positions_daily / int_brokerage__position_events and balances_daily /
    int_brokerage__balance_events, which differ only in their key columns and
    measures.

    trade_settle_events(relation, keys, measures, measure_type, flag=none, keep_trade_date=false)
        A select unfolding each row of `relation` (activity effects joined to
        their opening, column opening_as_of_date) into the dates it moves a
        balance: a row on its trade_date with the 'trade' measures and a row
        on its settle_date with the 'settle' measures; every other measure is
        0. An effect dated before the opening's as_of_date is already inside
        the opening, so such a row is left out — except, with
        keep_trade_date, the trade-date row, whose measures are then 0 (the
        key still has an event that day: a sub-account starts on the date of
        its first activity). `measures` is a list of [output column,
        expression, 'trade' or 'settle']; `flag` (optional) names an output
        column that is always 1 (an applied activity is dated event_date).

    daily_running_totals(events, business_dates, keys, totals, flag=none, prior=none, prior_date=none)
        CTEs (no leading `with`, ending in the CTE `daily_totals`) that turn
        per-date changes into one row per business date × key holding the
        running totals, for the business dates in `business_dates` (the
        rebuild window). Every change dated before the window's first date
        is summed into one carried-in change on that date, so each window
        row equals the row of a full build. `totals` is a list of [total
        column, change column]; `flag` (optional) names a 0/1 column of
        `events`, and daily_totals.<flag> is 1 on the date of such an event.

        `prior` and `prior_date` (an incremental run: the mart itself,
        `this`, and daily_prior_date(window_start), its last date before
        the window) read the carried-in change from the mart instead of
        summing the whole history: the totals on prior_date (prior has the
        columns business_date, keys and the total columns) plus the changes
        dated after prior_date and before the window. That is the same sum:
        the mart's rows before the window are a full build's (every run
        rewrites a suffix of dates), and it holds a row on prior_date for
        every key whose totals there are not all zero (a key without a row
        carries 0). It reads one day of the mart and the events after
        prior_date instead of every event ever (positions_daily at 10 M
        activities: 17 M rows of the mart, 8.8 M events). With prior_date
        none (a full build, or nothing in the mart before the window) the
        whole history is summed. The incremental test compares the result
        with a full refresh.
#}

{% macro trade_settle_events(relation, keys, measures, measure_type, flag=none, keep_trade_date=false) -%}
    {%- for side in ['trade', 'settle'] %}
    {%- set date_column = side ~ '_date' %}
    {%- set applies = 'opening_as_of_date is null or ' ~ date_column ~ ' >= opening_as_of_date' %}
    {%- set keep_all = keep_trade_date and side == 'trade' %}
    select
        {%- for key in keys %}
        {{ key }},
        {%- endfor %}
        {{ date_column }} as event_date,
        {%- for name, expression, measure_side in measures %}
        {%- if measure_side != side %}
        cast(0 as {{ measure_type }}) as {{ name }}{{ ',' if not loop.last or flag }}
        {%- elif keep_all %}
        cast(case when {{ applies }} then {{ expression }} else 0 end as {{ measure_type }}) as {{ name }}{{ ',' if not loop.last or flag }}
        {%- else %}
        cast({{ expression }} as {{ measure_type }}) as {{ name }}{{ ',' if not loop.last or flag }}
        {%- endif %}
        {%- endfor %}
        {%- if flag %}
        1 as {{ flag }}
        {%- endif %}
    from {{ relation }}
    {%- if not keep_all %}
    where {{ applies }}
    {%- endif %}
    {%- if loop.first %}

    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{% macro daily_running_totals(events, business_dates, keys, totals, flag=none, prior=none, prior_date=none) -%}
    {%- set key_list = keys | join(', ') %}
    {%- set use_prior = prior is not none and prior_date is not none %}
window_bounds as (
    select
        min(business_date) as first_date,
        max(business_date) as last_date
    from {{ business_dates }}
),
{%- if use_prior %}

-- the events after the mart's last date before the window, filtered in the
-- scan (an engine that materializes this CTE for its two uses keeps only
-- these rows, not every event of history)
recent_events as (
    select * from {{ events }}
    where event_date > cast('{{ prior_date }}' as date)
),

carried_changes as (
    select
        {%- for key in keys %}
        prior_rows.{{ key }},
        {%- endfor %}
        {%- for total, change in totals %}
        prior_rows.{{ total }} as {{ change }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ prior }} as prior_rows
    where prior_rows.business_date = cast('{{ prior_date }}' as date)

    union all

    select
        {%- for key in keys %}
        recent_events.{{ key }},
        {%- endfor %}
        {%- for total, change in totals %}
        recent_events.{{ change }}{{ ',' if not loop.last }}
        {%- endfor %}
    from recent_events
    cross join window_bounds
    where recent_events.event_date < window_bounds.first_date
),
{%- endif %}
    {#- the events the window's own dates are read from #}
    {%- set window_source = 'recent_events' if use_prior else events %}

carried_in as (
    {%- set carried = 'carried_changes' if use_prior else events %}
    select
        {%- for key in keys %}
        {{ carried }}.{{ key }},
        {%- endfor %}
        window_bounds.first_date as event_date,
        {%- for total, change in totals %}
        sum({{ carried }}.{{ change }}) as {{ change }}{{ ',' if not loop.last or flag }}
        {%- endfor %}
        {%- if flag %}
        0 as {{ flag }}
        {%- endif %}
    from {{ carried }}
    {%- if use_prior %}
    cross join window_bounds
    {%- else %}
    inner join window_bounds
        on {{ events }}.event_date < window_bounds.first_date
    {%- endif %}
    group by
        {%- for key in keys %}
        {{ carried }}.{{ key }},
        {%- endfor %}
        window_bounds.first_date
),

in_window as (
    select
        {%- for key in keys %}
        {{ window_source }}.{{ key }},
        {%- endfor %}
        {{ window_source }}.event_date,
        {%- for total, change in totals %}
        {{ window_source }}.{{ change }}{{ ',' if not loop.last or flag }}
        {%- endfor %}
        {%- if flag %}
        {{ window_source }}.{{ flag }}
        {%- endif %}
    from {{ window_source }}
    inner join window_bounds
        on
            {{ window_source }}.event_date >= window_bounds.first_date
            and {{ window_source }}.event_date <= window_bounds.last_date
),

window_events as (
    select
        {{ key_list }},
        event_date,
        {%- for total, change in totals %}
        sum({{ change }}) as {{ change }}{{ ',' if not loop.last or flag }}
        {%- endfor %}
        {%- if flag %}
        max({{ flag }}) as {{ flag }}
        {%- endif %}
    from (
        select * from carried_in
        union all
        select * from in_window
    ) as unioned
    group by {{ key_list }}, event_date
),

timeline as (
    select
        {{ key_list }},
        event_date,
        {%- if flag %}
        {{ flag }},
        {%- endif %}
        {%- for total, change in totals %}
        sum({{ change }}) over (
            partition by {{ key_list }}
            order by event_date
            rows between unbounded preceding and current row
        ) as {{ total }},
        {%- endfor %}
        coalesce(
            lead(event_date) over (
                partition by {{ key_list }}
                order by event_date
            ),
            cast('9999-12-31' as date)
        ) as next_event_date
    from window_events
),

daily_totals as (
    select
        {{ business_dates }}.business_date,
        {%- for key in keys %}
        timeline.{{ key }},
        {%- endfor %}
        {%- for total, change in totals %}
        timeline.{{ total }}{{ ',' if not loop.last or flag }}
        {%- endfor %}
        {%- if flag %}
        case
            when timeline.{{ flag }} = 1 and timeline.event_date = {{ business_dates }}.business_date then 1
            else 0
        end as {{ flag }}
        {%- endif %}
    from timeline
    inner join {{ business_dates }}
        on
            timeline.event_date <= {{ business_dates }}.business_date
            and timeline.next_event_date > {{ business_dates }}.business_date
)
{%- endmacro %}
