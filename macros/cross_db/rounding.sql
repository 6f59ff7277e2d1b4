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

{#-
    Spark: a decimal quotient there gets a type Spark picks (its scale rounded
    to at least 6 places, or its integer digits squeezed when the operands
    are wide), so round(n / d, scale) can round twice or overflow. As on
    DuckDB the quotient is computed on integers: n and d scaled by 10^10 as
    exact decimal(38, 0) values (spark_scaled_integer), then
    q = (2|n| + |d|) div (2|d|), where `div` is Spark's exact integral
    division. Its result is a bigint that wraps silently past 9.2e18, so q is
    checked (q x 2|d| = the dividend minus its remainder) and an out-of-range
    quotient (|result| x 10^scale >= 9.2e18) fails the query with
    raise_error instead of giving a wrong value. The sign is restored with a
    comparison (Spark's sign() returns a double). Every
    intermediate type has scale 0 or fits 38 digits, so no step rounds,
    whatever spark.sql.decimalOperations.allowPrecisionLoss says.
-#}
{% macro spark__divide_round(numerator, denominator, scale) -%}
    {%- set n = ledgerhouse.spark_scaled_integer(numerator, 10 + scale) -%}
    {%- set d = ledgerhouse.spark_scaled_integer(denominator, 10) -%}
    {%- set a -%}(abs({{ n }}) * 2 + abs({{ d }})){%- endset -%}
    {%- set b -%}(abs({{ d }}) * 2){%- endset -%}
    {%- set q -%}({{ a }} div {{ b }}){%- endset -%}
    case
        when {{ denominator }} <> 0
            then cast(
                cast(
                    case when ({{ n }} < 0) = ({{ d }} < 0) then 1 else -1 end
                    * case
                        when cast({{ q }} as decimal(20, 0)) * {{ b }} = {{ a }} - {{ a }} % {{ b }} then {{ q }}
                        else raise_error('divide_round: quotient out of range')
                    end
                    as decimal({{ 36 - scale }}, 0)
                )
                * cast('{{ "%.*f" | format(scale, 10 ** (0 - scale)) }}' as decimal({{ scale + 1 }}, {{ scale }}))
                as decimal(38, {{ scale }})
            )
    end
{%- endmacro %}

{#- spark_scaled_integer(expr, shift): cast(expr as decimal(38, 10)) x 10^shift
    (shift >= 10) as an exact decimal(38, 0): its whole part (`div 1`, a
    bigint) and its 10 fraction digits (`% 1`, decimal(11, 10)) are scaled
    separately, so no product needs more than 38 digits of which 10 are
    zero decimals. -#}
{% macro spark_scaled_integer(expr, shift) -%}
    (
        cast(cast({{ expr }} as decimal(38, 10)) div 1 as decimal(20, 0)) * {{ 10 ** shift }}
        + cast(cast({{ expr }} as decimal(38, 10)) % 1 * 10000000000 as decimal(11, 0)) * {{ 10 ** (shift - 10) }}
    )
{%- endmacro %}
