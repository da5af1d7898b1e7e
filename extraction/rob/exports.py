"""Risk-of-bias spreadsheet export (pure, no Django): the traffic-light rows with robvis colours, and the
domain-by-study table with each judgement's support text.

Study names and support text are untrusted: every cell is written as a string, so a name such as
``=HYPERLINK(...)`` stays text and never becomes a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from .tools.base import Tool
from .tools.tables import StudyAssessment, judgement_table, traffic_light_rows


def _put(ws: Worksheet, row: int, col: int, value: str) -> Cell:
    cell = ws.cell(row=row, column=col)
    cell.value = value
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _sheet(ws: Worksheet, rows: Sequence[Sequence[str]], fills: dict[str, str], wrap: bool) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = _put(ws, r, c, value)
            if r == 1:
                cell.font = Font(bold=True)
                continue
            level = value.split(" – ")[0]
            if c > 1 and level in fills:
                cell.fill = PatternFill("solid", fgColor=fills[level].lstrip("#"))
            if wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = max(12, min(60, max(len(r[0]) for r in rows) + 2))


def rob_xlsx(tool: Tool, assessments: Sequence[StudyAssessment]) -> bytes:
    """Workbook with two sheets: "Traffic light" (studies x domains) and "Table" (domains x studies)."""
    fills = {lv.label: lv.colour for lv in tool.levels}
    wb = Workbook()
    lights = wb.active
    assert lights is not None
    lights.title = "Traffic light"
    _sheet(lights, traffic_light_rows(tool, assessments), fills, wrap=False)
    start = len(assessments) + 3
    for k, d in enumerate(tool.domains):
        _put(lights, start + k, 1, f"{d.label}: {d.name}")
    _sheet(wb.create_sheet("Table"), judgement_table(tool, assessments), fills, wrap=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
