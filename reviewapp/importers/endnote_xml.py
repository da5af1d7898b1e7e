"""EndNote XML (``<xml><records><record>...``), written by EndNote and by Zotero's EndNote export.

EndNote records never nest, so the reader cuts the text at ``<record>`` ... ``</record>`` and
parses each record on its own with ``ET.fromstring``. That streams (one record in memory at a
time), keeps ``raw`` verbatim, and is several times faster than one pull parser over the whole
file, which spends most of its time handing Python an event per element and re-serialising
each record. EndNote wraps most text in ``<style>`` elements, hence ``itertext`` everywhere.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from . import normalize as norm
from .base import ParsedRecord, ParseError
from .encoding import TextReader

_CHUNK = 1 << 17
_RECORD_START = re.compile(r"<record[\s>]")
_RECORD_END = "</record>"
_TAIL_KEPT = len("<record")  # a start tag may be cut in two by a chunk boundary


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per ``<record>``; ``line`` is the record's number in the file."""
    buf, line, count = "", 1, 0  # ``line`` is the line number at buf[0]
    while chunk := text.read(_CHUNK):
        buf += chunk
        pos = 0
        while (start := _RECORD_START.search(buf, pos)) and (
            end := buf.find(_RECORD_END, start.start())
        ) >= 0:
            end += len(_RECORD_END)
            line += buf.count("\n", pos, start.start())
            raw = buf[start.start() : end]
            count += 1
            yield _record(_element(raw, line, filename), raw, count)
            line += raw.count("\n")
            pos = end
        keep = start.start() if start else max(pos, len(buf) - _TAIL_KEPT)
        line += buf.count("\n", pos, keep)
        buf = buf[keep:]
    if _RECORD_START.search(buf):
        reason = f"broken XML at line {line}: the file ends inside a <record> (was it cut short?)"
        raise ParseError(reason, filename=filename, line=line)
    if count == 0:
        raise ParseError("no <record> elements found in the EndNote XML", filename=filename)


def _element(raw: str, line: int, filename: str) -> ET.Element:
    # Safe on uploads: only the record's own text reaches the parser, never a DOCTYPE, so no
    # entity can be declared (no "billion laughs") and nothing external is ever fetched.
    try:
        return ET.fromstring(raw)  # noqa: S314
    except ET.ParseError as error:
        where = line + error.position[0] - 1
        reason = str(error).split(":", 1)[0]  # "mismatched tag: line 1, column 4"
        raise ParseError(f"broken XML at line {where}: {reason}", filename=filename, line=where) from None


def _text(record: ET.Element, path: str) -> str:
    element = record.find(path)
    return "".join(element.itertext()) if element is not None else ""


def _texts(record: ET.Element, path: str) -> list[str]:
    return ["".join(element.itertext()) for element in record.iterfind(path)]


def _record(record: ET.Element, raw: str, number: int) -> ParsedRecord:
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
