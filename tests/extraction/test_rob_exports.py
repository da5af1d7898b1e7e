"""The risk-of-bias workbook: traffic-light rows with robvis colours and the Table 3 layout, all text."""

import io

from openpyxl import load_workbook

from extraction.rob.exports import rob_xlsx
from extraction.rob.tools import get_tool
from extraction.rob.tools.tables import assess_study, enter_judgement

ROBINS = get_tool("robins_i")


def study(name, levels, support=""):
    return assess_study(
        ROBINS,
        name,
        [enter_judgement(ROBINS, f"d{i}", lv, support=support) for i, lv in enumerate(levels, 1)],
    )


def test_workbook_has_traffic_light_and_table_sheets_coloured_by_level():
    lian = study(
        "Lian et al., 2022",
        ["Serious", "Serious", "Low", "Moderate", "Moderate", "Low", "Moderate"],
        "see text",
    )
    wb = load_workbook(io.BytesIO(rob_xlsx(ROBINS, [lian])))

    lights, table = wb["Traffic light"], wb["Table"]
    assert [c.value for c in lights[1]] == ["Study", "D1", "D2", "D3", "D4", "D5", "D6", "D7", "Overall"]
    assert [c.value for c in lights[2]] == [
        "Lian et al., 2022",
        "Serious",
        "Serious",
        "Low",
        "Moderate",
        "Moderate",
        "Low",
        "Moderate",
        "Serious",
    ]
    assert lights["B2"].fill.fgColor.rgb.endswith("BF0000")  # robvis serious
    assert lights["D2"].fill.fgColor.rgb.endswith("02C100")  # robvis low
    assert lights["A4"].value == "D1: Bias due to confounding"
    assert table["A2"].value == "Bias due to confounding" and table["B2"].value == "Serious – see text"
    assert table["A9"].value == "Overall risk of bias" and table["B9"].value == "Serious"


def test_formula_like_study_names_stay_text():
    hostile = study('=HYPERLINK("http://example.org","x")', ["Low"] * 7)
    wb = load_workbook(io.BytesIO(rob_xlsx(ROBINS, [hostile])))

    cell = wb["Traffic light"]["A2"]
    assert cell.value == '=HYPERLINK("http://example.org","x")'
    assert cell.data_type == "s"
