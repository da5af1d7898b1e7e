"""Keyword highlighting for the screening page: reviewers' include and exclude terms marked in the text.

Pure Python, no Django. The output is HTML: the whole text is escaped (records are untrusted imported text and
keywords are untrusted reviewer input) and only the ``<mark>`` tags added here are markup, so the Django layer
may wrap the result in ``mark_safe``.

Matching rules, for one keyword:

* Case-insensitive in every script: text and keywords are compared after Unicode compatibility normalisation
  and case folding (NFKC + ``str.casefold``), so "ＤＩＡＢＥＴＥＳ", "ﬁbrosis" and decomposed accents match
  too. Offsets are mapped back, so the original characters are what gets marked. Accents still count:
  "diabete" does not match "diabète".
* Whole words: a keyword never matches inside a longer word ("cat" is not found in "education"). Word
  characters are ``\\w`` plus combining marks, so vowel signs in Devanagari or Thai do not break words.
* A word ending in ``*`` is a stem: "diabet*" matches diabetes, diabetic, diabetologist; "диабет*" works
  the same way. Any word of a phrase may be a stem.
* A plain keyword also matches its English plural, on its last word only: +s ("trial" -> trials), +es after
  s/x/z/ch/sh ("virus" -> viruses), y -> ies after a consonant ("study" -> studies) and is -> es
  ("analysis" -> analyses). Past tense and -ing forms are deliberately *not* added: "rat" would then hit
  "rated" and "rating". List such forms, or use a stem.
* The words of a phrase match across any run of whitespace, including line breaks.
* Regex metacharacters in keywords are literal: "c++", "(a)" or "β-cell" are found as written.

Where hits overlap, the longer one wins; on equal length an exclude keyword beats an include keyword.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

__all__ = ["Hit", "KeywordSet", "compile_keywords", "highlight", "matches"]

INCLUDE = "include"
EXCLUDE = "exclude"


@dataclass(frozen=True)
class Hit:
    """One highlighted span of the original text."""

    start: int
    end: int
    keyword: str  # as the reviewer typed it (surrounding whitespace removed)
    kind: str  # "include" or "exclude"


# --- folding text with a map back to the original ---------------------------------------------


_INVISIBLE = frozenset("\u00ad\u200b\u2060\ufeff")  # soft hyphen and zero-width spaces PDFs leave in words


@lru_cache(maxsize=8192)
def _fold(cluster: str) -> str:
    """Caseless, compatibility-normalised form of a character and its combining marks."""
    if cluster in _INVISIBLE:
        return ""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKD", cluster).casefold())


def _clusters(text: str) -> list[tuple[int, int]]:
    """Spans of each base character together with the combining marks that follow it."""
    spans: list[tuple[int, int]] = []
    for i, ch in enumerate(text):
        if spans and unicodedata.combining(ch):
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


@dataclass(frozen=True)
class _Folded:
    """Folded text plus, for each folded character, the span of original text it came from."""

    text: str
    origin: tuple[tuple[int, int], ...] | None  # None: same length and positions as the original

    @classmethod
    def of(cls, text: str) -> _Folded:
        if text.isascii():
            return cls(text.lower(), None)
        parts: list[str] = []
        origin: list[tuple[int, int]] = []
        for start, end in _clusters(text):
            folded = _fold(text[start:end])
            parts.append(folded)
            origin.extend([(start, end)] * len(folded))
        return cls("".join(parts), tuple(origin))

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if self.origin is None:
            return start, end
        return self.origin[start][0], self.origin[end - 1][1]


def _fold_keyword(keyword: str) -> str:
    return "".join(_fold(keyword[start:end]) for start, end in _clusters(keyword))


# --- keyword -> regular expression ------------------------------------------------------------


@cache
def _word_chars() -> str:
    """A character-class body for word characters: ``\\w`` plus the combining marks (built once, ~0.1 s)."""
    marks = [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)).startswith("M")]
    runs: list[list[int]] = []
    for cp in marks:
        if runs and cp == runs[-1][1] + 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    return r"\w" + "".join(f"{chr(first)}-{chr(last)}" for first, last in runs)


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_" or unicodedata.category(ch).startswith("M")


def _plural(word: str) -> str:
    """Pattern for a plain (non-stem) last word plus its regular English plural."""
    if not (word[-1].isascii() and word[-1].isalpha()):
        return re.escape(word)
    if word.endswith("is") and len(word) > 3:
        return re.escape(word[:-2]) + "(?:is|es)"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return re.escape(word) + "(?:es)?"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return re.escape(word[:-1]) + "(?:y|ies)"
    return re.escape(word) + "s?"


def _keyword_pattern(folded: str) -> str | None:
    """Regex for one folded keyword, or None when it cannot match anything sensible (e.g. "*")."""
    words = folded.split()
    if not words or any(not w.rstrip("*") for w in words):
        return None
    word_class = f"[{_word_chars()}]"
    parts = []
    for position, word in enumerate(words):
        if word.endswith("*"):
            parts.append(re.escape(word.rstrip("*")) + word_class + "*")
        else:
            parts.append(_plural(word) if position == len(words) - 1 else re.escape(word))
    before = f"(?<!{word_class})" if _is_word_char(words[0][0]) else ""
    last = words[-1]
    after = f"(?!{word_class})" if last.endswith("*") or _is_word_char(last[-1]) else ""
    return before + r"\s+".join(parts) + after


# --- the compiled keyword set -----------------------------------------------------------------


@dataclass(frozen=True)
class _Keyword:
    text: str
    kind: str
    pattern: re.Pattern[str]


class KeywordSet:
    """Include and exclude keywords compiled once; call :meth:`highlight` for every record shown."""

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        self._keywords: list[_Keyword] = []
        ignored: list[str] = []
        seen: set[tuple[str, str]] = set()
        for kind, keywords in ((EXCLUDE, exclude), (INCLUDE, include)):
            for raw in keywords:
                self._add(raw.strip(), kind, seen, ignored)
        self.ignored: tuple[str, ...] = tuple(ignored)  # keywords that can never match, for the settings form

    def _add(self, keyword: str, kind: str, seen: set[tuple[str, str]], ignored: list[str]) -> None:
        folded = _fold_keyword(keyword)
        if (folded, kind) in seen:
            return
        pattern = _keyword_pattern(folded)
        if pattern is None:
            ignored.append(keyword)
            return
        seen.add((folded, kind))
        self._keywords.append(_Keyword(keyword, kind, re.compile(pattern)))

    def find(self, text: str) -> list[Hit]:
        """The non-overlapping hits in ``text``, in reading order."""
        if not text or not self._keywords:
            return []
        folded = _Folded.of(text)
        candidates = []
        for order, keyword in enumerate(self._keywords):
            for match in keyword.pattern.finditer(folded.text):
                start, end = folded.original_span(*match.span())
                candidates.append((-(end - start), order, Hit(start, end, keyword.text, keyword.kind)))
        return _resolve_overlaps(candidates)

    def highlight(self, text: str) -> str:
        """HTML-escaped ``text`` with hits wrapped in ``<mark class="kw-include|kw-exclude">``.

        Safe to pass to Django's ``mark_safe``: nothing from ``text`` or the keywords reaches the output
        unescaped.
        """
        if not text:
            return ""
        out: list[str] = []
        position = 0
        for hit in self.find(text):
            out.append(html.escape(text[position : hit.start]))
            out.append(f'<mark class="kw-{hit.kind}">{html.escape(text[hit.start : hit.end])}</mark>')
            position = hit.end
        out.append(html.escape(text[position:]))
        return "".join(out)

    def matches(self, text: str) -> dict[str, int]:
        """How many highlighted hits each keyword has in ``text`` (keywords with none are left out)."""
        return dict(Counter(hit.keyword for hit in self.find(text)))


def _resolve_overlaps(candidates: list[tuple[int, int, Hit]]) -> list[Hit]:
    """Keep the longest hits first; exclude keywords sort before include ones, so they win ties."""
    chosen: list[Hit] = []
    starts: list[int] = []
    for _, _, hit in sorted(candidates, key=lambda c: (c[0], c[1], c[2].start)):
        i = bisect_left(starts, hit.start)
        if (i > 0 and chosen[i - 1].end > hit.start) or (i < len(chosen) and chosen[i].start < hit.end):
            continue
        starts.insert(i, hit.start)
        chosen.insert(i, hit)
    return chosen


# --- convenience functions --------------------------------------------------------------------


@lru_cache(maxsize=256)
def _compiled(include: tuple[str, ...], exclude: tuple[str, ...]) -> KeywordSet:
    return KeywordSet(include, exclude)


def compile_keywords(include: Sequence[str], exclude: Sequence[str]) -> KeywordSet:
    """The compiled keyword set for a review (cached, so repeated calls with the same lists are cheap)."""
    return _compiled(tuple(include), tuple(exclude))


def highlight(text: str, include: Sequence[str], exclude: Sequence[str]) -> str:
    """HTML-escaped ``text`` with keyword hits marked; see the module docstring for the matching rules.

    Returns a plain ``str`` that is already safe HTML; the Django layer wraps it with ``mark_safe``.
    """
    return compile_keywords(include, exclude).highlight(text)


def matches(text: str, include: Sequence[str], exclude: Sequence[str]) -> dict[str, int]:
    """Hits per keyword in ``text``, for the "why highlighted" tooltip."""
    return compile_keywords(include, exclude).matches(text)
