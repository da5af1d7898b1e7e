"""Bibliographic file importers: detect an export's format and stream its records.

    from reviewapp.importers import parse
    with upload.open("rb") as stream:
        for record in parse(stream, filename=upload.name):
            ...

Pure Python, no Django. ``parse`` is a generator: it reads the file in chunks and yields one
``ParsedRecord`` at a time, so memory stays flat however large the file. A ``ParseError`` can
come after some records were yielded (a broken XML tag near the end, say), so callers should
import inside one transaction and roll back on error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from . import bibtex, csv_formats, endnote_xml, medline, ris, wos
from .base import FORMATS, ParsedRecord, ParseError
from .encoding import decode_head, seekable, text_stream
from .limits import check_record

__all__ = ["FORMATS", "ParseError", "ParsedRecord", "detect_format", "parse"]

HEAD_BYTES = 64 * 1024

Parser = Callable[..., Iterator[ParsedRecord]]
_PARSERS: dict[str, Parser] = {
    "ris": ris.parse,
    "medline": medline.parse,
    "endnote-xml": endnote_xml.parse,
    "bibtex": bibtex.parse,
    "csv": csv_formats.parse,
    "wos": wos.parse,
}

# Magic numbers of files people upload by mistake, and what to call them in the message.
_BINARY_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx file)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.doc/.xls)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
_EXPECTED_BY_EXTENSION = {
    ".ris": "RIS file",
    ".nbib": "MEDLINE file",
    ".medline": "MEDLINE file",
    ".xml": "EndNote XML file",
    ".bib": "BibTeX file",
    ".csv": "CSV file",
    ".tsv": "tab-delimited file",
    ".ciw": "Web of Science file",
    ".isi": "Web of Science file",
}

_RIS_TY = re.compile(r"^TY  -", re.MULTILINE)
_WOS_RECORD = re.compile(r"^PT [A-Z]\s*$", re.MULTILINE)
_MEDLINE_ONLY_TAG = re.compile(r"^(?:PMID|OWN |STAT|FAU |DP  |JT  |TA  |LID |AID |SO  |PG  )- ", re.MULTILINE)
_BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)
_XML_START = re.compile(r"^\s*<(?:\?xml|xml\b|records\b|record\b)")
_ENDNOTE_ELEMENT = re.compile(r"<records?\s*>")


def detect_format(head: bytes, filename: str = "") -> str:
    """Which of ``FORMATS`` the file starting with ``head`` is, judged by content, not name.

    Raises ``ParseError`` for an empty file, a binary file (PDF, Word, ZIP, images) or text
    that is no bibliographic export we know.
    """
    _reject_unusable(head, filename)
    text = decode_head(head).lstrip("\ufeff")
    fmt = _detect_text(text.lstrip())
    if fmt:
        return fmt
    raise ParseError(_not_an_export(text, filename), filename=filename, line=1)


def parse(stream: BinaryIO, *, filename: str, fmt: str = "auto") -> Iterator[ParsedRecord]:
    """Stream the records of an uploaded export; ``fmt`` is one of ``FORMATS`` or "auto"."""
    if fmt != "auto" and fmt not in _PARSERS:
        raise ParseError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", filename=filename)
    with seekable(stream) as source:
        start = source.tell()
        head = source.read(HEAD_BYTES)
        source.seek(start)
        if fmt == "auto":
            fmt = detect_format(head, filename)
        else:
            _reject_unusable(head, filename)
        # The RIS reader decodes entry by entry and falls back to Latin-1 itself, which spares a
        # 260 MB upload a whole extra pass just to check that it is valid UTF-8.
        with text_stream(source, validate_utf8=fmt != "ris") as text:
            for record in _PARSERS[fmt](text, filename=filename):
                yield check_record(record, filename)


def _reject_unusable(head: bytes, filename: str) -> None:
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            first = head[: len(signature)].decode("latin-1")
            reason = f"not a {_expected(filename)}: line 1 starts with {first!r} ({what})"
            raise ParseError(reason, filename=filename, line=1)
    text = decode_head(head)
    if not text.strip().lstrip("\ufeff").strip():
        raise ParseError("file is empty", filename=filename)
    if _looks_binary(text):
        raise ParseError(f"not a {_expected(filename)}: it contains binary data, not text", filename=filename)


def _looks_binary(text: str) -> bool:
    """NULs or many control characters mean binary data (UTF-16 was already decoded by now)."""
    sample = text[:8192]
    controls = sum(1 for char in sample if char < " " and char not in "\n\r\t\f\v")
    return "\x00" in sample or controls > len(sample) * 0.01


def _detect_text(text: str) -> str:
    if _XML_START.match(text):
        if _ENDNOTE_ELEMENT.search(text):
            return "endnote-xml"
        return ""
    if _RIS_TY.search(text):
        return "ris"
    if text.startswith(("FN ", "VR ")) or _WOS_RECORD.search(text):
        return "wos"
    if _MEDLINE_ONLY_TAG.search(text):
        return "medline"
    if _BIBTEX_ENTRY.search(text):
        return "bibtex"
    if csv_formats.looks_like_csv(text):
        return "csv"
    return ""


def _not_an_export(text: str, filename: str) -> str:
    first_line = text.lstrip().split("\n", 1)[0][:40]
    if _XML_START.match(text.lstrip()):
        return "XML file, but not EndNote XML (no <records> element); export as EndNote XML or RIS"
    if first_line.lower().startswith(("<!doctype html", "<html")):
        return f"not a {_expected(filename)}: it is a web page (HTML), not an export"
    if first_line.startswith(("{", "[")):
        return f"not a {_expected(filename)}: it is JSON data, not a bibliographic export"
    if len(cells := csv_formats.header_cells(text.lstrip())) > 2:
        return csv_formats.no_title_column(cells)
    return f"not a {_expected(filename)}: line 1 starts with {first_line!r}, which no supported format does"


def _expected(filename: str) -> str:
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    return _EXPECTED_BY_EXTENSION.get(suffix, "bibliographic export")
