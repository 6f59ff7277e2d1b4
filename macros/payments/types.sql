{#
    type_score(): the exact type of a fraud score (payments.md §1). Scores
    arrive with up to 4 decimals; 6 leave room for averages of scores
    (merchant_daily_kpis.avg_fraud_score is rounded to 6 places). A score
    with more decimal places is X001 (safe_cast_exact), never rounded.
#}
{% macro type_score() -%}decimal(28, 6){%- endmacro %}
