"""Field-by-field evidence for one pair of prepared records."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from .prepare import Prepared
from .text import CONFERENCE

SAME, DIFFERENT = "same", "different"  # for exact-valued fields; None means one side is missing

# Words whose presence in only one of two near-identical titles makes them different studies.
SENSITIVE_WORDS = frozenset({
    "men", "women", "male", "males", "female", "females", "boys", "girls", "man", "woman", "adult",
    "adults", "child", "children", "childhood", "pediatric", "paediatric", "adolescent", "adolescents",
    "adolescence", "elderly", "older", "aged", "infant", "infants", "neonatal", "neonates", "newborn",
    "preterm", "young", "juvenile", "vivo", "vitro", "rat", "rats", "mouse", "mice", "murine", "dog",
    "dogs", "canine", "cat", "cats", "feline", "rabbit", "rabbits", "pig", "pigs", "porcine", "swine",
    "sheep", "ovine", "monkey", "monkeys", "primate", "primates", "bovine", "human", "humans", "patients",
    "volunteers", "acute", "chronic", "subacute", "pre", "post", "before", "after", "early", "late", "with",
    "without", "not", "no", "non", "versus", "increase", "increases", "increased", "decrease", "decreases",
    "decreased", "reduce", "reduces", "reduced", "enhance", "enhances", "enhanced", "impair", "impairs",
    "impaired", "improve", "improves", "improved", "inhibit", "inhibits", "activate", "activates",
    "positive", "negative", "high", "low", "higher", "lower", "agonist", "antagonist", "agonists",
    "antagonists", "left", "right", "systolic", "diastolic", "type", "phase", "update", "updated",
    "protocol", "abstract", "interim", "final", "preliminary", "baseline", "followup", "follow", "long",
    "short", "term", "outcome", "outcomes", "results", "design", "rationale", "part", "parts", "series",
})  # fmt: skip


@dataclass(slots=True)
class Evidence:
    """What two records agree and disagree on; ``None`` means the field is missing on a side."""

    title: float | None = None
    title_prefix: bool = False  # one title is the other plus a subtitle or translation
    word_swap: bool = False  # a word of one title replaced by an unrelated word in the other
    issue_clash: bool = False  # two plain issue numbers ("4" / "1"), not an article number in the field
    short_title: bool = False  # a few words that other articles may share
    kind_traps: list[str] = field(default_factory=list)
    wording_traps: list[str] = field(default_factory=list)
    authors: float | None = None
    first_author: bool | None = None
    author_count: int = 0  # names on the shorter list: "same authors" needs more than one
    year_gap: int | None = None
    journal: float | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    last_page: str | None = None
    page_span: bool = False  # the shared pages are a range, not a single abstract-book page
    doi: str | None = None
    pmid: str | None = None
    registry: str | None = None
    abstract: float | None = None
    conference: bool = False  # either record is a meeting abstract
    supplement: bool = False  # either record is in a journal's supplement (meeting abstracts)
    kind_differs: bool = False  # conference abstract against full article
    doi_versions: bool = False  # DOIs of two versions of one work (Cochrane ".pub2" updates)
    registrations: bool = False  # both records are trial registrations, not articles

    @property
    def identifier_match(self) -> bool:
        # A trial's NCT number names the study, shared by all its articles; it identifies a record
        # only between two registry entries.
        return self.doi == SAME or self.pmid == SAME or (self.registry == SAME and self.registrations)


def gather(a: Prepared, b: Prepared) -> Evidence:
    """Compare every field of two records."""
    ev = Evidence()
    _compare_titles(ev, a, b)
    _compare_sources(ev, a, b)
    _compare_identifiers(ev, a, b)
    return ev


def _compare_titles(ev: Evidence, a: Prepared, b: Prepared) -> None:
    if a.title_key and b.title_key:
        ev.title, ev.title_prefix = title_similarity(a, b)
        ev.short_title = min(len(a.title_key), len(b.title_key)) < _SHORT_TITLE
        if a.title_key == b.title_key:
            ev.kind_traps, ev.wording_traps = title_traps(a, b)
        else:  # the words of both titles are split once for the traps and the swap check
            words_a, words_b = a.title.split(), b.title.split()
            set_a, set_b = set(words_a), set(words_b)
            ev.kind_traps, ev.wording_traps = title_traps(a, b, (words_a, words_b, set_a, set_b))
            if ev.title < 1.0 and ev.title >= _SWAP_CHECK:
                ev.word_swap = _word_swap(set_a, set_b, b.title_key)
    if a.abstract and b.abstract:
        ev.abstract = fuzz.ratio(a.abstract, b.abstract) / 100
    if a.surnames and b.surnames:
        ev.authors, ev.first_author = author_agreement(a.surnames, b.surnames)
        ev.author_count = min(len(a.surnames), len(b.surnames))


def _compare_sources(ev: Evidence, a: Prepared, b: Prepared) -> None:
    if a.year and b.year:
        ev.year_gap = abs(a.year - b.year)
    if a.journal and b.journal:  # records of one journal share its words (prepare.journal_facts)
        ev.journal = 1.0 if a.journal == b.journal else journal_similarity(a.journal, b.journal)
    ev.volume = _exact(a.volume, b.volume)
    ev.issue = _exact(a.issue, b.issue)
    ev.issue_clash = ev.issue == DIFFERENT and a.plain_issue and b.plain_issue
    ev.pages = _exact(a.page_first, b.page_first)
    ev.last_page = _exact(a.page_last, b.page_last)
    ev.page_span = a.page_first != a.page_last and ev.last_page == SAME
    ev.conference = CONFERENCE in (a.conference, b.conference)
    ev.supplement = a.supplement or b.supplement
    # One database labels the meeting supplement, the other does not: the same issue or page settles it.
    known_and_different = bool(a.conference and b.conference) and a.conference != b.conference
    ev.kind_differs = known_and_different and ev.issue != SAME and ev.pages != SAME


def _compare_identifiers(ev: Evidence, a: Prepared, b: Prepared) -> None:
    ev.doi = _exact(a.doi, b.doi)
    ev.doi_versions = ev.doi == DIFFERENT and _doi_stem(a.doi) == _doi_stem(b.doi)
    ev.pmid = _exact(a.pmid, b.pmid)
    if a.registry_ids and b.registry_ids:
        ev.registry = SAME if a.registry_ids & b.registry_ids else DIFFERENT
        ev.registrations = not (a.journal or b.journal or a.doi or b.doi)


def _exact(x: str, y: str) -> str | None:
    if not x or not y:
        return None
    return SAME if x == y else DIFFERENT


_DOI_VERSION = re.compile(r"\.(pub|v)\d+$")


def _doi_stem(doi: str) -> str:
    return _DOI_VERSION.sub("", doi)


_PREFIX_MIN = 40  # characters a truncated title must keep to still identify the article
_SHORT_TITLE = 30


def title_similarity(a: Prepared, b: Prepared) -> tuple[float, bool]:
    """(ratio of the space-free titles, whether one title starts with the whole other one)."""
    if a.title_key == b.title_key:
        return 1.0, False
    best = _title_pair(a.title_key, b.title_key)
    if a.title_alts or b.title_alts:  # "Titre [Title]" against "Title"
        for x in (a.title_key, *a.title_alts):
            for y in (b.title_key, *b.title_alts):
                if x == y:
                    return 1.0, False
                best = max(best, _title_pair(x, y))
    return best


def _title_pair(x: str, y: str) -> tuple[float, bool]:
    short, long = sorted((x, y), key=len)
    # A dropped subtitle, an appended translation, or a section heading before the title.
    prefix = len(short) >= _PREFIX_MIN and (long.startswith(short) or long.endswith(short))
    return fuzz.ratio(x, y) / 100, prefix


_SWAP_CHECK = 0.8  # below this the titles are not near enough for a swapped word to matter
_SWAP_WORD = 5  # letters a word needs to count ("of", "the", "in" come and go)
_SWAP_PARTNER = 75  # a word this close to one in the other title is a spelling variant, not a swap


def word_swap(x: str, y: str) -> bool:
    """Whether a word of one (folded) title stands where the other has an unrelated word:
    "thalamic *centrolateral* nucleus" / "thalamic *reticular* nucleus" are two articles of a series,
    "randomised" / "randomized" or a dropped subtitle are not."""
    return _word_swap(set(x.split()), set(y.split()), y.replace(" ", ""))


def _word_swap(words_x: set[str], words_y: set[str], y_key: str) -> bool:
    """``word_swap`` on the word sets of two titles and the second title without its spaces."""
    only_x = words_x - words_y
    if not only_x:
        return False
    only_y = words_y - words_x
    if not only_y:
        return False
    joined_y = "".join(sorted(only_y))
    for word in only_x:
        if len(word) < _SWAP_WORD or not word.isalpha():
            continue
        if word in y_key or word in joined_y:
            continue  # split or joined differently: "follow up" / "followup"
        if not any(fuzz.ratio(word, other) >= _SWAP_PARTNER for other in only_y):
            return True
    return False


Words = tuple[list[str], list[str], set[str], set[str]]  # two titles' words, and as sets


def title_traps(a: Prepared, b: Prepared, words: Words | None = None) -> tuple[list[str], list[str]]:
    """Why two similar titles may still be different items: (kind traps, wording traps).

    Kind traps (erratum, reply, protocol, ...) always stand. Wording traps (numbers, "in women")
    can be typing noise ("Ca2+" / "Ca"), so an identical page range may overrule them.
    ``words`` are the titles' words when the caller has split them already.
    """
    kinds = []
    if a.markers != b.markers:
        kinds.append("title kind differs: " + "/".join(sorted(a.markers ^ b.markers)))
    wording = []
    if a.numbers != b.numbers:
        wording.append("title numbers differ")
    if a.part_letter != b.part_letter:
        wording.append("title part differs")
    if a.title_key != b.title_key:
        if words is None:
            x, y = a.title.split(), b.title.split()
            words = x, y, set(x), set(y)
        sensitive = _sensitive_difference(*words)
        if sensitive:
            wording.append("title words differ: " + "/".join(sensitive[:4]))
    return kinds, wording


def _sensitive_difference(x: list[str], y: list[str], set_x: set[str], set_y: set[str]) -> list[str]:
    """Sensitive words only one title has, except a prefix written apart in one database and joined in
    the other ("non immune" / "nonimmune", "post operative" / "postoperative")."""
    only = (set_x ^ set_y) & SENSITIVE_WORDS
    if not only:
        return []
    # A word only one title has can be joined to its next word only in that title.
    return sorted(w for w in only if not (_joined_in(w, x, set_y) if w in set_x else _joined_in(w, y, set_x)))


def _joined_in(word: str, words: list[str], other: set[str]) -> bool:
    """Some occurrence of ``word`` before the last position, glued to the word after it, is in ``other``."""
    last = len(words) - 1
    position = 0
    while True:
        try:
            position = words.index(word, position, last) + 1
        except ValueError:
            return False
        if word + words[position] in other:
            return True


def author_agreement(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[float, bool]:
    """(share of the shorter author list found in the other, whether the first authors agree)."""
    if x == y:
        return 1.0, True
    set_x, set_y = set(x), set(y)
    shorter, longer = (set_x, set_y) if len(set_x) <= len(set_y) else (set_y, set_x)
    # An equal name is found without a comparison; only the rest are matched the slow way.
    found = sum(1 for name in shorter if name in longer or _similar_to_any(name, longer))
    return found / len(shorter), same_surname(x[0], y[0])


def _similar_to_any(name: str, others: set[str]) -> bool:
    """``same_surname(name, other)`` for some other name, none of which equals ``name``."""
    size = len(name)
    if size < _MIN_FUZZY_NAME:
        return False
    for other in others:
        other_size = len(other)
        if other_size < _MIN_FUZZY_NAME:
            continue
        # Only the longer of two different names can start or end with the other.
        if other_size > size:
            if other.startswith(name) or other.endswith(name):
                return True
        elif name.startswith(other) or name.endswith(other):
            return True
        if fuzz.ratio(name, other) >= _SAME_NAME_RATIO:
            return True
    return False


_MIN_FUZZY_NAME = 4  # letters a surname needs before a typo or a compound part can match it
_SAME_NAME_RATIO = 85


def same_surname(x: str, y: str) -> bool:
    """Equal, a typo apart, or one part of a compound name ("gonzalez" / "sanchezdelriogonzalez")."""
    if x == y:
        return True
    if min(len(x), len(y)) < _MIN_FUZZY_NAME:
        return False
    return (
        x.endswith(y)
        or y.endswith(x)
        or x.startswith(y)
        or y.startswith(x)
        or fuzz.ratio(x, y) >= _SAME_NAME_RATIO
    )


@lru_cache(maxsize=100_000)
def journal_similarity(x: tuple[str, ...], y: tuple[str, ...]) -> float:
    """1.0 when one journal title abbreviates the other ("J Physiol" / "Journal of Physiology")."""
    if x == y or _abbreviates(x, y) or _abbreviates(y, x):
        return 1.0
    similarity = fuzz.ratio(" ".join(x), " ".join(y)) / 100
    hx, hy = _journal_head(x), _journal_head(y)
    if (hx != x or hy != y) and hx and hy:  # "Circ Conf Am Heart Assoc" / "Circulation. Conference: ..."
        return max(similarity, journal_similarity(hx, hy))
    return similarity


# Where a journal's name ends and its meeting supplement's begins, in abbreviated form too.
_MEETING_WORDS = frozenset(("conf", "conference", "congress", "meeting", "symposium", "abstracts", "suppl"))


def _journal_head(words: tuple[str, ...]) -> tuple[str, ...]:
    for position, word in enumerate(words):
        if position and word in _MEETING_WORDS:
            return words[:position]
    return words


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    if _acronym_of(short, long):  # "AMCIS 2017 Proceedings" / "Americas Conference on Information Systems"
        return True
    if len(short) == len(long):
        return all(_abbreviates_word(s, w) for s, w in zip(short, long))
    if len(short) == 1 and len(long) > 2:  # "BMJ" / "British Medical Journal"
        return short[0] == "".join(word[0] for word in long)
    joined = "".join(short)
    return len(short) > 1 and len(joined) >= 8 and _abbreviates_word(joined, "".join(long))


# Words a meeting's name carries around its acronym: "Proceedings of the 12th Annual ...".
_VENUE_FILLER = frozenset(("proceedings", "proc", "annual", "th", "st", "nd", "rd"))
_MIN_ACRONYM_WORDS = 3


def _acronym_of(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """One word of ``short`` is the acronym of a run of at least three words of ``long``.

    Each word of the run gives the acronym its first letter or first few: "amcis" is AMericas
    Conference on Information Systems, "hicss" Hawaii International Conference on System Sciences.
    """
    words = [w for w in long if w not in _VENUE_FILLER and not w.isdigit()]
    if len(words) < _MIN_ACRONYM_WORDS:
        return False
    for token in short:
        if 3 <= len(token) <= 8 and token.isalpha() and token not in long:
            for start in range(len(words) - _MIN_ACRONYM_WORDS + 1):
                if words[start][0] == token[0] and _spells(token, words[start:]):
                    return True
    return False


def _spells(token: str, words: list[str], used: int = 0) -> bool:
    """``token`` is the leading letters of consecutive words (at least three), each giving one or more."""
    if not token:
        return used >= _MIN_ACRONYM_WORDS
    if not words:
        return False
    word = words[0]
    return any(
        token[:size] == word[:size] and _spells(token[size:], words[1:], used + 1)
        for size in range(min(len(word), len(token)), 0, -1)
    )


def _abbreviates_word(short: str, word: str) -> bool:
    """ "natl" abbreviates "national": same first letter, the rest in order."""
    if short == word:
        return True
    if not short or not word or short[0] != word[0] or len(short) > len(word):
        return False
    letters = iter(word)
    return all(ch in letters for ch in short)
