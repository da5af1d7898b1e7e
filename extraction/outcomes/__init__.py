"""Outcome data per study, outcome and time point, as plain data; validation; conversions to mean/SD.

No Django here. Three kinds of data (Cochrane Handbook ch. 6):
- continuous: per arm n, mean, SD (final values or change from baseline) -- or whatever the paper gave
  instead of the SD (SE, CI of the mean, median with IQR and/or range) -- or a reported mean difference with
  its SE, CI or P value;
- binary: per arm events and total;
- generic: an effect estimate with SE or CI on a stated scale (MD, SMD, OR, RR, HR, their logs, ...).

Conversions say which formula they used (`Derived.method` / `.formula`), so a reader can check every number
that goes into a meta-analysis:
- SD = sqrt(N) x SE                                       (Handbook 6.5.2.2)
- SD = sqrt(N) x (upper - lower) / (2 x t[N-1]) if N < 60, else / (2 x z), z = 1.96 for 95 %  (6.5.2.2)
- SE(MD) = (upper - lower) / (2 x t[N1+N2-2]) (small) or / 3.92; SE(MD) = MD / t from a P value;
  SD = SE(MD) / sqrt(1/N1 + 1/N2)                        (6.5.2.3)
- median, IQR:   mean = (q1 + m + q3) / 3,  SD = (q3 - q1) / eta(n)                     (Wan 2014, S3)
- median, range: mean = (a + 2m + b) / 4,   SD = (b - a) / xi(n)                         (Wan 2014, S1)
- all five:      mean = (a + 2q1 + 2m + 2q3 + b) / 8, SD = (b-a)/(2 xi(n)) + (q3-q1)/(2 eta(n)) (Wan 2014, S2)
  xi(n) and eta(n) from Wan's Tables 1 and 2 for small samples (n <= 50; Q <= 50 with n = 4Q + 1), otherwise
  their closed forms xi(n) = 2 Phi^-1((n - 0.375)/(n + 0.25)), eta(n) = 2 Phi^-1((0.75n - 0.125)/(n + 0.25)).

Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation from the sample size, median,
range and/or interquartile range. BMC Med Res Methodol 2014;14:135.
"""

from __future__ import annotations

from .compare import (
    OUTCOMES,
    ROW_FIELDS,
    RowDifference,
    _norm,
    diff_outcomes,
    merge_outcomes,
    row_identity,
    row_title,
)
from .conversions import (
    SMALL_SAMPLE,
    WAN_ETA,
    WAN_XI,
    Derived,
    arm_mean_sd,
    difference_se,
    sd_from_ci,
    sd_from_difference_se,
    sd_from_se,
    t_for,
    wan_eta,
    wan_xi,
    z_for,
)
from .data import (
    ARM_INTEGERS,
    ARM_NUMBERS,
    FORMULAS,
    RATIO_SCALES,
    ROW_NUMBERS,
    ArmData,
    DataType,
    Measure,
    Method,
    OutcomeData,
    _number,
    outcome_from_dict,
    outcome_to_dict,
)
from .validation import unit_problems, validate_outcome

__all__ = [
    "RATIO_SCALES",
    "DataType",
    "Measure",
    "Method",
    "FORMULAS",
    "ArmData",
    "ARM_NUMBERS",
    "ARM_INTEGERS",
    "OutcomeData",
    "ROW_NUMBERS",
    "_number",
    "outcome_from_dict",
    "outcome_to_dict",
    "validate_outcome",
    "unit_problems",
    "SMALL_SAMPLE",
    "WAN_XI",
    "WAN_ETA",
    "Derived",
    "z_for",
    "t_for",
    "wan_xi",
    "wan_eta",
    "sd_from_se",
    "sd_from_ci",
    "arm_mean_sd",
    "difference_se",
    "sd_from_difference_se",
    "OUTCOMES",
    "ROW_FIELDS",
    "_norm",
    "row_identity",
    "row_title",
    "RowDifference",
    "diff_outcomes",
    "merge_outcomes",
]
