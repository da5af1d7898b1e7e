"""Spreadsheet exports: Scopus CSV, Web of Science tab-delimited, ClinicalTrials.gov, IEEE, Springer.

Columns are found by header name (each field lists the names databases use for it), never by
position, because every database orders and names its columns differently. ``raw`` is the
row's original line(s), so a multi-line quoted abstract stays verbatim.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from . import normalize as norm
from .base import ParsedRecord, ParseError
from .encoding import TextReader

# Header names per field, lower case, best first. WoS tab-delimited uses its two-letter tags.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "source_key": (
        "nct number",
        "eid",
        "ut",
        "ut (unique wos id)",
        "id",
        "key",
        "record id",
        "record_id",
        "accession number",
    ),
    "title": ("title", "document title", "article title", "item title", "study title", "ti"),
    "abstract": ("abstract", "ab", "brief summary"),
    "authors": ("author full names", "authors", "author", "af", "au"),
    "year": ("year", "publication year", "py", "first posted", "start date", "date"),
    "journal": ("source title", "publication title", "journal", "journal title", "so", "book series title"),
    "volume": ("volume", "journal volume", "vl"),
    "issue": ("issue", "journal issue", "is", "number"),
    "page_start": ("page start", "start page", "bp"),
    "page_end": ("page end", "end page", "ep"),
    "pages": ("pages", "page range"),
    "doi": ("doi", "item doi", "di"),
    "pmid": ("pubmed id", "pmid", "pm"),
    "language": ("language of original document", "language", "la"),
    "publication_type": (
        "document type",
        "content type",
        "publication type",
        "dt",
        "study type",
        "document identifier",
        "type",
    ),
    "url": ("link", "url", "study url", "pdf link"),
}
# Keyword columns are all read, not just the first found. Trial conditions and interventions
# are the closest thing a registry record has to keywords.
_KEYWORD_COLUMNS = (
    "author keywords", "index keywords", "keywords", "ieee terms", "inspec controlled terms",
    "mesh_terms", "de", "id", "conditions", "interventions",
)  # fmt: skip
_TITLE_HEADERS = frozenset(_COLUMNS["title"])
_FIELD_LIMIT = 64 * 1024 * 1024  # Scopus reference lists and WoS cited references are long
_SCOPUS_AUTHOR_ID = re.compile(r"\s*\(\d+\)$")  # "Phillips, James C. (57202138757)"
# Springer glues its author names together: "Araz R. AlievNigar T. Ismayilova".
_GLUED_NAMES = re.compile(r"(?<=[a-z.])(?<!\bMc)(?<!\bMac)(?=[A-Z][a-z])")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where each field lives in this file's rows, and how its lists are separated."""

    columns: dict[str, int]
    keyword_columns: tuple[int, ...]
    width: int
    realign_after: int  # Scopus rows with surplus fields are shifted right after this column
    split_authors: Callable[[str], list[str]]
    wos: bool


def header_cells(text: str) -> list[str]:
    """The first line of ``text`` split as a CSV/TSV header, lower-cased."""
    header = text.split("\n", 1)[0]
    cells = next(csv.reader([header], delimiter=_delimiter(header)), [])
    return [cell.strip().lstrip("\ufeff").lower() for cell in cells]


def looks_like_csv(text: str) -> bool:
    """A first line that splits into several cells, one of them a title column we know."""
    cells = header_cells(text)
    return len(cells) > 1 and not _TITLE_HEADERS.isdisjoint(cells)


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per data row; raise ``ParseError`` if there are none."""
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))  # process-wide, only ever raised
    lines = _LineTracker(iter(text))
    header_line = next(lines, "")
    lines.take()  # the header is not a record's raw text
    layout = _layout(header_line, filename)
    # WoS tab-delimited never quotes, but its titles contain quote characters.
    quoting: Literal[0, 1, 2, 3] = csv.QUOTE_NONE if layout.wos else csv.QUOTE_MINIMAL
    delimiter = _delimiter(header_line)
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
    width = len(next(csv.reader([header_line.rstrip("\r\n")], delimiter=delimiter, quoting=quoting), []))
    count = 0
    try:
        for row in reader:
            start, raw = lines.take()
            if len(row) < width and "\n" in raw:
                raise ParseError(
                    _swallowed(start, lines.number, len(row), width), filename=filename, line=start
                )
            if any(cell.strip() for cell in row):
                count += 1
                yield _record(row, raw, start, layout)
    except csv.Error as error:
        raise ParseError(
            f"broken CSV at line {lines.number}: {error}", filename=filename, line=lines.number
        ) from None
    if count == 0:
        raise ParseError("the CSV file has a header row but no data rows", filename=filename)


def _swallowed(start: int, end: int, cells: int, width: int) -> str:
    """A quote that never closes makes the csv module read the following lines into one cell."""
    return (
        f"a quoted cell that starts on line {start} is not closed properly: it runs over lines {start}-{end} "
        f"and the row has {cells} of the header's {width} columns. Fix the quote (a quote inside a "
        'quoted cell is written "") or export the file again.'
    )


class _LineTracker:
    """Feeds lines to ``csv.reader`` and remembers them, so each row keeps its original text."""

    def __init__(self, lines: Iterator[str]):
        self._lines = lines
        self._taken: list[str] = []
        self.number = 0

    def __iter__(self) -> _LineTracker:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        self._taken.append(line)
        return line

    def take(self) -> tuple[int, str]:
        """(first line number, text) of the lines read since the last call."""
        taken, self._taken = self._taken, []
        return self.number - len(taken) + 1, "".join(taken).rstrip("\n")


def _delimiter(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", "\t", ";")}
    return max(counts, key=counts.__getitem__) if any(counts.values()) else ","


def _layout(header_line: str, filename: str) -> _Layout:
    header = header_cells(header_line)
    if _TITLE_HEADERS.isdisjoint(header):
        raise ParseError(no_title_column(header), filename=filename, line=1)
    position = {name: index for index, name in reversed(list(enumerate(header))) if name}
    wos = header[:2] == ["pt", "au"]
    columns = {field: _find(position, names, wos) for field, names in _COLUMNS.items()}
    funding = [index for index, name in enumerate(header) if name.startswith("funding text")]
    return _Layout(
        columns={field: index for field, index in columns.items() if index is not None},
        keyword_columns=tuple(
            position[name] for name in _KEYWORD_COLUMNS if name in position and not (name == "id" and not wos)
        ),
        width=len(header),
        realign_after=funding[-1] if funding else len(header),
        split_authors=_author_splitter(header),
        wos=wos,
    )


def no_title_column(header: list[str]) -> str:
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    return f"a table without a title column (its columns: {shown}), so not a bibliographic export"


def _find(position: dict[str, int], names: tuple[str, ...], wos: bool) -> int | None:
    for name in names:
        if name == "id" and wos:
            continue  # WoS "ID" is Keywords Plus, not an identifier
        if name in position:
            return position[name]
    return None


def _author_splitter(header: list[str]) -> Callable[[str], list[str]]:
    if "eid" in header:
        return _split_scopus_authors
    if "item doi" in header:
        return _split_springer_authors
    return norm.split_list


def _split_scopus_authors(value: str) -> list[str]:
    # Older Scopus exports separate "Phillips J.C., Braun R." by commas, newer ones by semicolons;
    # "Author full names" adds each author's Scopus id: "Phillips, James C. (57202138757)".
    if value.strip().startswith("[No author"):
        return []
    names = norm.split_list(value, ";" if ";" in value else ",")
    return [_SCOPUS_AUTHOR_ID.sub("", name) for name in names]


def _split_springer_authors(value: str) -> list[str]:
    return norm.split_list(_GLUED_NAMES.sub(";", value))


def _at(row: list[str], layout: _Layout, index: int) -> str:
    """The cell under header column ``index``, allowing for Scopus rows with surplus fields."""
    surplus = len(row) - layout.width
    if surplus > 0 and index > layout.realign_after:
        index += surplus
    return row[index] if index < len(row) else ""


def _cell(row: list[str], layout: _Layout, field: str) -> str:
    index = layout.columns.get(field)
    return "" if index is None else _at(row, layout, index)


def _record(row: list[str], raw: str, line: int, layout: _Layout) -> ParsedRecord:
    def cell(field: str) -> str:
        return _cell(row, layout, field)

    start, end = cell("page_start"), cell("page_end")
    return ParsedRecord(
        raw=raw,
        line=line,
        source_key=norm.clean(cell("source_key")),
        title=norm.clean(cell("title")),
        abstract=norm.clean_lines(cell("abstract")),
        authors=layout.split_authors(cell("authors")),
        year=norm.year(cell("year")),
        journal=norm.clean(cell("journal")),
        volume=norm.clean(cell("volume")),
        issue=norm.clean(cell("issue")),
        pages=norm.pages(start, end) if start or end else norm.pages(cell("pages")),
        doi=norm.doi(cell("doi")),
        pmid=norm.pmid(cell("pmid")),
        registry_ids=norm.registry_ids(raw),
        keywords=_keywords(row, layout),
        language=norm.clean(cell("language")),
        publication_type=norm.clean(cell("publication_type")),
        url=norm.clean(cell("url")),
    )


def _keywords(row: list[str], layout: _Layout) -> list[str]:
    keywords = [
        keyword
        for index in layout.keyword_columns
        for keyword in norm.split_list(_at(row, layout, index), ";|")
    ]
    return list(dict.fromkeys(keywords))
