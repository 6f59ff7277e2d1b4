{#
    round_half_away(expr, scale): round an exact decimal to `scale` places,
    half away from zero (2.5 -> 3, -2.5 -> -3), identically on every target.
    The argument must be a decimal/numeric expression, never a float: DuckDB,
    PostgreSQL and Spark all round decimals half away from zero, while float
    rounding differs (PostgreSQL rounds double precision half to even).

    round0(expr): brokerage.md's round0, i.e. round_half_away(expr, 0),
    returned as decimal(28, 0).
#}
{% macro round_half_away(expr, scale) -%}
    {{ return(adapter.dispatch('round_half_away', 'ledgerhouse')(expr, scale)) }}
{%- endmacro %}

{% macro default__round_half_away(expr, scale) -%}
    round({{ expr }}, {{ scale }})
{%- endmacro %}

{% macro round0(expr) -%}
    cast({{ ledgerhouse.round_half_away(expr, 0) }} as {{ ledgerhouse.type_money(0) }})
{%- endmacro %}

{#
    divide_round(numerator, denominator, scale): numerator / denominator
    rounded half away from zero to `scale` places, computed exactly and
    returned as decimal(38, scale); null when the denominator is 0 or null.
    DuckDB turns decimal division into double (duckdb #13512), so there the
    quotient is computed in 128-bit integers: inputs are scaled by 10^10,
    which is exact for every decimal in this warehouse (scale <= 10).
#}
{% macro divide_round(numerator, denominator, scale) -%}
    {{ return(adapter.dispatch('divide_round', 'ledgerhouse')(numerator, denominator, scale)) }}
{%- endmacro %}

{% macro default__divide_round(numerator, denominator, scale) -%}
    case
        when {{ denominator }} <> 0
            then cast(round(cast({{ numerator }} as numeric) / cast({{ denominator }} as numeric), {{ scale }}) as numeric(38, {{ scale }}))
    end
{%- endmacro %}

{% macro duckdb__divide_round(numerator, denominator, scale) -%}
    {%- set n -%}cast(cast({{ numerator }} as decimal(38, 10)) * 10000000000 as hugeint) * cast({{ 10 ** scale }} as hugeint){%- endset -%}
    {%- set d -%}cast(cast({{ denominator }} as decimal(38, 10)) * 10000000000 as hugeint){%- endset -%}
    case
        when {{ denominator }} <> 0
            then cast(
                sign({{ n }}) * sign({{ d }})
                * ((abs({{ n }}) * 2 + abs({{ d }})) // (abs({{ d }}) * 2))
                as decimal(38, 0)
            ) * cast('{{ "%.*f" | format(scale, 10 ** (0 - scale)) }}' as decimal(38, {{ scale }}))
    end
{%- endmacro %}
