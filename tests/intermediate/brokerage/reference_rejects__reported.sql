{#
    Warning, not error: reference rows quarantined by the row checks
    (int_brokerage__reference_rejects) are reported on every build so
    operations can correct and re-deliver them. They never fail the run.
#}
{{ config(severity='warn') }}

select * from {{ ref('int_brokerage__reference_rejects') }}
