"""Web of Science plain-text ("tagged", .ciw/.isi/.txt) export.

The file opens with "FN Clarivate Analytics Web of Science" and "VR 1.0", then records run
from "PT J" to "ER"; "EF" ends the file. A line is a two-letter tag, a space and the value;
continuation lines are indented three spaces. For list tags (authors, addresses, references)
each continuation line is the next item; for text tags it continues the sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from . import normalize as norm
from .base import ParsedRecord, ParseError
from .encoding import TextReader

Fields = dict[str, list[str]]

_TAG_LINE = re.compile(r"([A-Z][A-Z0-9])(?: |$)")
_FILE_TAGS = frozenset(("FN", "VR", "EF"))


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per PT..ER record; raise ``ParseError`` if there are none."""
    count = 0
    for line, lines in _entries(text):
        count += 1
        yield _record("".join(lines).rstrip("\n"), line, _fields(lines))
    if count == 0:
        raise ParseError("no Web of Science records found (no 'PT J' ... 'ER' blocks)", filename=filename)


def _entries(text: TextReader) -> Iterator[tuple[int, list[str]]]:
    """(first line number, lines) of each record; a missing ER is closed by the next PT."""
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text, start=1):
        tag = line[:2] if _TAG_LINE.match(line) else ""
        if lines and tag == "PT":
            yield start, lines
            lines = []
        if not lines:
            if not tag or tag in _FILE_TAGS or tag == "ER":
                continue  # the file header, blank lines, EF
            start = number
        lines.append(line)
        if tag == "ER":
            yield start, lines
            lines = []
    if lines:
        yield start, lines


def _fields(lines: list[str]) -> Fields:
    """Lines per tag: the tag line's value, then one entry per continuation line."""
    fields: Fields = {}
    values: list[str] = []
    for line in lines:
        if _TAG_LINE.match(line):
            values = fields.setdefault(line[:2], [])
            values.append(line[3:].strip())
        elif line.strip():
            values.append(line.strip())
    return fields


def _text(fields: Fields, *tags: str) -> str:
    """A text field: its lines are one wrapped sentence."""
    for tag in tags:
        if value := norm.clean(" ".join(fields.get(tag, ()))):
            return value
    return ""


def _record(raw: str, line: int, fields: Fields) -> ParsedRecord:
    return ParsedRecord(
        raw=raw,
        line=line,
        source_key=_text(fields, "UT"),
        title=_text(fields, "TI"),
        abstract=_text(fields, "AB"),
        # AF has full names ("Owen-Smith, Jason"); AU short ones. CA is a group author.
        authors=norm.clean_all(fields.get("AF") or fields.get("AU") or [])
        + norm.clean_all(fields.get("CA", [])),
        year=norm.year(_text(fields, "PY", "PD", "EA", "EY")),
        journal=_text(fields, "SO", "SE", "J9"),
        volume=_text(fields, "VL"),
        issue=_text(fields, "IS"),
        pages=norm.pages(_text(fields, "BP"), _text(fields, "EP")),
        doi=norm.doi(_text(fields, "DI", "D2")),
        pmid=norm.pmid(_text(fields, "PM")),
        registry_ids=_registry_ids(fields),
        keywords=norm.split_list(_text(fields, "DE")) + norm.split_list(_text(fields, "ID")),
        language=_text(fields, "LA"),
        publication_type=_text(fields, "DT", "PT"),
        url="",
    )


def _registry_ids(fields: Fields) -> list[str]:
    # Cited references (CR) describe other papers; a trial id there is not this record's.
    return norm.registry_ids(" ".join(" ".join(values) for tag, values in fields.items() if tag != "CR"))
