"""Characteristics tables as CSV and XLSX downloads.

Cells are untrusted text typed from papers: anything a spreadsheet would run as a formula (a cell starting
with = + - @, tab or carriage return) is neutralised with a leading apostrophe (OWASP CSV injection).
"""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils.text import slugify

from .selectors import Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(table: Table) -> list[list[str]]:
    return [[label for _, label in table.columns], *table.rows]


def csv_bytes(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in _rows(table):
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 correctly


def xlsx_bytes(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = (table.title or "Table")[:31].translate({ord(c): " " for c in "[]:*?/\\"})
    for row in _rows(table):
        sheet.append([safe_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        width = min(60, max(10, *(len(str(c.value or "")) for c in column)))
        sheet.column_dimensions[column[0].column_letter].width = width
        for c in column:
            c.alignment = Alignment(wrap_text=True, vertical="top")
            c.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _download(content: bytes, table: Table, ext: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{slugify(table.title) or "table"}.{ext}"'
    return response


def csv_response(table: Table) -> HttpResponse:
    return _download(csv_bytes(table), table, "csv", "text/csv; charset=utf-8")


def xlsx_response(table: Table) -> HttpResponse:
    return _download(
        xlsx_bytes(table), table, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
