"""Field normalisers: turn messy bibliographic text into keys that compare equal when they should.

Every function accepts whatever an importer produced and never raises; unusable input gives "".
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from urllib.parse import unquote

# Letters that Unicode decomposition leaves non-ASCII, and Greek letters that databases spell out.
_FOLD = str.maketrans(
    {
        "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
        "α": " alpha ", "β": " beta ", "γ": " gamma ", "δ": " delta ", "ε": " epsilon ", "ζ": " zeta ",
        "η": " eta ", "θ": " theta ", "ι": " iota ", "κ": " kappa ", "λ": " lambda ", "µ": " mu ",
        "μ": " mu ", "ν": " nu ", "ξ": " xi ", "π": " pi ", "ρ": " rho ", "σ": " sigma ", "τ": " tau ",
        "φ": " phi ", "χ": " chi ", "ψ": " psi ", "ω": " omega ",
    }
)  # fmt: skip
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_ALPHA = re.compile(r"[^a-z]+")
_TAGS = re.compile(r"<[^<>]{1,60}>")
# ASCII text (nearly every field) takes a byte-level path: one C pass maps what is not [a-z0-9] to a space
# (after lower-casing), ``split`` then collapses the runs; the same result as the regex, three times sooner.
_ASCII_ALNUM = bytes(range(48, 58)) + bytes(range(97, 123))
_ASCII_WORDS = bytes(byte if byte in _ASCII_ALNUM else 32 for byte in range(256))
_ASCII_NOT_LETTERS = bytes(byte for byte in range(256) if not 97 <= byte <= 122)


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Åström's β-Cell" -> "astrom s beta cell"."""
    if text.isascii():
        return " ".join(text.encode("ascii").lower().translate(_ASCII_WORDS).decode("ascii").split())
    if "Ã" in text or "Â" in text:
        text = repair_mojibake(text)
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.translate(_FOLD))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", text).strip()


def letters(text: str) -> str:
    """Only the letters of ``fold(text)``, run together: "O'Brien-Smith 2nd" -> "obriensmithnd"."""
    if text.isascii():
        return text.encode("ascii").lower().translate(None, _ASCII_NOT_LETTERS).decode("ascii")
    return _NON_ALPHA.sub("", fold(text))


def repair_mojibake(text: str) -> str:
    """UTF-8 that was decoded as Latin-1 on the way ("HrubÃ½" -> "Hrubý"); other text is returned as is."""
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


# --- titles -----------------------------------------------------------------------------------

# Notices that databases append to the *original* article's title; they do not make it an erratum.
_NOTICE_SUFFIX = re.compile(
    r"([\[(]|\.\s)\s*(erratum|errata|corrigendum|correction|comment|retraction|update|summary for patients|"
    r"republished|reprinted|expression of concern)s?\s+(appears?\s+in|in|from)\b[^\[\]]*[\])]?\s*\.?\s*$",
    re.IGNORECASE,
)
_REFS_TAG = re.compile(r"\[\s*review\s*\]|\[\s*\d+\s*refs?\s*\]|\(\s*review\s*\)\s*\.?\s*$", re.IGNORECASE)
_LANGUAGE_TAG = re.compile(r"[\[(]\s*(article in\s+)?[a-z]+(\s+text)?\s*[\])]\s*\.?\s*$", re.IGNORECASE)
_LANGUAGES = frozenset({
    "arabic", "bulgarian", "chinese", "croatian", "czech", "danish", "dutch", "english", "finnish", "french",
    "german", "greek", "hebrew", "hungarian", "italian", "japanese", "korean", "lithuanian", "norwegian",
    "persian", "polish", "portuguese", "romanian", "russian", "serbian", "slovak", "slovenian", "spanish",
    "swedish", "turkish", "ukrainian",
})  # fmt: skip
# Embase appends the original-language title: "Donor heart preservation. Japanese\n<Japanese title>".
_TRANSLATION = re.compile(
    r"[.?!]\s*(" + "|".join(sorted(_LANGUAGES)) + r")\s*(\n.*)?$", re.IGNORECASE | re.DOTALL
)
# The same article, later flagged, or labelled with its section: keep matching it to its plain copies.
_SAME_ARTICLE_PREFIX = re.compile(
    r"^\W*(retracted( article)?|withdrawn|reprint|short communication|case report|technical note|"
    r"original (article|research|contribution)|research (article|paper|letter)|brief (report|communication)|"
    r"rapid communication|clinical investigation|review article|mini-?review)\s*[:.\-]\s*",
    re.IGNORECASE,
)


def clean_title(raw: str) -> str:
    """The title without markup, appended database notices, translations and language tags."""
    title = html.unescape(raw) if "&" in raw else raw
    title = _TAGS.sub(" ", title) if "<" in title else title
    title = _SAME_ARTICLE_PREFIX.sub("", title)
    if "\n" in title or title.rstrip(" .").rsplit(".", 1)[-1].strip().lower() in _LANGUAGES:
        title = _TRANSLATION.sub("", title)
    for _ in range(3):  # notices can be stacked: "... [Review] [42 refs] [Erratum appears in ...]"
        before = title
        title = _NOTICE_SUFFIX.sub("", title)
        title = _REFS_TAG.sub(" ", title).strip()
        tag = _LANGUAGE_TAG.search(title)
        if tag and tag.group(0).strip(" .[]()").lower().split()[-1] in _LANGUAGES:
            title = title[: tag.start()]
        if title == before:
            break
    return _strip_subject_codes(title).strip(" .")


# Research-field codes some databases append to the title (ANZSRC "Fields of Research": a two-digit
# division, then four-digit groups that start with it): "... healthcare facilities 06 Biological Sciences
# 0605 Microbiology 11 Medical and Health Sciences". Only a run of at least two codes, one of them a
# four-digit group nested in a two-digit division of the same run, is taken for such a tail.
_SUBJECT_CODE_TAIL = re.compile(r"(?:\s(?:\d{2}|\d{4})\s+[A-Z][A-Za-z,&' -]*?)+$")
_SUBJECT_CODE = re.compile(r"(?<!\S)(\d{4}|\d{2})\s+[A-Z]")


_SPACED_DIGIT = re.compile(r"\s\d")  # every code tail has one; a ninth of titles do, and it is a quick scan


def _strip_subject_codes(title: str) -> str:
    if not title or not title[-1].isalpha() or not _SPACED_DIGIT.search(title):
        return title
    tail = _SUBJECT_CODE_TAIL.search(title)
    if tail is None or tail.start() < 20:
        return title
    codes = _SUBJECT_CODE.findall(tail.group(0))
    divisions = {code for code in codes if len(code) == 2}
    if len(codes) >= 2 and any(len(code) == 4 and code[:2] in divisions for code in codes):
        return title[: tail.start()]
    return title


_BRACKETED = re.compile(r"\[([^\[\]]{20,})\]")


def title_variants(title: str) -> tuple[str, ...]:
    """The halves of a title that carries a bracketed translation: "Titre [Title]" -> ("Title", "Titre").

    One database keeps the original-language title, another only the English one in brackets.
    """
    match = _BRACKETED.search(title) if "[" in title else None
    if not match:
        return ()
    inside = match.group(1).strip(" .")
    outside = (title[: match.start()] + " " + title[match.end() :]).strip(" .")
    return tuple(part for part in (inside, outside) if part)


# Headings that name a kind of item rather than one article: "Editor's comments", "Erratum",
# "Abstracts of the 12th Annual Meeting", "Introduction to the minitrack on ...". Each journal or
# meeting prints one per issue, so only the full citation tells two of them apart.
_GENERIC_HEADING = re.compile(
    r"^(an? |the )?(editorial|editor s|editors|guest editor|from the|letter from|message from|note from|"
    r"notes? from|a word from|president s|chair s|erratum|errata|corrigend|correction|reply|response|"
    r"in reply|author s reply|authors reply|letters?|comments?|commentary|introduction|preface|foreword|"
    r"prologue|epilogue|book reviews?|in this issue|this issue|issue information|abstracts?|proceedings|"
    r"news|obituary|announcement|index|contents|front matter|back matter|cover|masthead|reviewers|"
    r"acknowledg|thanks|highlights|welcome|opening remarks|keynote|panel|poster|session)\b"
)
_GENERIC_WORDS_MAX = 3  # a heading plus a word or two ("Editorial notes", "Editor's comments")
_EVENT_BOOK = re.compile(
    r"^(abstracts?|proceedings|program(me)?|posters?|oral|late breaking|free communications?)\b.*"
    r"\b(congress|meeting|conference|symposium|sessions?|workshop|summit|convention|forum)\b"
)
_TRACK_INTRO = re.compile(
    r"^(an? )?(introduction|preface|foreword|editorial|guest editorial|editor s introduction)\b.{0,40}"
    r"\b(mini ?track|track|special (issue|section|theme)|symposium|focus issue|this issue|the issue)\b"
)
_FILLER = frozenset(("the", "of", "a", "an", "to", "and", "on", "s", "in", "for", "from"))


def generic_title(folded: str) -> bool:
    """Whether a folded title names a kind of item ("editor s comments") rather than one article."""
    if not _GENERIC_HEADING.match(folded):
        return False
    words = [w for w in folded.split() if w not in _FILLER and not w.isdigit()]
    return (
        len(words) <= _GENERIC_WORDS_MAX
        or bool(_EVENT_BOOK.match(folded))
        or bool(_TRACK_INTRO.match(folded))
        or folded.startswith(("book review", "erratum", "errata", "corrigendum"))
    )


# Kinds of publication that share a title with the article they are about.
_MARKERS = (
    ("erratum", re.compile(
        r"\b(erratum|errata|corrigendum|corrigenda)\b|\bnotice of correction\b|"
        r"^\W*(author |publisher )?corrections?\s*(:|\.|$|to\b|notice\b)")),
    ("retraction notice", re.compile(
        r"^\W*(retraction|notice of retraction|withdrawal)\b|\bretraction (of|note|notice)\b")),
    ("reply", re.compile(
        r"^\W*(in )?(reply|replies)\b|^\W*authors?'?s?'? (reply|response)\b|\b(reply|replies) to\b|"
        r"^\W*response to (the |a |an )?(letter|comment|commentary|critique|correspondence|editorial|"
        r"dr|drs|mr|prof|professor|authors?)\b|\bauthors?'? (reply|response)\b|^\W*rebuttal\b|"
        r"[:.]\s*(the )?(authors?'? )?(reply|response|rebuttal)\s*$")),
    ("comment", re.compile(
        r"^\W*(re|comments?|commentary)\s*:|^\W*(comments?|commentary) (on|to|about|regarding)\b|"
        r"\[\s*comments?\s*\]|\bletter to the editor\b|^\W*letter\b|\bcomment on\b")),
    ("protocol", re.compile(r"\bprotocols?\b|\b(rationale and|study) design\b|\bdesign and rationale\b")),
    ("abstract", re.compile(r"\[\s*proceedings\s*\]|^\W*proceedings\s*:|\babstract (no|number)\b")),
)  # fmt: skip


NONE: frozenset[str] = frozenset()  # shared, because empty frozensets are not interned
# Every marker pattern needs one of these words; most titles have none, so most skip the regexes.
_MARKER_HINTS = (
    "errat", "corr", "retract", "withdraw", "repl", "respon", "rebut", "comment", "re:", "letter", "protocol",
    "design", "proceedings", "abstract",
)  # fmt: skip


def title_markers(title: str) -> frozenset[str]:
    """The kinds of notice a (cleaned) title announces: erratum, reply, comment, protocol, ..."""
    lower = title.lower()
    if not any(hint in lower for hint in _MARKER_HINTS):
        return NONE
    return frozenset(kind for kind, pattern in _MARKERS if pattern.search(lower)) or NONE


_NUMBER_WORDS = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                 "nine": "9", "ten": "10"}  # fmt: skip
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9",
          "x": "10"}  # fmt: skip
_SERIES_WORDS = frozenset({
    "part", "parts", "phase", "stage", "type", "class", "grade", "section", "chapter", "series", "study",
    "trial", "report",
})  # fmt: skip
_DIGITS = re.compile(r"\d+")
_NUMERALS = frozenset(_ROMAN) | frozenset(_NUMBER_WORDS)


def title_numbers(words: list[str]) -> str:
    """The digits a title carries, in order, roman numerals after "part"/"phase"/... included.

    Different numbers mean a different article of a series (part 1/2, phase II/III, 2015/2017
    update). Joining the digits keeps "Mecp2(1lox)" and "Mecp21lox" equal.
    """
    if "".join(words).isalpha() and _NUMERALS.isdisjoint(words):
        return ""  # no digits and no number words: most titles
    found: list[str] = []
    previous = ""
    for word in words:
        if word.isalpha():
            roman = _ROMAN.get(word)
            if roman and (len(word) > 1 and word not in ("vi", "x") or previous in _SERIES_WORDS):
                found.append(roman)
            elif word in _NUMBER_WORDS:  # "two models" in one database, "2 models" in another
                found.append(_NUMBER_WORDS[word])
        else:
            found.extend(digits.lstrip("0") or "0" for digits in _DIGITS.findall(word))
        previous = word
    return "".join(found)


_PART_LETTER = re.compile(r"\bpart ([a-z])\b")


def title_part_letter(folded: str) -> str:
    """The letter of a "Part A"/"Part B" series, else ""."""
    match = _PART_LETTER.search(folded) if "part " in folded else None
    return match.group(1) if match else ""


# --- identifiers -------------------------------------------------------------------------------

_DOI = re.compile(r"10\.\d{4,9}/[^\s;,\"'<>\]]+", re.IGNORECASE)
_DOI_TAIL = ".,;:)]}>'\""


def normalise_doi(value: str) -> str:
    """The bare lower-case DOI in a field ("https://doi.org/10.1/X.", "doi:10.1/x [doi]") or ""."""
    if not value:
        return ""
    if "%" in value:
        value = unquote(value)
    match = _DOI.search(value)
    return match.group(0).rstrip(_DOI_TAIL).lower() if match else ""


def normalise_pmid(value: str) -> str:
    """A PubMed id as bare digits without leading zeros, or "" when the value is not one."""
    digits = value.strip().lower().removeprefix("pmid").strip(" :")
    return digits.lstrip("0") if digits.isdigit() else ""


_NCT = re.compile(r"nct\s*-?\s*(\d{8})", re.IGNORECASE)


def normalise_registry_id(value: str) -> str:
    """ "NCT" plus eight digits, or the folded value for other registries."""
    match = _NCT.search(value)
    return "nct" + match.group(1) if match else fold(value).replace(" ", "")


# --- authors -----------------------------------------------------------------------------------

# "K.", "G.F.", "H.-T.", "Yu." (two-letter initials need their dot: "Li" and "De" are surnames).
_INITIALS = re.compile(r"^(?:-?(?:[A-Z]\.?|[A-Z][a-z]\.))+$")
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "da", "di", "le", "la", "du", "dos",
                        "das", "ter", "ten", "vander"})  # fmt: skip
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "2nd", "3rd"})


def surname(name: str) -> str:
    """The family name of one author as folded letters: "Van der Berg, J." -> "vanderberg".

    Accepts "Surname, Given", "Surname I.I.", "I. Surname" and "Given Surname"; only equality of
    the keys matters, so a misread name costs recall on that author, never a false match.
    """
    if "," in name:
        return letters(name.split(",", 1)[0])
    parts = [part for part in name.replace(".", ". ").split() if fold(part) not in _SUFFIXES]
    if len(parts) > 1 and _INITIALS.match(parts[-1]):
        while len(parts) > 1 and _INITIALS.match(parts[-1]):
            parts.pop()
    elif len(parts) > 1 and _INITIALS.match(parts[0]):
        while len(parts) > 1 and _INITIALS.match(parts[0]):
            parts.pop(0)
    else:
        parts = _family_of_given_first(parts)
    return letters(" ".join(parts))


def _family_of_given_first(parts: list[str]) -> list[str]:
    """["John", "van", "der", "Berg"] -> ["van", "der", "Berg"]; a single word is its own family name."""
    start = max(len(parts) - 1, 0)
    while start > 1 and parts[start - 1].lower() in _PARTICLES:
        start -= 1
    return parts[start:]


@lru_cache(maxsize=65536)
def surname_key(name: str) -> str:
    """A surname spelled the way every database can agree on (umlauts are written three ways)."""
    return surname_spelling(name)


def surname_spelling(name: str) -> str:
    """``surname_key`` without its cache."""
    key = surname(name)
    for digraph, letter in (("ue", "u"), ("oe", "o"), ("ae", "a")):
        key = key.replace(digraph, letter)
    return key


# --- journal, volume, pages --------------------------------------------------------------------

# Ovid/Embase put the whole citation in the journal field: "Foo.45 (8) ()(pp 1-2)", "Foo.Conference: ...".
_JOURNAL_TAIL = re.compile(r"\.\s*(conference|\d)|\(\s*pp\b", re.IGNORECASE)
_JOURNAL_STOP = frozenset({"the", "of", "and", "in", "for", "on", "und", "de", "la", "le", "et"})
_CONFERENCE = re.compile(
    r"conference|congress|meeting|symposium|abstracts?\b|proceedings|annual|workshop", re.I
)
_SUPPLEMENT = re.compile(r"suppl|meeting|abstract|pagings|congress|conference", re.I)
_PLAIN_ISSUE = re.compile(r"^\s*\d{1,4}\s*([-/]\s*\d{1,4})?\s*$")

CONFERENCE, REGULAR = "conference", "regular"


def journal_words(raw: str) -> tuple[str, ...]:
    """The journal title as folded words without stop words or a trailing citation."""
    tail = _JOURNAL_TAIL.search(raw)
    name = raw[: tail.start()] if tail else raw
    name = re.sub(r"\([^)]*\)", " ", name)  # "(Berl)", "(London, England : 1979)"
    return tuple(word for word in fold(name).split() if word not in _JOURNAL_STOP)


def is_supplement(volume: str, issue: str) -> bool:
    """Whether the volume or issue field names a supplement or meeting-abstract issue."""
    return bool(_SUPPLEMENT.search(volume) or _SUPPLEMENT.search(issue))


def is_conference_name(journal: str) -> bool:
    """Whether the journal field names a meeting ("Circulation. Conference: ...", "Proceedings of ...")."""
    return bool(_CONFERENCE.search(journal))


def is_regular_issue(issue: str) -> bool:
    """Whether the issue field is a plain issue number or range ("4", "3-4"), spreadsheet dates undone."""
    return bool(_PLAIN_ISSUE.match(demangle_pages(issue)))


def venue_kind(journal: str, volume: str, issue: str) -> str:
    """CONFERENCE for a meeting supplement, REGULAR for a plain journal issue, "" when unknown.

    Databases disagree on how they mark a meeting abstract (one says "Circulation. Conference: ...",
    another just "Circulation", issue "21 SUPPL. 1"), so only a clear regular issue against a clear
    supplement counts as a difference.
    """
    if is_conference_name(journal) or is_supplement(volume, issue):
        return CONFERENCE
    return REGULAR if is_regular_issue(issue) else ""


_CITED_VOLUME = re.compile(r"\.\s*(\d+)\s*\(([^)]*)\)")
_CITED_PAGES = re.compile(r"\(pp\s*([^)]+)\)")


def citation_in_journal(journal: str) -> tuple[str, str, str]:
    """(volume, issue, pages) that Ovid/Embase appended to the journal title, else ("", "", "")."""
    if "(" not in journal:
        return "", "", ""
    volume = _CITED_VOLUME.search(journal)
    pages = _CITED_PAGES.search(journal)
    return (
        volume.group(1).lstrip("0") if volume else "",
        first_number(volume.group(2)) if volume else "",
        pages.group(1).strip() if pages else "",
    )


_MONTHS = {"jan": "1", "feb": "2", "mar": "3", "apr": "4", "may": "5", "jun": "6", "jul": "7", "aug": "8",
           "sep": "9", "oct": "10", "nov": "11", "dec": "12"}  # fmt: skip
_FIRST_NUMBER = re.compile(r"\d+")
_PAGE_RANGE = re.compile(r"^\D{0,2}(\d+)\s*[-\u2010-\u2015\u2212]+\s*\D{0,2}(\d+)")


def first_number(value: str) -> str:
    """The first run of digits without leading zeros ("Suppl 1" -> "1", "014" -> "14"), else ""."""
    match = _FIRST_NUMBER.search(value)
    return (match.group(0).lstrip("0") or "0") if match else ""


def demangle_pages(value: str) -> str:
    """Undo spreadsheet dates in page and issue fields: "01-Oct" was "1-10"."""
    lower = value.strip().lower()
    if len(lower) in (5, 6) and lower[-3:] in _MONTHS and lower[-4] == "-":
        return lower[:-4] + "-" + _MONTHS[lower[-3:]]
    if len(lower) in (5, 6) and lower[:3] in _MONTHS and lower[3] == "-":
        return _MONTHS[lower[:3]] + "-" + lower[4:]
    return value


# "S4-76-S4-101": page 76 to 101 of supplement 4.
_SECTION_PAGES = re.compile(r"^\s*([A-Za-z]+\d+)-(\d+)\s*-\s*\1-(\d+)\s*$")
_ROMAN_PAGES = re.compile(r"^\s*([ivxlc]+)\s*(?:-\s*([ivxlc]+))?\s*$", re.IGNORECASE)


def page_range(value: str) -> tuple[str, str]:
    """(first page, last page) with "221-8" expanded to ("221", "228"); ("", "") when absent.

    Front matter keeps its roman numerals ("xiii-xv"); a single page gives (page, page).
    """
    value = _SECTION_PAGES.sub(r"\2-\3", demangle_pages(value))
    match = _PAGE_RANGE.match(value.strip())
    if not match:
        roman = _ROMAN_PAGES.match(value)
        if roman:
            return roman.group(1).lower(), (roman.group(2) or roman.group(1)).lower()
        first = first_number(value)
        return first, first
    start, end = match.group(1).lstrip("0") or "0", match.group(2).lstrip("0") or "0"
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return start, end
