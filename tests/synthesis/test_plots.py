"""Forest and funnel plots: observable properties of the SVG/PNG bytes."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from synthesis.plots import arm_columns, forest_plot, funnel_plot
from synthesis.stats import Spec, StudyData, egger_test, generic, pool, subgroup_analysis

from .metafor_data import dataset

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _texts(svg: bytes) -> str:
    root = ET.fromstring(svg)  # noqa: S314 - our own output; parses as XML
    return " ".join("".join(el.itertext()) for el in root.iter() if el.tag.endswith("text"))


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_SIGNATURE
    return struct.unpack(">II", png[16:24])


def _synthetic(k: int) -> StudyData:
    rng = np.random.default_rng(k)
    vi = rng.uniform(0.01, 0.4, k)
    yi = rng.normal(0.2, np.sqrt(vi + 0.05))
    return StudyData(labels=tuple(f"Trial {i + 1:03d}" for i in range(k)), effects=generic(yi, vi))


def test_bcg_forest_svg_shows_every_study_the_pooled_estimate_and_the_statistics():
    data = dataset("dat.bcg")
    result = pool(data, Spec("RR", "REML"))
    svg = forest_plot(result, arms=arm_columns(data, "RR"), favours=("Favours BCG", "Favours control"))
    text = _texts(svg)
    for label in data.labels:
        assert label in text
    assert "0.49 [0.34, 0.70]" in text  # exp(-0.7145) [exp(-1.0669), exp(-0.3622)]
    assert "4/123" in text and "11/139" in text  # per-arm data of Aronson 1948
    assert "I² = 92%" in text and "Tau² = 0.313" in text
    assert "Prediction interval" in text and "0.49 [0.15, 1.55]" in text
    assert "Favours BCG" in text and "Favours control" in text
    assert "Risk ratio" in text


def test_subgroup_forest_has_headers_subtotal_diamonds_and_the_test_for_differences():
    data = dataset("dat.bcg", "alloc")
    spec = Spec("RR", "DL")
    svg = forest_plot(pool(data, spec), subgroups=subgroup_analysis(data, spec))
    text = _texts(svg)
    for header in ("random", "alternate", "systematic"):
        assert header in text
    assert text.count("Subtotal (IV, Random, DL)") == 3
    assert "Test for subgroup differences: Q = " in text


def test_untrusted_labels_are_escaped_and_not_parsed_as_math():
    data = StudyData(
        labels=("<script>alert(1)</script>", "$x^2$ & co"), effects=generic([0.1, 0.3], [0.02, 0.03])
    )
    svg = forest_plot(pool(data, Spec("GEN", "EE")))
    assert b"<script>" not in svg
    text = _texts(svg)
    assert "<script>alert(1)</script>" in text and "$x^2$ & co" in text


@pytest.mark.parametrize("k", [2, 100])
def test_forest_png_renders_from_2_to_100_studies(k):
    png = forest_plot(pool(_synthetic(k), Spec("GEN", "REML")), fmt="png")
    width, height = _png_size(png)
    assert width > 1000 and height > 300


def test_forest_png_grows_with_the_number_of_studies_at_a_fixed_row_height():
    heights = {
        k: _png_size(forest_plot(pool(_synthetic(k), Spec("GEN", "DL")), fmt="png"))[1] for k in (5, 20, 100)
    }
    assert heights[5] < heights[20] < heights[100]
    per_row = (heights[100] - heights[20]) / 80
    assert per_row == pytest.approx((heights[20] - heights[5]) / 15, rel=0.02)  # same pixels per study


def test_funnel_plot_has_the_region_the_studies_and_eggers_line():
    data = dataset("dat.bcg")
    result = pool(data, Spec("RR", "REML"))
    yi = [s.yi for s in result.studies]
    vi = [s.vi for s in result.studies]
    egger = egger_test(yi, vi, method="REML")
    text = _texts(funnel_plot(result, egger=egger))
    assert "Pseudo 95% confidence region" in text and "Egger's test" in text and "Standard error" in text
    assert _png_size(funnel_plot(result, egger=egger, fmt="png"))[0] > 500


def test_double_zero_study_is_listed_as_not_estimable_under_mantel_haenszel():
    data = dataset("zerocells")
    result = pool(data, Spec("OR", "MH"))
    text = _texts(forest_plot(result, arms=arm_columns(data, "OR")))
    assert "Double zero" in text and "not estimable" in text and "0/15" in text
    assert "Total (M-H, Fixed)" in text


def test_an_axis_that_barely_crosses_no_effect_keeps_room_for_the_favours_label_on_that_side():
    from synthesis.plots.forest import _limits, _Row

    rows = [_Row("study", yi=-1.06, lb=-1.28, ub=-0.84), _Row("study", yi=-0.7, lb=-1.14, ub=-0.26),
            _Row("pooled", yi=-0.84, lb=-1.36, ub=-0.33), _Row("pi", lb=-1.75, ub=0.06)]  # fmt: skip
    lo, hi = _limits(rows, ratio=False)
    assert lo < -1.75 and hi >= -lo / 2  # "Favours control" starts at 0 and needs a third of the axis
