"""BibTeX / BibLaTeX (.bib), as exported by Google Scholar, Zotero, JabRef and publishers.

A small streaming reader: an entry runs from a line starting with "@type{" until its braces
balance, so a large file is never held whole (bibtexparser 1.x loads the entire string). Field
values may be {braced}, "quoted", bare numbers or @string macros joined with "#"; LaTeX accents
are turned into Unicode with bibtexparser's table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bibtexparser.latexenc import latex_to_unicode  # type: ignore[import-untyped]

from . import normalize as norm
from .base import ParsedRecord, ParseError
from .encoding import TextReader

_ENTRY_START = re.compile(r"\s*@\s*([A-Za-z]+)\s*([{(])")
_FIELD_NAME = re.compile(r"\s*,?\s*([A-Za-z][\w\-:.+]*)\s*=\s*")
_BARE_VALUE = re.compile(r"[^\s,#}\)]+")
_SPACE = re.compile(r"\s*")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_SKIPPED_TYPES = frozenset(("comment", "preamble"))
_MONTHS = dict(
    zip(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        ("January", "February", "March", "April", "May", "June", "July", "August", "September",
         "October", "November", "December"),
    )
)  # fmt: skip


def parse(text: TextReader, *, filename: str = "") -> Iterator[ParsedRecord]:
    """Yield one ``ParsedRecord`` per bibliographic entry; raise ``ParseError`` if there are none."""
    macros = dict(_MONTHS)
    count = 0
    for line, kind, raw in _entries(text, filename):
        if kind in _SKIPPED_TYPES:
            continue
        body = _body(raw)
        if kind == "string":
            macros.update(_fields(body, macros))
            continue
        key, _, rest = body.partition(",")
        count += 1
        yield _record(raw, line, kind, key.strip(), _fields(rest, macros))
    if count == 0:
        raise ParseError("no BibTeX entries found (no lines like '@article{key,')", filename=filename)


def _entries(text: TextReader, filename: str) -> Iterator[tuple[int, str, str]]:
    """(first line, lower-case entry type, verbatim text); text outside entries is a comment in BibTeX."""
    lines: list[str] = []
    depth = start = 0
    kind = kind_delimiter = ""
    for number, line in enumerate(text, start=1):
        opening = _ENTRY_START.match(line)
        if lines and opening and depth > 0 and not line[:1].isspace():
            reason = (
                f"BibTeX entry starting at line {start} is not closed before the next entry at line {number}"
            )
            raise ParseError(reason, filename=filename, line=start)
        if not lines:
            if opening is None:
                continue
            start, kind, kind_delimiter = number, opening.group(1).lower(), opening.group(2)
        lines.append(line)
        depth += _balance(line, parenthesised=kind_delimiter == "(")
        if depth <= 0:
            yield start, kind, "".join(lines).rstrip("\n")
            lines, depth = [], 0
    if lines:
        raise ParseError(
            f"BibTeX entry starting at line {start} is never closed (unbalanced braces)",
            filename=filename,
            line=start,
        )


def _balance(line: str, *, parenthesised: bool) -> int:
    """Net opening delimiters on a line; escaped ones (\\{) are text, not structure."""
    opened = line.count("{") - line.count("\\{")
    closed = line.count("}") - line.count("\\}")
    if parenthesised:  # @article( ... ) entries
        opened += line.count("(")
        closed += line.count(")")
    return opened - closed


def _body(raw: str) -> str:
    """The entry between its opening and closing delimiter."""
    opening = _ENTRY_START.match(raw)
    body = raw[opening.end() if opening else 0 :].rstrip()
    return body[:-1] if body.endswith(("}", ")")) else body


def _fields(body: str, macros: dict[str, str]) -> dict[str, str]:
    """Field name (lower case) -> value text, with macros expanded and "#" concatenation done."""
    fields: dict[str, str] = {}
    position = 0
    while match := _FIELD_NAME.match(body, position):
        value, position = _value(body, match.end(), macros)
        fields[match.group(1).lower()] = value
    return fields


def _value(body: str, position: int, macros: dict[str, str]) -> tuple[str, int]:
    """One field value starting at ``position``: its parts joined by "#"; and where it ends."""
    parts = []
    while (part := _value_part(body, position, macros)) is not None:
        text, position = part
        parts.append(text)
        after = _SPACE.match(body, position).end()  # type: ignore[union-attr]
        if not body.startswith("#", after):
            break
        position = _SPACE.match(body, after + 1).end()  # type: ignore[union-attr]
    return "".join(parts), position


def _value_part(body: str, position: int, macros: dict[str, str]) -> tuple[str, int] | None:
    """A {braced} or "quoted" string, or a bare number or @string macro name."""
    if position >= len(body):
        return None
    if body[position] == "{":
        end = _closing_brace(body, position)
        return body[position + 1 : end], end + 1
    if body[position] == '"':
        end = _closing_quote(body, position)
        return body[position + 1 : end], end + 1
    bare = _BARE_VALUE.match(body, position)
    if bare is None:
        return None
    return macros.get(bare.group(0).lower(), bare.group(0)), bare.end()


def _closing_quote(body: str, start: int) -> int:
    end = start + 1
    while end < len(body) and (body[end] != '"' or body[end - 1] == "\\"):
        end += 1
    return end


def _closing_brace(body: str, start: int) -> int:
    depth = 0
    for index in range(start, len(body)):
        char = body[index]
        if char == "{" and body[index - 1] != "\\":
            depth += 1
        elif char == "}" and body[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return index
    return len(body)


def _plain(value: str) -> str:
    """LaTeX accents to Unicode, grouping braces dropped, whitespace collapsed."""
    if "\\" in value or "{" in value:
        value = latex_to_unicode(value).replace("{", "").replace("}", "")
    return norm.clean(value)


def _split_authors(value: str) -> list[str]:
    """Split on " and " outside braces: "{Barnes and Noble}" is one (corporate) author."""
    names: list[str] = []
    current: list[str] = []
    depth = 0
    for piece in re.split(r"(\{|\}|\s+and\s+)", value, flags=re.IGNORECASE):
        if piece == "{":
            depth += 1
        elif piece == "}":
            depth -= 1
        elif depth == 0 and _AND.fullmatch(piece):
            names.append("".join(current))
            current = []
            continue
        current.append(piece)
    names.append("".join(current))
    return [name for name in map(_plain, names) if name]


def _record(raw: str, line: int, kind: str, key: str, fields: dict[str, str]) -> ParsedRecord:
    def get(*names: str) -> str:
        return next((_plain(fields[name]) for name in names if fields.get(name, "").strip()), "")

    pmid = get("pmid") or (get("eprint") if get("eprinttype").lower() == "pubmed" else "")
    return ParsedRecord(
        raw=raw,
        line=line,
        source_key=key,
        title=get("title"),
        abstract=get("abstract"),
        authors=_split_authors(fields.get("author", "")),
        year=norm.year(get("year", "date")),
        journal=get("journal", "journaltitle", "booktitle", "series"),
        volume=get("volume"),
        issue=get("number", "issue"),
        pages=norm.pages(get("pages")),
        doi=norm.doi(get("doi")) or norm.doi_from_url(get("url")),
        pmid=norm.pmid(pmid),
        registry_ids=norm.registry_ids(raw),
        keywords=norm.split_list(get("keywords", "mesh"), ";,"),
        language=get("language", "langid"),
        publication_type=kind,
        url=get("url"),
    )
