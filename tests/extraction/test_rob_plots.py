"""robvis-style plots: the traffic-light table and the summary bar chart, as SVG and PNG bytes."""

import random
import struct
import xml.etree.ElementTree as ET

import pytest

from extraction.rob import plots
from extraction.rob.tools import get_tool
from extraction.rob.tools.tables import assess_study, enter_judgement

from .rob_seed import seed_table3, split_cell

ROBINS = get_tool("robins_i")
ROB2 = get_tool("rob2")
SYRCLE = get_tool("syrcle")
SVG = "{http://www.w3.org/2000/svg}"


def table3():
    table = seed_table3()
    out = []
    for col, study in enumerate(table[0][1:], start=1):
        levels = [split_cell(row[col])[0].replace("Moderate/serious", "Serious") for row in table[1:-1]]
        out.append(
            assess_study(
                ROBINS, study, [enter_judgement(ROBINS, f"d{i}", lv) for i, lv in enumerate(levels, 1)]
            )
        )
    return out


def rob2_studies(n, seed=7):
    rnd = random.Random(seed)
    return [
        assess_study(
            ROB2,
            f"Trialist {i} et al. {1990 + i % 35}",
            [
                enter_judgement(ROB2, d.key, rnd.choice(["Low", "Some concerns", "High"]))
                for d in ROB2.domains
            ],
            weight=rnd.uniform(0.5, 5),
        )
        for i in range(n)
    ]


def svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)  # noqa: S314 -- our own SVG output, not untrusted input
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_traffic_light_svg_names_every_study_domain_and_judgement():
    texts = svg_texts(plots.traffic_light(ROBINS, table3()))

    for study in (
        "Lian et al., 2022 [24] (n=16)",
        "Chin et al., 2025 [25] (n=218)",
        "Jiang et al., 2011 [26] (n=10)",
    ):
        assert study in texts
    for label in ("D1", "D2", "D3", "D4", "D5", "D6", "D7", "Overall"):
        assert label in texts
    assert "D5: Bias due to missing data." in texts
    assert {"Low", "Moderate", "Serious", "Critical", "No information"} <= set(texts)
    # 3 studies x 8 columns of symbols: x for serious, + low, - moderate
    assert texts.count("x") == 3 * 2 + 2 + 3 + 1  # D1, D2 for all; Chin D5 and D7; three overall; legend
    assert texts.count("+") == 3 * 2 + 1


def test_traffic_light_png_grows_with_the_number_of_studies():
    sizes = [png_size(plots.traffic_light(ROB2, rob2_studies(n), fmt="png")) for n in (2, 10, 60)]

    assert sizes[0][1] < sizes[1][1] < sizes[2][1]
    assert sizes[2][1] > 60 * 0.3 * 150  # at least 0.3 inch per study row at 150 dpi


def test_sixty_studies_keep_every_name_in_the_svg():
    studies = rob2_studies(60)
    texts = svg_texts(plots.traffic_light(ROB2, studies))

    assert all(s.study in texts for s in studies)


def test_untrusted_study_names_are_plain_escaped_text():
    hostile = assess_study(
        ROBINS,
        '<script>alert("x")</script> & $\\alpha$',
        [enter_judgement(ROBINS, k, "Low") for k in ROBINS.domain_keys],
    )
    data = plots.traffic_light(ROBINS, [hostile, *table3()])

    assert b"<script>" not in data
    assert '<script>alert("x")</script> & $\\alpha$' in svg_texts(data)


def test_syrcle_traffic_light_has_items_and_no_overall_column():
    studies = [
        assess_study(SYRCLE, f"Rat study {i}", [enter_judgement(SYRCLE, d.key, lv) for d in SYRCLE.domains])
        for i, lv in enumerate(["Low", "Unclear", "High"])
    ]
    texts = svg_texts(plots.traffic_light(SYRCLE, studies))

    assert "I10" in texts and "Overall" not in texts
    assert "I4: Random housing (performance bias)." in texts
    assert "I5: Blinding (performance bias)." in texts and "I7: Blinding (detection bias)." in texts


def test_summary_shares_count_studies_or_weights():
    a, b = table3()[:2]  # Lian: D5 moderate; Chin: D5 serious
    unweighted = dict(plots.summary_shares(ROBINS, [a, b]))
    a3 = assess_study(ROBINS, a.study, a.entries.values(), weight=3.0)
    weighted = dict(plots.summary_shares(ROBINS, [a3, b], weighted=True))

    assert unweighted["D5: Bias due to missing data"]["moderate"] == pytest.approx(0.5)
    assert weighted["D5: Bias due to missing data"]["moderate"] == pytest.approx(0.75)
    assert weighted["D5: Bias due to missing data"]["serious"] == pytest.approx(0.25)
    assert weighted["Overall risk of bias"]["serious"] == pytest.approx(1.0)
    assert all(sum(s.values()) == pytest.approx(1.0) for s in weighted.values())


def test_summary_plot_svg_and_png():
    studies = rob2_studies(60)
    svg = plots.summary_plot(ROB2, studies, weighted=True)
    texts = svg_texts(svg)

    assert "D1: Bias arising from the randomization process" in texts
    assert "Overall risk of bias" in texts
    assert {"Low risk of bias", "Some concerns", "High risk of bias"} <= set(texts)
    assert "RoB 2: weighted summary (60 studies)" in texts
    width, height = png_size(plots.summary_plot(ROB2, studies, fmt="png"))
    assert width > height > 0


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="No assessments"):
        plots.traffic_light(ROBINS, [])
    with pytest.raises(ValueError, match="format"):
        plots.traffic_light(ROBINS, table3(), fmt="pdf")
