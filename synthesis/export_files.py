"""Writing export tables (synthesis/exports.py) as CSV and XLSX. Pure Python: no Django.

Every cell goes through reviewapp.spreadsheet.safe_row, and XLSX text cells are typed as strings, so
imported text that starts like a formula (= + - @) never runs in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from reviewapp.spreadsheet import safe_row


@dataclass
class Table:
    name: str  # the sheet name
    columns: list[str]
    rows: Iterable[list[Any]]  # may be a generator: read once

    def dicts(self) -> Iterator[dict]:
        for row in self.rows:
            yield dict(zip(self.columns, row, strict=True))


def csv_lines(table: Table) -> Iterator[str]:
    """The table as CSV text, line by line (a BOM first: Excel then reads UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(safe_row(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(table.name[:31].translate({ord(c): " " for c in "[]:*?/\\"}))
        header = []
        for name in table.columns:
            c = WriteOnlyCell(sheet, value=str(name))
            c.font = Font(bold=True)
            header.append(c)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, v) for v in safe_row(row)])
    if not tables:
        book.create_sheet("Empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        c = WriteOnlyCell(sheet, value=value)
        c.data_type = "s"  # text stays text, whatever it starts with
        return c
    return value


class Counter:
    """Counts the rows of a table as a writer reads them (tables are generators, read once)."""

    def __init__(self, table: Table) -> None:
        self.count = 0
        self.table = Table(table.name, table.columns, self._counted(table.rows))

    def _counted(self, rows: Iterable) -> Iterator:
        for row in rows:
            self.count += 1
            yield row
