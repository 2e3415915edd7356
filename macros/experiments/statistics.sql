{#-
    Small closed-form statistics for the experiment and campaign reports, in portable SQL.

    `normal_upper_tail(z)`: P(Z > z) for a standard normal Z and z >= 0 (Abramowitz & Stegun
      26.2.17, absolute error below 7.5e-8). Two-sided p-value of a z statistic: 2 * upper tail of |z|;
      p-value of a chi-square statistic with 1 degree of freedom x: 2 * upper tail of sqrt(x).
    `diff_of_proportions_se(successes_a, trials_a, successes_b, trials_b)`: the unpooled standard
      error of p_a - p_b (normal approximation, Wald): sqrt(p_a(1-p_a)/n_a + p_b(1-p_b)/n_b); null
      when either group is empty.
-#}
{% macro normal_upper_tail(z) -%}
    (
        exp(-0.5 * ({{ z }}) * ({{ z }})) / sqrt(2 * pi())
        * (1.0 / (1.0 + 0.2316419 * ({{ z }})))
        * (
            0.319381530 + (1.0 / (1.0 + 0.2316419 * ({{ z }})))
            * (
                -0.356563782 + (1.0 / (1.0 + 0.2316419 * ({{ z }})))
                * (
                    1.781477937 + (1.0 / (1.0 + 0.2316419 * ({{ z }})))
                    * (-1.821255978 + (1.0 / (1.0 + 0.2316419 * ({{ z }}))) * 1.330274429)
                )
            )
        )
    )
{%- endmacro %}


{% macro diff_of_proportions_se(successes_a, trials_a, successes_b, trials_b) -%}
    case
        when {{ trials_a }} > 0 and {{ trials_b }} > 0
            then sqrt(
                (1.0 * {{ successes_a }} / {{ trials_a }}) * (1 - 1.0 * {{ successes_a }} / {{ trials_a }})
                / {{ trials_a }}
                + (1.0 * {{ successes_b }} / {{ trials_b }}) * (1 - 1.0 * {{ successes_b }} / {{ trials_b }})
                / {{ trials_b }}
            )
    end
{%- endmacro %}
