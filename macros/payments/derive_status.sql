{#
    derive_status(reconciled_status, streaming_status): the final status of a
    transaction (payments.md §2): MATCHED -> SETTLED, PARTIAL -> DISPUTED,
    otherwise (UNMATCHED, or not in the batch: pending, or nothing to
    reconcile) the streaming status.
#}
{% macro derive_status(reconciled_status, streaming_status) -%}
    case
        when {{ reconciled_status }} = 'MATCHED' then 'SETTLED'
        when {{ reconciled_status }} = 'PARTIAL' then 'DISPUTED'
        else {{ streaming_status }}
    end
{%- endmacro %}
