"""MEDLINE / PubMed "nbib" format (also ERIC's MEDLINE-style export).

Each line is a tag left-justified in four columns, "- ", and the value ("PMID- 123",
"TI  - Title", "FAU - Smith, John"); continuation lines are indented six spaces. Records are
separated by blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalize as norm
from .base import ParsedRecord, ParseError
from .encoding import TextReader

Fields = dict[str, list[str]]

# A tag is padded to four columns ("TI  - "), but ERIC writes five-letter ones ("ISSN - ").
_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,4}) {0,3}-(?: |$)")


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per MEDLINE record; raise ``ParseError`` if there are none."""
    count = 0
    for line, lines in _entries(text):
        count += 1
        yield _record("".join(lines).rstrip("\n"), line, _fields(lines))
    if count == 0:
        raise ParseError("no MEDLINE records found (no lines like 'PMID- 12345678')", filename=filename)


def _entries(text: TextReader) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) per record: blank lines separate records, and so does a second PMID."""
    lines: list[str] = []
    start, has_pmid = 0, False
    for number, line in enumerate(text, start=1):
        if not line.strip() or (has_pmid and line.startswith("PMID-")):
            if lines:
                yield start, lines
            lines, has_pmid = [], False
            if not line.strip():
                continue
        if not lines:
            if not _TAG_LINE.match(line):
                continue  # text outside records (a header, a note) is not part of any entry
            start = number
        lines.append(line)
        has_pmid = has_pmid or line.startswith("PMID-")
    if lines:
        yield start, lines


def _fields(lines: list[str]) -> Fields:
    """Values per tag in file order; continuation lines are joined to their value with a newline."""
    fields: Fields = {}
    values: list[str] | None = None
    for line in lines:
        if tag := _TAG_LINE.match(line):
            values = fields.setdefault(tag.group(1), [])
            values.append(line[tag.end() :].rstrip("\n"))
        elif values:
            values[-1] += "\n" + line.strip()
    return fields


def _first(fields: Fields, *tags: str) -> str:
    for tag in tags:
        for value in fields.get(tag, ()):
            if value.strip():
                return value
    return ""


def _record(raw: str, line: int, fields: Fields) -> ParsedRecord:
    pmid = norm.pmid(_first(fields, "PMID"))
    return ParsedRecord(
        raw=raw,
        line=line,
        source_key=pmid or norm.clean(_first(fields, "OID", "AID", "LID")),
        title=norm.clean(_first(fields, "TI", "BTI", "TT")),
        abstract=norm.clean_lines(_first(fields, "AB", "OAB")),
        # FAU has full names ("Smith, John"); AU only initials. CN is a group author.
        authors=norm.clean_all(_authors(fields)),
        year=norm.year(_first(fields, "DP", "DEP", "DA", "EDAT")),
        journal=norm.clean(_first(fields, "JT", "TA", "BTI", "SO")),
        volume=norm.clean(_first(fields, "VI")),
        issue=norm.clean(_first(fields, "IP")),
        pages=norm.pages(_first(fields, "PG")),
        doi=_doi(fields),
        pmid=pmid,
        registry_ids=norm.registry_ids(raw),
        keywords=norm.clean_all(fields.get("OT", []) + fields.get("MH", [])),
        language=norm.clean(_first(fields, "LA")),
        publication_type="; ".join(norm.clean_all(fields.get("PT", []))),
        url=_url(fields),
    )


def _authors(fields: Fields) -> list[str]:
    people = fields.get("FAU") or fields.get("AU") or []
    return people + fields.get("CN", [])


def _doi(fields: Fields) -> str:
    ids = fields.get("LID", []) + fields.get("AID", [])
    tagged = [value for value in ids if value.rstrip().endswith("[doi]")]
    for value in tagged + ids:
        if found := norm.doi(value):
            return found
    return ""


def _url(fields: Fields) -> str:
    for value in fields.get("LID", []) + fields.get("AID", []):
        if value.startswith(("http://", "https://")) and not norm.doi(value):
            return value.strip()
    return ""
