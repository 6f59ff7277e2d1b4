{#
    flag_compliance(fraud_score, policy_flags): the risk assessment of
    payments.md §2. BLOCK when fraud_score >= var('payments_block_score')
    (default 0.9); REVIEW when fraud_score >= var('payments_review_score')
    (default 0.7) or any policy flag is set (policy_flags non-empty);
    else CLEAR. A transaction without a valid score is judged on its flags.
    The thresholds are vars, not literals, so a review changes them in one place.
#}
{% macro flag_compliance(fraud_score, policy_flags) -%}
    case
        when {{ fraud_score }} >= {{ var('payments_block_score', 0.9) }} then 'BLOCK'
        when {{ fraud_score }} >= {{ var('payments_review_score', 0.7) }}
            or coalesce({{ policy_flags }}, '') <> '' then 'REVIEW'
        else 'CLEAR'
    end
{%- endmacro %}
