{#
    The brokerage keys (brokerage.md §2), named once:
      sub_account_key()  firm, ledger, branch, base, sub_acct_key
      position_key()     the sub-account key + cusip
    and key_equals(left, right, columns): the join condition
    `left.c = right.c and …` over `columns`, so a join on a composite key is
    written as one call instead of six hand-typed lines that can drift.
#}
{% macro sub_account_key() -%}
    {{ return(['firm', 'ledger', 'branch', 'base', 'sub_acct_key']) }}
{%- endmacro %}

{% macro position_key() -%}
    {{ return(ledgerhouse.sub_account_key() + ['cusip']) }}
{%- endmacro %}

{% macro key_equals(left, right, columns) -%}
    {%- for column in columns %}
            {{ 'and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor %}
{%- endmacro %}
