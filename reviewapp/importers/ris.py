"""RIS, as exported by PubMed, Ovid, Web of Science, Scopus, EndNote, Zotero and Cochrane CENTRAL.

Every database bends the RIS "standard" its own way (TI or T1, JO/JF/T2/JA, PY "2020///",
abstracts in AB or N2, DOIs in DO, M3 or a URL), so each field below is a priority list of tags.

Speed matters here: a 100,000-record file must parse at well over 40,000 records/s. So entries
are found with ``bytes.find`` on 128 KB UTF-8 chunks (decoding whole chunks to ``str`` is slow
once one character in them needs a wide representation), each entry is decoded on its own, and
its tags come from one regex split instead of a per-line Python loop.
"""

from __future__ import annotations

import dataclasses
import operator
import re
from collections.abc import Iterator

from .base import ParsedRecord, ParseError
from .encoding import TextReader, latin1
from .normalize import clean, clean_all, clean_lines, doi, doi_from_url, pages, pmid, registry_ids, year

# ``_record`` passes ParsedRecord's fields positionally; if base.py changes them, fail at import
# rather than silently putting a title into the abstract.
_FIELD_ORDER = (
    *("raw", "line", "source_key", "title", "abstract", "authors", "year", "journal", "volume"),
    *("issue", "pages", "doi", "pmid", "registry_ids", "keywords", "language", "publication_type", "url"),
)
if tuple(field.name for field in dataclasses.fields(ParsedRecord)) != _FIELD_ORDER:
    raise ImportError("ParsedRecord's fields changed: update ris._record, which passes them by position")

_CHUNK = 1 << 17  # 128 KB: 1 MB chunks were 30% slower (fresh pages for every buffer)
_START = b"\nTY  -"
_END = b"\nER  -"
_BOM = "\ufeff".encode()
_TAG_LINE = re.compile(r"\n([A-Z][A-Z0-9])  - ?")
_ANY_TAG_LINE = re.compile(rb"\n[A-Z][A-Z0-9]  -")
_AUTHOR_TAGS = frozenset(("AU", "A1"))
# The tags nearly every dialect uses, in the order ``_record`` unpacks them.
_COMMON: tuple[str, ...] = (
    "ID",
    "AN",
    "TI",
    "T1",
    "AB",
    "N2",
    "PY",
    "Y1",
    "DA",
    "JF",
    "JO",
    "T2",
    "VL",
    "IS",
)
_COMMON += ("SP", "EP", "LA", "UR", "DO")
_NO_COMMON_TAGS = dict.fromkeys(_COMMON, "")
_fetch_common = operator.itemgetter(*_COMMON)
_SCOPUS_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_PMID_TAGS = ("PM", "C2", "AN", "C1")
_PMID_IN_TEXT = re.compile(r"(?:PUBMED|PMID|MEDLINE)[\s:-]*(\d{1,9})\b", re.IGNORECASE)
_PMID_IN_URL = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|[?&]D=(?:med|prem)\w*&\S*?\bAN=)(\d{1,9})"
)


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per TY..ER entry; raise ``ParseError`` if there are none.

    Text between entries (Ovid's "Link to the Ovid Full Text", EndNote's "Record #1 of 2") is
    skipped. The buffer always begins with b"\\n" so that every line start is found as
    b"\\nXX  -"; that "\\n" also makes line numbers 1-based. The whole scan is one function
    on purpose: a generator hand-off per entry costs a measurable share of the time.
    """
    buf, line, count, eof = b"\n", 0, 0, False  # ``line`` is the line of buf[0]
    closed = 0  # entries that ended with their ER line
    while not eof:
        chunk = text.read_bytes(_CHUNK)
        eof = not chunk
        if b"\xef" in chunk and _BOM in chunk:  # files joined by ``cat`` carry a BOM per part
            # (memchr for one byte first: a 3-byte search of every chunk costs 5% of the parse)
            chunk = chunk.replace(_BOM, b"")
        buf += chunk
        pos = 0
        while (start := buf.find(_START, pos)) >= 0:
            end = buf.find(_END, start)
            stop = buf.find(b"\n", end + 1) if end >= 0 else -1
            if stop < 0:
                stop = _stop_without_er(buf, start, eof)
                if stop < 0:
                    break
                if end < 0 and closed and stop >= len(buf.rstrip(b"\n")):  # last entry, file uses ER
                    _refuse_truncated(buf, pos, start, line, filename)
            else:
                closed += 1
            if buf.find(_END, pos, start) >= 0:
                _check_gap(buf, pos, start, line, filename)
            line += buf.count(b"\n", pos, start + 1)
            try:
                raw = buf[start + 1 : stop].decode("utf-8")
            except UnicodeDecodeError:  # a Latin-1 export (or one stray byte): see TextReader
                raw = latin1(buf[start + 1 : stop])
            record = _record(raw, line)
            if record is None:
                yield from _split_missing_er(raw, line)
            else:
                yield record
            count += 1
            line += buf.count(b"\n", start + 1, stop)
            pos = stop
        keep = len(buf) if eof else buf.find(_START, pos)
        if keep < 0:
            keep = buf.rfind(b"\n", pos)  # the last line may be a TY cut in half
        _check_gap(buf, pos, keep, line, filename)
        line += buf.count(b"\n", pos, keep)
        buf = buf[keep:]
    if count == 0:
        raise ParseError("no RIS records found (no line starts with 'TY  - ')", filename=filename)


def _refuse_truncated(buf: bytes, pos: int, start: int, line: int, filename: str) -> None:
    """Every entry so far ended with ER but the last one runs into the end of the file: a cut download."""
    where = line + buf.count(b"\n", pos, start + 1)
    raise ParseError(
        "the last RIS entry has no closing 'ER  -' line, although the entries before it do: the file "
        "looks truncated. Export or download it again.",
        filename=filename,
        line=where,
    )


def _stop_without_er(buf: bytes, start: int, eof: bool) -> int:
    """End of an entry whose ER is not in ``buf``: the next TY, the end of the file, or -1 (read more).

    Looking for the next TY keeps an export with no ER lines at all from piling up in ``buf``.
    """
    stop = buf.find(_START, start + 1)
    if stop < 0:
        if not eof:
            return -1
        stop = len(buf)
    while stop > start + 1 and buf[stop - 1] == 10:  # trailing blank lines are not part of the entry
        stop -= 1
    return stop


def _check_gap(buf: bytes, pos: int, stop: int, line: int, filename: str) -> None:
    """Text between entries is fine unless it is a tagged entry that ends in ER but has no TY."""
    end = buf.find(_END, pos, stop)
    if end < 0:
        return
    tag = _ANY_TAG_LINE.search(buf, pos, end + 1)
    if tag is not None:
        where = line + buf.count(b"\n", pos, tag.start() + 1)
        raise ParseError(f"RIS entry starting at line {where} has no TY tag", filename=filename, line=where)


def _split_missing_er(raw: str, line: int) -> Iterator[ParsedRecord]:
    """Entries run together because one lacks its ER line: the next TY closes it."""
    for piece in re.split(r"\n(?=TY  -)", raw):
        record = _record(piece.rstrip("\n"), line)
        if record is not None:
            yield record
        line += piece.count("\n") + 1


def _record(raw: str, line: int) -> ParsedRecord | None:
    """The record for one entry, or None if it holds two TY lines.

    A missing ER is noticed here rather than by ``parse``, which would otherwise have to scan
    every entry a second time. This runs 100,000 times per large file, so the common tags are
    fetched with one ``itemgetter`` from a dict pre-filled with "", rarer fallbacks are looked
    up only when needed, and short single-line fields are only stripped.
    """
    # raw starts with "TY  -", so parts[0] is the TY line and the rest alternate tag, value.
    parts = _TAG_LINE.split(raw)
    pairs = iter(parts)
    next(pairs)
    fields = _NO_COMMON_TAGS.copy()
    fields.update(zip(pairs, pairs))  # built in C; the last of a repeated tag wins
    tags = parts[1::2]
    if "TY" in fields:
        return None
    id_, an, ti, t1, ab, n2, py, y1, da, jf, jo, t2, vl, is_, sp, ep, la, ur, do = _fetch_common(fields)
    ty = parts[0][5:]
    get = fields.get
    urls = [url.strip() for url in (ur, get("L2"), get("L1"), get("LK")) if url]
    # Positional, in ParsedRecord field order (checked at import): keyword arguments cost 6%.
    return ParsedRecord(
        raw,  # raw
        line,  # line
        (id_ or an).strip() or _scopus_eid(ur),  # source_key
        clean(ti or t1 or get("CT") or get("ST") or get("BT") or ""),  # title
        clean_lines(ab or n2),  # abstract
        _authors(fields, tags, parts),  # authors
        year(py or y1 or da or get("Y2") or ""),  # year
        clean(jf or jo or t2 or get("J2") or get("JA") or get("J1") or get("T3") or ""),  # journal
        (vl or get("VO") or "").strip(),  # volume
        (is_ or get("CP") or "").strip(),  # issue
        pages(sp, ep),  # pages
        _doi(do, fields, urls),  # doi
        _pmid(fields, an, urls),  # pmid
        registry_ids(raw),  # registry_ids
        clean_all(_all(tags, parts, "KW"), split_lines=True) if "KW" in fields else [],  # keywords
        la.strip(),  # language
        ty.strip(),  # publication_type
        urls[0] if urls else "",  # url
    )


def _scopus_eid(url: str) -> str:
    # Scopus RIS has no ID tag, but its link carries the EID that Scopus CSV exports use.
    match = _SCOPUS_EID.search(url) if "eid=" in url else None
    return match.group(1) if match else ""


def _all(tags: list[str], parts: list[str], tag: str) -> list[str]:
    """Every value of a repeated tag in file order (``parts`` is the split: TY line, tag, value, ...)."""
    count = tags.count(tag)
    if count <= 1:
        return [parts[2 * tags.index(tag) + 2]] if count else []
    start = tags.index(tag)
    if tags[start : start + count].count(tag) == count:  # one contiguous block, the usual layout
        return parts[2 * start + 2 : 2 * (start + count) + 1 : 2]
    return [parts[2 * index + 2] for index, name in enumerate(tags) if name == tag]


def _authors(fields: dict[str, str], tags: list[str], parts: list[str]) -> list[str]:
    if "A1" in fields:  # Ovid and EndNote write A1; keep file order if AU appears too
        names = [parts[2 * index + 2] for index, name in enumerate(tags) if name in _AUTHOR_TAGS]
    else:
        names = _all(tags, parts, "AU")
    return clean_all(names)


def _doi(do: str, fields: dict[str, str], urls: list[str]) -> str:
    if do and (found := doi(do)):
        return found
    # EndNote and Zotero sometimes put the DOI in M3; Scopus puts "Article" there.
    for value in (fields.get("DI"), fields.get("M3")):
        if value and (found := doi(value)):
            return found
    for url in urls:
        if found := doi_from_url(url):
            return found
    return ""


def _pmid(fields: dict[str, str], an: str, urls: list[str]) -> str:
    # Scopus puts the PMID in C2 (EndNote uses C2 for the PMCID, which is never all digits);
    # EndNote and Ovid use AN; Cochrane CENTRAL writes "PUBMED 12345678" in AN.
    for tag in _PMID_TAGS:
        value = an if tag == "AN" else fields.get(tag)
        if not value:
            continue
        if tag != "C1" and (found := pmid(value)):
            return found
        if tag in ("AN", "C1") and (match := _PMID_IN_TEXT.search(value)):
            return match.group(1)
    for url in urls:
        if ("AN=" in url or "pubmed" in url) and (match := _PMID_IN_URL.search(url)):
            return match.group(1)
    return ""
