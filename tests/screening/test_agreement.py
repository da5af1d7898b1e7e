"""Agreement statistics against published worked examples (no database needed).

Sources of the reference values:
- Wikipedia, "Cohen's kappa" and "Fleiss' kappa" worked examples (values re-derived by hand below).
- SAS/STAT PROC FREQ "Simple Kappa Coefficient" printout for a 3x3 table, as reproduced in statsmodels'
  stats/tests/test_inter_rater.py (kappa, ASE, 95% limits, ASE under H0).
- Fleiss (1971) psychiatric-diagnosis data (30 patients, 6 raters, 5 categories), the `diagnoses` data set of
  R package irr; kappam.fleiss() gives kappa 0.4302445 and z 17.65183 (Fleiss, Nee & Landis 1979 SE).
- Gwet, Handbook of Inter-Rater Reliability (4th ed., 2014) examples as shipped with R irrCAC and tested in
  the Python port irrCAC (afergadis/irrCAC, test/unit/irrCAC): cont4x4diagnosis, cont3x3abstractors,
  raw "gender" (4 raters x 15 subjects) and "4raters" (p. 120, with missing ratings). irrCAC prints
  t-based intervals, so only coefficients, agreement proportions and SEs are compared here.
"""

from __future__ import annotations

import json

import pytest

from screening.agreement import (
    RatingCounts,
    cohen_kappa,
    cohen_kappa_from_table,
    fleiss_kappa,
    gwet_ac1,
    percent_agreement,
)


def labels_from_table(table: list[list[int]], names: list[str]) -> tuple[list[str], list[str]]:
    """Rater A's and rater B's labels for a contingency table (rows: A, columns: B)."""
    a: list[str] = []
    b: list[str] = []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [names[i]] * count
            b += [names[j]] * count
    return a, b


def pairs_from_table(table: list[list[int]]) -> list[tuple[str, str]]:
    a, b = labels_from_table(table, [str(k) for k in range(len(table))])
    return list(zip(a, b, strict=True))


# Wikipedia "Cohen's kappa": 50 proposals; yes/yes 20, A yes & B no 5, A no & B yes 10, no/no 15.
WIKIPEDIA_2X2 = [[20, 5], [10, 15]]

# SAS PROC FREQ printout (via statsmodels): kappa 0.4842, ASE 0.1380, 95% CL 0.2137-0.7547, ASE0 0.1484.
SAS_3X3 = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]

# Gwet (2014) / irrCAC cont4x4diagnosis: 223 patients, research (rows) x clinical (columns) diagnosis.
DIAGNOSIS_4X4 = [[40, 4, 4, 17], [6, 25, 2, 13], [4, 1, 21, 12], [15, 5, 9, 45]]

# Gwet (2014) / irrCAC cont3x3abstractors: 100 pregnancies, Ectopic / AIU / NIU.
ABSTRACTORS_3X3 = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]

# Wikipedia "Fleiss' kappa": 10 subjects, 14 raters, 5 categories (counts per category).
WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]

# Fleiss (1971) Table 1 as raw ratings (R irr `diagnoses`): 30 patients x 6 psychiatrists, categories 1-5.
FLEISS_1971 = [
    "444444", "222555", "233335", "555555", "222444", "113333", "333355", "113334", "114444", "555555",
    "144444", "124444", "222333", "144444", "224445", "333335", "111455", "111112", "224444", "133555",
    "555555", "244444", "224555", "114444", "144445", "222224", "111155", "224444", "133333", "555555",
]  # fmt: skip

# Gwet / irrCAC raw "gender": 15 subjects x 4 raters (one string per rater, zipped into rows), categories a-c.
GENDER = list(zip("aaaaabbbcaaaaab", "aaaababccaaaaba", "abbcaabbcabbcaa", "ccccaabbcccccaa", strict=True))

# Gwet (2014, p. 120) / irrCAC raw "4raters": 12 subjects x 4 raters, categories 1-5, None = not rated.
FOUR_RATERS_WITH_GAPS = [
    ["1", "1", None, "1"],
    ["2", "2", "3", "2"],
    ["3", "3", "3", "3"],
    ["3", "3", "3", "3"],
    ["2", "2", "2", "2"],
    ["1", "2", "3", "4"],
    ["4", "4", "4", "4"],
    ["1", "1", "2", "1"],
    ["2", "2", "2", "2"],
    [None, "5", "5", "5"],
    [None, None, "1", "1"],
    [None, None, "3", None],
]


# --- Cohen's kappa ----------------------------------------------------------------------------


def test_cohen_kappa_reproduces_the_wikipedia_worked_example_by_hand():
    a, b = labels_from_table(WIKIPEDIA_2X2, ["yes", "no"])

    result = cohen_kappa(a, b)

    # po = (20 + 15) / 50 = 0.7; A says yes 25/50 = 0.5, B says yes 30/50 = 0.6
    # pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4
    assert result.kappa == pytest.approx(0.4)
    assert result.observed_agreement == pytest.approx(0.7)
    assert result.expected_agreement == pytest.approx(0.5)
    assert (result.n, result.n_raters, result.categories) == (50, 2, ("yes", "no"))
    # Fleiss-Cohen-Everitt, p = [[.4, .1], [.2, .3]], rows (A) .5/.5, columns (B) .6/.4, 1 - kappa = .6:
    #   diagonal  .4 * (1 - 1.1 * .6)^2 + .3 * (1 - .9 * .6)^2   = .04624 + .06348 = .10972
    #   off-diag  .6^2 * (.1 * (.6 + .5)^2 + .2 * (.4 + .5)^2)   = .36 * .283       = .10188
    #   minus     (kappa - pe * (1 - kappa))^2 = (.4 - .3)^2     = .01
    #   var = (.10972 + .10188 - .01) / (1 - .5)^2 / 50 = .016128  ->  se = .126996
    assert result.se == pytest.approx(0.126996, abs=1e-6)
    # under H0: (pe + pe^2 - sum(r c (r + c))) / (1 - pe)^2 / n = (.75 - (.33 + .18)) / .25 / 50 = .0192
    assert result.se_null == pytest.approx(0.0192**0.5)
    # 0.4 -/+ 1.959964 * 0.126996
    assert result.ci_low == pytest.approx(0.151092, abs=1e-6)
    assert result.ci_high == pytest.approx(0.648908, abs=1e-6)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # Wikipedia "same percentages but different numbers": both agree on 60 of 100.
        ([[45, 15], [25, 15]], 0.1304),  # pe = .6 * .7 + .4 * .3 = .54 -> (.6 - .54) / .46
        ([[25, 35], [5, 35]], 0.2593),  # pe = .6 * .3 + .4 * .7 = .46 -> (.6 - .46) / .54
    ],
)
def test_equal_observed_agreement_gives_different_kappas_with_different_marginals(table, expected):
    assert cohen_kappa_from_table(table).kappa == pytest.approx(expected, abs=5e-5)


def test_cohen_kappa_reproduces_sas_proc_freq_ase_and_confidence_limits():
    result = cohen_kappa_from_table(SAS_3X3)

    # po = 13/19, pe = (5*0 + 8*13 + 6*6) / 19^2 = 140/361 -> kappa = 0.48416
    assert result.kappa == pytest.approx(0.4842, abs=5e-5)
    assert result.se == pytest.approx(0.1380, abs=5e-5)
    assert result.ci_low == pytest.approx(0.2137, abs=5e-5)
    assert result.ci_high == pytest.approx(0.7547, abs=5e-5)
    assert result.se_null == pytest.approx(0.1484, abs=5e-5)


def test_cohen_kappa_reproduces_gwet_handbook_diagnosis_table():
    result = cohen_kappa_from_table(DIAGNOSIS_4X4)

    # po = 131/223; pe = (65*65 + 46*35 + 38*36 + 74*87) / 223^2 = 13641/49729 -> kappa = 0.43150
    assert result.kappa == pytest.approx(0.4315, abs=5e-5)
    assert result.se == pytest.approx(0.046, abs=5e-4)  # irrCAC kappa2.table, same estimator as FCE 1969


def test_cohen_kappa_reproduces_gwet_handbook_abstractors_table():
    # po = .89; pe = (13*13 + 27*24 + 60*63) / 100^2 = .4597 -> kappa = .4303 / .5403 = 0.79641
    assert cohen_kappa_from_table(ABSTRACTORS_3X3).kappa == pytest.approx(0.796, abs=5e-4)


def test_labels_and_contingency_table_give_the_same_result():
    a, b = labels_from_table(SAS_3X3, ["x", "y", "z"])

    from_labels = cohen_kappa(a, b, categories=["x", "y", "z"])
    from_table = cohen_kappa_from_table(SAS_3X3, categories=["x", "y", "z"])

    assert from_labels == from_table


def test_a_declared_but_unused_category_changes_nothing_but_the_category_list():
    a, b = labels_from_table(WIKIPEDIA_2X2, ["include", "exclude"])

    result = cohen_kappa(a, b, categories=["include", "exclude", "maybe"])

    assert result.kappa == pytest.approx(0.4)
    assert result.se == pytest.approx(0.126996, abs=1e-6)
    assert result.categories == ("include", "exclude", "maybe")


def test_confidence_interval_is_clipped_to_one():
    # po = .95, pe = .5 -> kappa = .9; se = .0970 so the upper Wald limit would be 1.09
    result = cohen_kappa_from_table([[9, 1], [0, 10]])

    assert result.kappa == pytest.approx(0.9)
    assert result.se == pytest.approx(0.09698, abs=1e-5)
    assert result.ci_high == 1.0
    assert result.ci_low == pytest.approx(0.9 - 1.959964 * result.se, abs=1e-6)


def test_confidence_level_sets_the_interval_width():
    narrow = cohen_kappa_from_table(WIKIPEDIA_2X2, confidence=0.90)
    wide = cohen_kappa_from_table(WIKIPEDIA_2X2, confidence=0.99)

    assert narrow.ci_high - narrow.ci_low == pytest.approx(2 * 1.644854 * narrow.se, abs=1e-6)
    assert wide.ci_high - wide.ci_low == pytest.approx(2 * 2.575829 * wide.se, abs=1e-6)
    assert (narrow.confidence, wide.confidence) == (0.90, 0.99)


def test_perfect_agreement_has_kappa_one_and_zero_standard_error():
    result = cohen_kappa(["in", "out", "in"], ["in", "out", "in"])

    assert result.kappa == pytest.approx(1.0)
    assert result.se == pytest.approx(0.0, abs=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx((1.0, 1.0))


def test_kappa_is_undefined_when_both_raters_put_everything_in_one_category():
    result = cohen_kappa(["include"] * 5, ["include"] * 5)

    assert result.kappa is None
    assert (result.se, result.se_null, result.ci_low, result.ci_high) == (None, None, None, None)
    assert result.observed_agreement == 1.0
    assert result.expected_agreement == 1.0
    assert "same category" in result.undefined_reason
    assert json.loads(json.dumps(result.as_dict()))["kappa"] is None


def test_kappa_with_no_items_is_undefined_not_an_error():
    result = cohen_kappa([], [])

    assert result.kappa is None
    assert result.n == 0
    assert result.undefined_reason == "no items have been rated by both raters"


def test_cohen_kappa_rejects_raters_who_rated_different_numbers_of_items():
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa(["a", "b"], ["a"])


def test_cohen_kappa_rejects_a_missing_rating():
    with pytest.raises(ValueError, match="both ratings"):
        cohen_kappa(["a", None], ["a", "b"])  # type: ignore[list-item]


def test_a_label_outside_the_declared_categories_is_rejected():
    with pytest.raises(ValueError, match="outside the declared categories"):
        cohen_kappa(["include", "maybe"], ["include", "exclude"], categories=["include", "exclude"])


@pytest.mark.parametrize("confidence", [0.0, 1.0, 95])
def test_confidence_must_be_a_fraction(confidence):
    with pytest.raises(ValueError, match="confidence"):
        cohen_kappa_from_table(WIKIPEDIA_2X2, confidence=confidence)


def test_result_serialises_to_json():
    payload = cohen_kappa_from_table(WIKIPEDIA_2X2, categories=["yes", "no"]).as_dict()

    decoded = json.loads(json.dumps(payload))

    assert decoded["method"] == "cohen"
    assert decoded["kappa"] == pytest.approx(0.4)
    assert decoded["categories"] == ["yes", "no"]
    assert "Fleiss, Cohen & Everitt" in decoded["se_method"]


# --- Fleiss' kappa ----------------------------------------------------------------------------


def test_fleiss_kappa_reproduces_the_wikipedia_worked_example():
    result = fleiss_kappa(RatingCounts(WIKIPEDIA_FLEISS, ("1", "2", "3", "4", "5")))

    # p_j = (20, 28, 39, 21, 32) / 140; P-bar = mean of P_i = 0.378 (Wikipedia's table)
    # Pe = sum p_j^2 = (400 + 784 + 1521 + 441 + 1024) / 19600 = 4170/19600 = 0.2128
    # kappa = (0.378022 - 0.212755) / (1 - 0.212755) = 0.20993
    assert result.kappa == pytest.approx(0.210, abs=5e-4)
    assert result.observed_agreement == pytest.approx(0.378, abs=5e-4)
    assert result.expected_agreement == pytest.approx(4170 / 19600)
    assert (result.n, result.n_raters, result.method) == (10, 14, "fleiss")


def test_fleiss_kappa_reproduces_fleiss_1971_and_the_null_z_of_r_irr():
    result = fleiss_kappa([list(row) for row in FLEISS_1971])

    assert result.kappa == pytest.approx(0.4302445, abs=1e-7)
    assert result.kappa / result.se_null == pytest.approx(17.65183, abs=1e-5)  # irr::kappam.fleiss z


def test_fleiss_kappa_and_large_sample_se_reproduce_gwet_gender_example():
    result = fleiss_kappa(GENDER)

    # all 60 ratings: a 30, b 15, c 15 -> Pe = .5^2 + .25^2 + .25^2 = 0.375 exactly
    assert result.expected_agreement == pytest.approx(0.375)
    assert result.observed_agreement == pytest.approx(0.456, abs=5e-4)
    assert result.kappa == pytest.approx(0.129, abs=5e-4)
    assert result.se == pytest.approx(0.141, abs=5e-4)
    assert result.ci_low == pytest.approx(result.kappa - 1.959964 * result.se, abs=1e-6)


def test_raw_ratings_and_their_counts_give_the_same_fleiss_kappa():
    raw = fleiss_kappa(GENDER, categories=["a", "b", "c"])
    counted = fleiss_kappa(RatingCounts.from_ratings(GENDER, ["a", "b", "c"]))

    assert raw == counted


def test_fleiss_kappa_refuses_items_with_different_numbers_of_ratings():
    with pytest.raises(ValueError, match="gwet_ac1"):
        fleiss_kappa(FOUR_RATERS_WITH_GAPS)


def test_fleiss_kappa_needs_two_ratings_per_item():
    with pytest.raises(ValueError, match="at least two"):
        fleiss_kappa([["a"], ["b"]])


def test_fleiss_kappa_is_undefined_when_every_rating_is_the_same():
    result = fleiss_kappa([["include"] * 3] * 4)

    assert result.kappa is None
    assert result.observed_agreement == 1.0
    assert "same category" in result.undefined_reason


def test_fleiss_kappa_with_no_items_is_undefined():
    result = fleiss_kappa([])

    assert result.kappa is None
    assert result.n == 0


def test_fleiss_kappa_on_one_item_has_no_standard_error():
    result = fleiss_kappa([["a", "a", "b"]])

    # P = (2*1 + 0) / (3*2) = 1/3, Pe = (2/3)^2 + (1/3)^2 = 5/9 -> kappa = (1/3 - 5/9) / (4/9) = -0.5
    assert result.kappa == pytest.approx(-0.5)
    assert result.se is None
    assert (result.ci_low, result.ci_high) == (None, None)


# --- Gwet's AC1 -------------------------------------------------------------------------------


def test_ac1_reproduces_gwet_handbook_diagnosis_table():
    result = gwet_ac1(pairs_from_table(DIAGNOSIS_4X4))

    # pi_k = (row + column) / 446 = .29148, .18161, .16592, .36099; pe = sum pi(1 - pi) / 3 = .24140
    # AC1 = (131/223 - .24140) / (1 - .24140) = 0.4562
    assert result.ac1 == pytest.approx(0.456, abs=5e-4)
    assert result.se == pytest.approx(0.043, abs=5e-4)  # Gwet's two-rater variance
    assert (result.n, result.n_raters) == (223, 2)


def test_ac1_reproduces_gwet_handbook_abstractors_table():
    result = gwet_ac1(pairs_from_table(ABSTRACTORS_3X3))

    # pi = .13, .255, .615; pe = (.1131 + .189975 + .236775) / 2 = .269925; AC1 = .620075 / .730075
    assert result.ac1 == pytest.approx(0.620075 / 0.730075)
    assert result.ac1 == pytest.approx(0.849, abs=5e-4)


def test_ac1_reproduces_gwet_gender_example_with_four_raters():
    result = gwet_ac1(GENDER)

    # pi = .5, .25, .25 -> pe = (.25 + .1875 + .1875) / (3 - 1) = 0.3125
    assert result.expected_agreement == pytest.approx(0.3125)
    assert result.observed_agreement == pytest.approx(0.456, abs=5e-4)
    assert result.ac1 == pytest.approx(0.208, abs=5e-4)
    assert result.se == pytest.approx(0.091, abs=5e-4)


def test_ac1_uses_every_rating_when_some_raters_skipped_items():
    result = gwet_ac1(FOUR_RATERS_WITH_GAPS)

    # item agreement (pairs agreeing / pairs): 1, 6/12, 1, 1, 1, 0, 1, 6/12, 1, 1, 1; the last item has
    # one rating, so it counts for prevalence only -> pa = 9/11
    assert result.observed_agreement == pytest.approx(9 / 11)
    assert result.expected_agreement == pytest.approx(0.190, abs=5e-4)
    assert result.ac1 == pytest.approx(0.775, abs=5e-4)
    assert result.se == pytest.approx(0.143, abs=5e-4)
    assert (result.n, result.n_raters) == (12, 4)


def test_ac1_stays_high_where_kappa_collapses_under_skewed_prevalence():
    # The kappa paradox: 125 items, both raters say "include" to 118, 5 + 2 split, 0 both "exclude".
    table = [[118, 5], [2, 0]]
    a, b = labels_from_table(table, ["include", "exclude"])

    kappa = cohen_kappa(a, b)
    ac1 = gwet_ac1(list(zip(a, b, strict=True)))

    # po = 118/125 = .944; kappa: pe = .984 * .96 + .016 * .04 = .94528 -> (.944 - .94528) / .05472
    assert kappa.kappa == pytest.approx(-0.00128 / 0.05472)
    # AC1: pi_include = (.984 + .96) / 2 = .972; pe = 2 * .972 * .028 = .054432 -> (.944 - pe) / (1 - pe)
    assert ac1.ac1 == pytest.approx(0.889568 / 0.945568)
    assert ac1.ac1 == pytest.approx(0.9408, abs=5e-5)


def test_ac1_is_one_when_everyone_includes_everything_on_a_declared_two_category_scale():
    result = gwet_ac1([["include", "include"]] * 6, categories=["include", "exclude"])

    # pi = 1, 0 -> pe = 0, pa = 1 -> AC1 = 1; every item term equals 1, so se = 0
    assert result.ac1 == pytest.approx(1.0)
    assert result.se == pytest.approx(0.0)
    assert result.expected_agreement == pytest.approx(0.0)


def test_ac1_is_undefined_with_a_single_undeclared_category():
    result = gwet_ac1([["include", "include"]] * 6)

    assert result.ac1 is None
    assert "categories=" in result.undefined_reason


def test_ac1_is_undefined_when_no_item_has_two_ratings():
    result = gwet_ac1([["a", None], [None, "b"]])

    assert result.ac1 is None
    assert result.undefined_reason == "no item has been rated by two or more raters"


def test_ac1_with_no_items_is_undefined():
    result = gwet_ac1([], categories=["include", "exclude"])

    assert result.ac1 is None
    assert result.n == 0
    assert json.loads(json.dumps(result.as_dict()))["categories"] == ["include", "exclude"]


# --- percent agreement and the counts table ---------------------------------------------------


def test_percent_agreement_of_two_raters_is_the_share_of_items_rated_alike():
    a, b = labels_from_table(WIKIPEDIA_2X2, ["yes", "no"])

    assert percent_agreement(list(zip(a, b, strict=True))) == pytest.approx(0.7)


def test_percent_agreement_of_many_raters_is_fleiss_mean_pairwise_agreement():
    counts = RatingCounts(WIKIPEDIA_FLEISS, ("1", "2", "3", "4", "5"))

    assert percent_agreement(counts) == pytest.approx(0.378, abs=5e-4)


def test_percent_agreement_skips_items_with_one_rating():
    assert percent_agreement(FOUR_RATERS_WITH_GAPS) == pytest.approx(9 / 11)
    assert percent_agreement([["a", None]]) is None


def test_rating_counts_reject_malformed_tables():
    with pytest.raises(ValueError, match="counts for"):
        RatingCounts([[1, 2]], ("a", "b", "c"))
    with pytest.raises(ValueError, match="non-negative"):
        RatingCounts([[1, -1]], ("a", "b"))
    with pytest.raises(ValueError, match="distinct"):
        RatingCounts([[1, 1]], ("a", "a"))
    with pytest.raises(TypeError, match="sequence of ratings"):
        RatingCounts.from_ratings(["ab", "cd"])
