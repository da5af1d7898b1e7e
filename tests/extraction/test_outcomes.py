"""Outcome data: validation messages and the published conversions (no database)."""

import math

import pytest
from scipy import integrate, stats

from extraction.outcomes import (
    WAN_ETA,
    WAN_XI,
    ArmData,
    DataType,
    Measure,
    Method,
    OutcomeData,
    arm_mean_sd,
    difference_se,
    outcome_from_dict,
    outcome_to_dict,
    sd_from_ci,
    sd_from_difference_se,
    unit_problems,
    validate_outcome,
    wan_eta,
    wan_xi,
)


def messages(row):
    return [p.message for p in validate_outcome(row)]


# --- Cochrane Handbook 6.5.2.2 / 6.5.2.3 -------------------------------------------------------------


def test_sd_from_se_is_root_n_times_se():
    derived = arm_mean_sd(ArmData("UC-MSC", n=25, mean=8.1, se=0.4))
    assert derived.spread == pytest.approx(5 * 0.4)
    assert derived.method == Method.SD_FROM_SE
    assert "6.5.2.2" in derived.formula


def test_small_sample_ci_uses_t_as_in_the_handbook_example():
    # Handbook 6.5.2.2: n = 25, 95 % CI -> t(0.975, 24) = 2.0639 and the divisor 3.92 becomes 4.128.
    sd, method, divisor = sd_from_ci(10.0, 14.128, 25)
    assert method == Method.SD_FROM_CI_T
    assert divisor == pytest.approx(4.128, abs=5e-4)
    assert sd == pytest.approx(5 * 4.128 / 4.128, rel=1e-3)


def test_large_sample_ci_uses_3_92():
    sd, method, divisor = sd_from_ci(1.0, 4.92, 100)
    assert method == Method.SD_FROM_CI_Z
    assert divisor == pytest.approx(3.92, abs=1e-3)
    assert sd == pytest.approx(10 * 3.92 / 3.92, rel=1e-3)


def test_mean_difference_from_p_value_matches_the_handbook_example():
    # Handbook 6.5.2.3: MD 3.8, P = 0.008, groups of 25 and 22 -> t = 2.78, SE = 1.37, SD = 4.69.
    row = OutcomeData(
        "HbA1c",
        "12 months",
        DataType.CONTINUOUS,
        Measure.MEAN_DIFFERENCE,
        arms=(ArmData("A", n=25), ArmData("B", n=22)),
        estimate=3.8,
        p_value=0.008,
    )
    derived = difference_se(row)
    assert derived.method == Method.SE_FROM_P_T
    assert derived.detail["t"] == pytest.approx(2.78, abs=0.005)
    assert derived.spread == pytest.approx(1.37, abs=0.005)
    assert sd_from_difference_se(derived.spread, 25, 22) == pytest.approx(4.69, abs=0.01)


def test_mean_difference_ci_in_small_trials_uses_t_on_pooled_df():
    row = OutcomeData(
        "HbA1c",
        "12 months",
        DataType.CONTINUOUS,
        Measure.MEAN_DIFFERENCE,
        arms=(ArmData("A", n=25), ArmData("B", n=22)),
        estimate=3.8,
        ci_low=1.0,
        ci_high=6.6,
    )
    derived = difference_se(row)
    assert derived.method == Method.SE_FROM_CI_T
    assert derived.detail["t"] == pytest.approx(stats.t.ppf(0.975, 45))
    assert derived.spread == pytest.approx(5.6 / (2 * 2.0141), rel=1e-3)


def test_ratio_ci_is_read_on_the_log_scale():
    # dat.bcg trial 1 (Aronson): RR 0.411 (95 % CI 0.134 to 1.257): log RR -0.889, SE 0.571 (metafor escalc).
    row = OutcomeData("TB", "", DataType.GENERIC, estimate=0.411, ci_low=0.134, ci_high=1.257, scale="RR")
    derived = difference_se(row)
    assert derived.method == Method.SE_FROM_LOG_CI
    assert derived.value == pytest.approx(-0.889, abs=0.002)
    assert derived.spread == pytest.approx(0.571, abs=0.002)


# --- Wan et al. 2014 ---------------------------------------------------------------------------------


def _expected_range(n):
    def integrand(x):
        f = stats.norm.cdf(x)
        return 1 - f**n - (1 - f) ** n

    return integrate.quad(integrand, -12, 12)[0]


def _expected_order_statistic(k, n):
    """E(Z_(k)) of n standard normals."""
    coef = math.factorial(n) / (math.factorial(k - 1) * math.factorial(n - k))

    def integrand(x):
        f = stats.norm.cdf(x)
        return x * coef * f ** (k - 1) * (1 - f) ** (n - k) * stats.norm.pdf(x)

    return integrate.quad(integrand, -12, 12)[0]


@pytest.mark.parametrize("n", [2, 5, 10, 25, 50])
def test_wan_table_1_is_the_expected_range_of_normal_samples(n):
    assert WAN_XI[n - 1] == pytest.approx(_expected_range(n), abs=6e-4)


@pytest.mark.parametrize("q", [1, 2, 10, 50])
def test_wan_table_2_is_the_expected_interquartile_range(q):
    n = 4 * q + 1
    assert WAN_ETA[q - 1] == pytest.approx(2 * _expected_order_statistic(3 * q + 1, n), abs=6e-4)


def test_wan_closed_forms_continue_the_tables():
    assert wan_xi(50) == 4.498 and wan_xi(51) == pytest.approx(4.498, abs=0.02)
    assert wan_eta(201) == 1.340 and wan_eta(205) == pytest.approx(1.340, abs=0.01)
    # eta(n) tends to 2 x 0.6745 = 1.349 (the IQR of a standard normal)
    assert wan_eta(100_001) == pytest.approx(1.349, abs=1e-3)


def test_median_and_iqr_scenario_s3():
    derived = arm_mean_sd(ArmData("Placebo", n=41, median=15.0, q1=10.0, q3=20.0))
    assert derived.method == Method.WAN_IQR
    assert derived.value == pytest.approx(15.0)
    assert derived.spread == pytest.approx(10.0 / 1.303)  # Table 2, Q = 10
    assert "Wan" in derived.formula and "S3" in derived.formula


def test_median_and_range_scenario_s1():
    derived = arm_mean_sd(ArmData("Placebo", n=10, median=6.0, minimum=2.0, maximum=14.0))
    assert derived.method == Method.WAN_RANGE
    assert derived.value == pytest.approx((2 + 12 + 14) / 4)
    assert derived.spread == pytest.approx(12.0 / 3.078)  # Table 1, n = 10


def test_all_five_numbers_scenario_s2():
    derived = arm_mean_sd(ArmData("A", n=21, median=6, q1=4, q3=9, minimum=1, maximum=15))
    assert derived.method == Method.WAN_IQR_RANGE
    assert derived.value == pytest.approx((1 + 8 + 12 + 18 + 15) / 8)
    assert derived.spread == pytest.approx(14 / (2 * 3.778) + 5 / (2 * 1.260))


def test_reported_sd_wins_over_everything_else():
    derived = arm_mean_sd(ArmData("A", n=10, mean=63.7, sd=18.7, se=1.0, median=60, q1=50, q3=70))
    assert (derived.value, derived.spread, derived.method) == (63.7, 18.7, Method.REPORTED)


# --- validation --------------------------------------------------------------------------------------


def test_sd_must_be_positive_and_the_message_names_the_arm():
    row = OutcomeData(
        "Insulin dose",
        "3 months",
        DataType.CONTINUOUS,
        Measure.FINAL,
        arms=(ArmData("Placental MSC", n=10, mean=34.7, sd=0),),
    )
    assert messages(row) == [
        "Insulin dose at 3 months, arm Placental MSC: SD must be greater than 0 (got 0)."
    ]


def test_events_cannot_exceed_total():
    row = OutcomeData("SAE", "12 months", DataType.BINARY, arms=(ArmData("UC-MSC", events=62, total=61),))
    assert messages(row) == ["SAE at 12 months, arm UC-MSC: events (62) must be between 0 and total (61)."]


def test_ci_must_contain_the_estimate():
    row = OutcomeData(
        "HbA1c", "12 months", DataType.GENERIC, estimate=-0.72, ci_low=-0.5, ci_high=-0.1, scale="MD"
    )
    assert "does not contain the estimate -0.72" in " ".join(messages(row))


def test_generic_needs_a_scale_and_a_precision():
    row = OutcomeData("HbA1c", "12 months", DataType.GENERIC, estimate=-0.72)
    text = " ".join(messages(row))
    assert "state the scale" in text and "needs the SE, the CI or the P value" in text


def test_valid_rows_have_no_problems():
    rows = [
        OutcomeData(
            "HbA1c",
            "12 m",
            DataType.CONTINUOUS,
            Measure.CHANGE,
            arms=(ArmData("UC", n=61, mean=-1.3, sd=1.1), ArmData("Placebo", n=30, mean=-0.6, sd=1.0)),
        ),
        OutcomeData(
            "SAE",
            "12 m",
            DataType.BINARY,
            arms=(ArmData("UC", events=0, total=61), ArmData("Placebo", events=1, total=30)),
        ),
        OutcomeData(
            "HbA1c", "12 m", DataType.GENERIC, estimate=-0.72, ci_low=-1.0, ci_high=-0.44, scale="MD"
        ),
    ]
    assert [validate_outcome(r) for r in rows] == [[], [], []]


def test_units_must_agree_within_an_outcome():
    a = OutcomeData("HbA1c", "12 m", DataType.CONTINUOUS, unit="%")
    b = OutcomeData("HbA1c", "6 m", DataType.CONTINUOUS, unit="mmol/mol")
    problems = unit_problems([("Zang 2022", a), ("Lian 2022", b)])
    assert [p.message for p in problems] == [
        "Lian 2022, HbA1c at 6 m: unit 'mmol/mol' differs from '%' used by Zang 2022."
    ]
    assert unit_problems([("Zang 2022", a)], unit="%") == []


def test_parse_accepts_decimal_commas_and_names_bad_fields():
    row, problems = outcome_from_dict(
        {
            "outcome": "Insulin",
            "time_point": "3 m",
            "data_type": "continuous",
            "arms": [{"arm": "PMSC", "n": "10", "mean": "34,7", "sd": "13,4"}, {"arm": "Ctl", "n": "ten"}],
        }
    )
    assert row.arms[0].mean == 34.7 and row.arms[0].sd == 13.4 and row.arms[0].n == 10
    assert [p.message for p in problems] == ["outcome, arm Ctl: n must be a whole number (got 'ten')."]
    again, _ = outcome_from_dict(outcome_to_dict(row))
    assert again == row


def test_outcome_diff_and_merge_work_row_by_row_and_arm_by_arm():
    from extraction.outcomes import diff_outcomes, merge_outcomes

    a = [
        {
            "outcome": "hba1c",
            "time_point": "12 months",
            "data_type": "continuous",
            "unit": "%",
            "arms": [
                {"arm": "UC-MSC", "n": 61, "mean": 7.1, "sd": 1.1},
                {"arm": "Placebo", "n": 30, "mean": 7.9},
            ],
        },
        {"outcome": "sae", "time_point": "12 months", "data_type": "binary", "arms": []},
    ]
    b = [
        {
            "outcome": "HbA1c",
            "time_point": "12  months",
            "data_type": "continuous",
            "unit": "%",
            "arms": [
                {"arm": "UC-MSC", "n": 61, "mean": 7.2, "sd": 1.1},
                {"arm": "Placebo", "n": 30, "mean": 7.9},
                {"arm": "Metformin", "n": 12, "mean": 8.0, "sd": 1.0},
            ],
        }
    ]
    diffs = diff_outcomes(a, b)
    assert [(d.path, d.a, d.b) for d in diffs] == [
        ("@outcomes[hba1c @ 12 months].arms[UC-MSC].mean", 7.1, 7.2),
        ("@outcomes[hba1c @ 12 months].arms[Metformin]", None, b[0]["arms"][2]),
        ("@outcomes[sae @ 12 months]", a[1], None),
    ]
    merged = merge_outcomes(
        a,
        b,
        {
            diffs[0].path: {"choice": "b"},
            diffs[1].path: {"choice": "b"},
            diffs[2].path: {"choice": "a"},
        },
    )
    assert merged[0]["arms"][0]["mean"] == 7.2
    assert [arm["arm"] for arm in merged[0]["arms"]] == ["UC-MSC", "Placebo", "Metformin"]
    assert len(merged) == 2
