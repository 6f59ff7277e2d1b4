{#
    Warning, not error: an entry_ts that is present but not a timestamp is
    not one of the spec's validation errors (E001–E008 only cover dates and
    numbers), so the activity stays valid with a null entry_ts; this test
    makes such rows visible.
#}
{{ config(severity='warn') }}

select * from {{ ref('int_brokerage__activity_checks') }}
where {{ ledgerhouse.is_unparseable('entry_ts_raw', 'entry_ts') }}
