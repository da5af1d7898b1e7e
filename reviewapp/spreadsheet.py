"""Spreadsheet-safe cell values for every CSV and XLSX export (pure Python, no Django).

Imported text is untrusted: a title such as ``=HYPERLINK("http://evil", "click")`` becomes a live formula
when a co-author opens the export in Excel or LibreOffice. Following OWASP's CSV-injection advice, a text
cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote,
which spreadsheets show as text. Numbers (int/float values, not text) are left alone, so a negative effect
size stays a number.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value to write into one cell: lists are joined with "; ", None becomes ""."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple):
        value = "; ".join("" if item is None else str(item) for item in value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def safe_row(values) -> list[Any]:
    return [safe_cell(value) for value in values]
