"""EndNote XML (``<xml><records><record>...``), written by EndNote and by Zotero's EndNote export.

Parsed incrementally with ``XMLPullParser``: each ``<record>`` is read, turned into a
``ParsedRecord`` and dropped from the tree, so memory does not grow with the file. EndNote wraps
most text in ``<style>`` elements, hence ``itertext`` everywhere.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from . import normalize as norm
from .base import ParsedRecord, ParseError
from .encoding import TextReader

_CHUNK = 1 << 16


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per ``<record>``; ``line`` is the record's number in the file."""
    parser = ET.XMLPullParser(events=("start", "end"))
    holder: ET.Element | None = None  # the element records are appended to, emptied as we go
    count = 0
    while True:
        chunk = text.read(_CHUNK)
        if chunk:
            parser.feed(chunk)
        else:
            _close(parser, filename)
        for event, element in _events(parser, filename):
            if event == "start":
                if holder is None and element.tag != "record":
                    holder = element  # <xml> first, then <records>: keep the innermost
                elif element.tag == "records":
                    holder = element
                continue
            if element.tag == "record":
                count += 1
                yield _record(element, count)
                if holder is not None and len(holder) and holder[-1] is element:
                    holder.remove(element)  # always the only child left, so this is cheap
                else:
                    element.clear()
        if not chunk:
            break
    if count == 0:
        raise ParseError("no <record> elements found in the EndNote XML", filename=filename)


def _events(parser: ET.XMLPullParser, filename: str) -> Iterator[tuple[str, ET.Element]]:
    try:
        yield from parser.read_events()  # type: ignore[misc]
    except ET.ParseError as error:
        raise _broken(error, filename) from None


def _close(parser: ET.XMLPullParser, filename: str) -> None:
    try:
        parser.close()
    except ET.ParseError as error:
        raise _broken(error, filename) from None


def _broken(error: ET.ParseError, filename: str) -> ParseError:
    line, _column = error.position
    reason = str(error).split(":", 1)[0]  # "mismatched tag: line 12, column 4"
    return ParseError(f"broken XML at line {line}: {reason}", filename=filename, line=line)


def _text(record: ET.Element, path: str) -> str:
    element = record.find(path)
    return "".join(element.itertext()) if element is not None else ""


def _texts(record: ET.Element, path: str) -> list[str]:
    return ["".join(element.itertext()) for element in record.iterfind(path)]


def _record(record: ET.Element, number: int) -> ParsedRecord:
    raw = ET.tostring(record, encoding="unicode")
    urls = [
        url.strip() for url in _texts(record, "urls/related-urls/url") + _texts(record, "urls/web-urls/url")
    ]
    ref_type = record.find("ref-type")
    return ParsedRecord(
        raw=raw,
        line=number,
        source_key=norm.clean(_text(record, "rec-number")),
        title=norm.clean(_text(record, "titles/title")),
        abstract=norm.clean_lines(_text(record, "abstract")),
        authors=norm.clean_all(_texts(record, "contributors/authors/author")),
        year=norm.year(_text(record, "dates/year") or _text(record, "dates/pub-dates/date")),
        journal=norm.clean(_journal(record)),
        volume=norm.clean(_text(record, "volume")),
        # EndNote stores a journal issue in <number>; Zotero writes both <number> and <issue>.
        issue=norm.clean(_text(record, "number") or _text(record, "issue")),
        pages=norm.pages(_text(record, "pages")),
        doi=_doi(record, urls),
        pmid=norm.pmid(_text(record, "accession-num")),
        registry_ids=norm.registry_ids(" ".join(record.itertext())),
        keywords=norm.clean_all(_texts(record, "keywords/keyword"), split_lines=True),
        language=norm.clean(_text(record, "language")),
        publication_type=ref_type.get("name", "") if ref_type is not None else "",
        url=urls[0] if urls else "",
    )


def _journal(record: ET.Element) -> str:
    for path in (
        "periodical/full-title",
        "titles/secondary-title",
        "alt-periodical/full-title",
        "periodical/abbr-1",
    ):
        if value := _text(record, path).strip():
            return value
    return ""


def _doi(record: ET.Element, urls: list[str]) -> str:
    if found := norm.doi(_text(record, "electronic-resource-num")):
        return found
    for url in urls:
        if found := norm.doi_from_url(url):
            return found
    return ""
