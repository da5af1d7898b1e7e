"""Turning a pair's evidence into a decision: merge automatically, ask a human, or drop.

Merging two different studies silently deletes one from a review, so "auto" demands that nothing
contradicts the match and that several independent fields confirm it. A pair that looks like a
duplicate but trips a guard (an erratum, part 2, a conference abstract, another year) goes to the
pairs people decide instead. Three routes lead to "auto":

* identifier: the same DOI or PMID, with titles that agree and no sign the DOI was pasted onto a
  different item (other pages in another volume, years apart);
* title: a near-identical title confirmed by at least three other agreeing fields, or a close one
  (typos, dropped sub- and superscripts) at the same volume and page range;
* citation: for titles that identify nothing ("Editorial"), the same authors, year, journal,
  volume, issue and pages.

Two guards stand above every route (``_guard``): conflicting identifiers (another DOI, PMID or
trial registration, even where all else agrees: one database may carry the erratum's or the
reprint's DOI), and a generic title ("Editor's comments", "Erratum", "Introduction to the
minitrack ...") without journal, volume, issue and pages all agreeing. Such a pair goes to a
person with the guard as its stated reason (``Candidate.guard``), or is dropped when something else
contradicts it too.

A record with another title at the same citation (a translation, or a wrong title) is queued for
review, not merged: the labelled sets hold such pairs both ways. The numbers are in
``Thresholds``; ``benchmarks/dedup_bench.py`` chooses them by a leave-one-set-out grid search.
"""

from __future__ import annotations

from dataclasses import dataclass

from .compare import DIFFERENT, SAME, Evidence
from .model import AUTO, REVIEW
from .prepare import Prepared


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The tunable numbers of the rules. ``benchmarks/dedup_bench.py --loso`` chooses them by a grid
    search on labelled sets and scores the choice on a set it was not chosen on."""

    auto_title: float = 0.95  # title ratio above which the title alone nearly identifies the article
    close_title: float = 0.90  # typo-level differences: auto only at the same volume and pages
    review_title: float = 0.75  # a human looks at less similar titles only when the citation agrees
    review_score: float = 0.75  # below this a pair is not worth a human's time
    min_support: int = 3  # agreeing fields besides the title that a title match needs


DEFAULT = Thresholds()
# Fixed reference points of the rules (not tuned): "near-identical" and "typo-level" titles.
AUTO_TITLE, CLOSE_TITLE = 0.95, 0.85

# Guards: an automatic merge is never allowed past these; the pair goes to a person (or is dropped).
IDENTIFIER_CONFLICTS = ("different DOI", "different PMID", "different trial registration")
GENERIC_GUARD = "generic title: journal, volume, issue and pages must all agree"


def _same_venue(ev: Evidence) -> bool:
    """The journal agrees, or with no journal to compare the volume or pages do; two different
    journal names need the volume and the pages or issue to agree (the same abstract presented at
    two meetings is two records, and a supplement's volume "1" is shared by many)."""
    if (ev.journal or 0) >= 0.85:
        return True
    if ev.journal is None:
        return ev.volume == SAME or ev.pages == SAME
    # A translated or abbreviated name ("Sichuan Da Xue Xue Bao" / "Journal of Sichuan University").
    return ev.volume == SAME and (ev.pages == SAME or ev.issue == SAME)


def decide(
    a: Prepared, b: Prepared, ev: Evidence, t: Thresholds = DEFAULT
) -> tuple[str | None, float, tuple[str, ...], str]:
    """(AUTO / REVIEW / None, score, reasons, guard) for one compared pair.

    ``guard`` says why the pair is not merged automatically: the guard that stopped an
    automatic merge, or the main doubt about a pair sent to a person.
    """
    conflicts = _conflicts(ev)
    support = _support(ev)
    score = _score(ev, conflicts, t)
    generic = a.generic or b.generic
    decision = _route(ev, conflicts, support, generic, t)
    guard = ""
    if decision == AUTO:
        guard = _guard(ev, conflicts, generic and ev.title is not None)
        if guard:
            # Identifiers that conflict, or an item that every issue prints: a person decides
            # if nothing else contradicts the match, otherwise they are kept apart.
            blocked = [c for c in conflicts if c not in IDENTIFIER_CONFLICTS]
            decision = REVIEW if not blocked and _plausible(ev, support, t) else None
    elif decision == REVIEW:
        guard = _doubt(ev, conflicts, support, generic)
    # A weak pair is not worth a human's time, but one identifier and title with a contradiction
    # (an erratum that kept the article's DOI?) always is.
    shared_identity = ev.identifier_match and _effective_title(ev) >= CLOSE_TITLE
    if decision == REVIEW and score < t.review_score and not shared_identity:
        decision = None
    reasons = _title_reason(ev) + tuple(support + conflicts + ev.kind_traps + ev.wording_traps)
    return decision, score, reasons, guard if decision else ""


def _guard(ev: Evidence, conflicts: list[str], generic: bool) -> str:
    """The rule an automatic merge breaks, else "": conflicting identifiers, or a generic title
    without the full citation agreeing."""
    clash = [c for c in conflicts if c in IDENTIFIER_CONFLICTS]
    if clash:
        return "identifiers conflict: " + ", ".join(clash)
    if generic and not _full_citation(ev):
        return GENERIC_GUARD
    return ""


def _full_citation(ev: Evidence) -> bool:
    """Journal, volume, issue and pages all present on both sides and all the same."""
    return (
        (ev.journal or 0) >= 0.85
        and ev.volume == SAME
        and ev.issue == SAME
        and ev.pages == SAME
        and ev.last_page != DIFFERENT
        and not (ev.year_gap or 0)
        and not (ev.authors is not None and ev.authors < 0.34 and not ev.first_author)
    )


def _doubt(ev: Evidence, conflicts: list[str], support: list[str], generic: bool) -> str:
    """Why a pair sent to a person is uncertain, in the words the queue shows."""
    clash = [c for c in conflicts if c in IDENTIFIER_CONFLICTS]
    if clash:
        return "identifiers conflict: " + ", ".join(clash)
    if ev.kind_traps:
        return ev.kind_traps[0]
    if conflicts:
        return conflicts[0]
    if generic:
        return GENERIC_GUARD
    if ev.wording_traps:
        return ev.wording_traps[0]
    if ev.title is None:
        return "no title to compare"
    if not _same_venue(ev):
        return "journal, volume and pages unknown or not comparable"
    if ev.title < AUTO_TITLE and not ev.title_prefix:
        return "titles differ somewhat"
    return "too few agreeing fields"


def _route(
    ev: Evidence, conflicts: list[str], support: list[str], generic: bool, t: Thresholds
) -> str | None:
    if ev.kind_traps:  # an erratum, reply, protocol... is never the article itself
        return REVIEW if _plausible(ev, support, t) else None
    if generic and ev.title is not None:
        # A title that names nothing, like "Editorial": only the whole citation identifies it.
        if not conflicts and _full_citation(ev):
            return AUTO
        return REVIEW if len(support) > t.min_support and not conflicts else None
    if ev.identifier_match:
        return _by_identifier(ev, conflicts, t)
    if ev.title is not None:
        return _by_title(ev, conflicts, support, t)
    # No title: merges on an identifier only.
    return REVIEW if len(support) > t.min_support and not conflicts else None


def _conflicts(ev: Evidence) -> list[str]:
    conflicts = []
    if ev.doi == DIFFERENT:  # even where all else agrees: one of them may be the erratum or a reprint
        conflicts.append("different DOI")
    if ev.pmid == DIFFERENT:
        conflicts.append("different PMID")
    if ev.registry == DIFFERENT:
        conflicts.append("different trial registration")
    if ev.year_gap is not None and ev.year_gap > 1:
        conflicts.append(f"years {ev.year_gap} apart")
    if ev.volume == DIFFERENT and not _volume_typo(ev):
        conflicts.append("different volume")
    if ev.pages == DIFFERENT and not _pages_typo(ev):
        conflicts.append("different pages")
    if ev.kind_differs:
        conflicts.append("conference abstract vs article")
    if ev.authors is not None and ev.authors < 0.34 and not ev.first_author:
        conflicts.append("different authors")
    return conflicts


def _volume_typo(ev: Evidence) -> bool:
    """A wrong volume is a typing error when the page range, or the whole abstract, agrees.

    Only a real range counts: "CD001234" is the same "page" in every update of a Cochrane review.
    """
    if ev.page_span:
        return True
    return (
        (ev.abstract or 0) >= 0.95
        and (ev.title or 0) >= AUTO_TITLE
        and (ev.journal or 0) >= 0.85
        and ev.year_gap == 0
        and ev.pages != DIFFERENT
        and _authors_agree(ev)
    )


def _pages_typo(ev: Evidence) -> bool:
    """Wrong pages (an article number, "1", the year) when all else, abstract included, is identical."""
    return (
        ev.title == 1.0
        and (ev.abstract or 0) >= 0.95
        and ev.year_gap == 0
        and (ev.journal or 0) >= 0.85
        and (ev.volume == SAME or (ev.volume is None and ev.issue == SAME))
        and ev.issue != DIFFERENT
        and _authors_agree(ev)
        and not ev.wording_traps
    )


def _authors_agree(ev: Evidence) -> bool:
    return ev.authors is not None and ev.authors >= 0.5 and (bool(ev.first_author) or ev.authors >= 0.99)


def _same_place(ev: Evidence) -> bool:
    """Same first page in the same volume (or, with a volume missing, in the same issue and year)."""
    volume_ok = ev.volume == SAME or (ev.volume is None and ev.issue == SAME and ev.year_gap == 0)
    return volume_ok and ev.pages == SAME and ev.last_page != DIFFERENT


def _same_citation(ev: Evidence, single_page: bool = False) -> bool:
    """Same authors, year, journal, volume and page range: the same article under another title.

    A single page is enough only for an "Editorial"-like item in the same regular issue; a
    meeting supplement prints many abstracts on one page.
    """
    one_page_item = single_page and ev.issue == SAME and not ev.conference
    return (
        (ev.page_span or one_page_item)
        and _same_place(ev)
        and ev.issue != DIFFERENT
        and ev.year_gap == 0
        and (ev.journal or 0) >= 0.85
        and _authors_agree(ev)
    )


def _support(ev: Evidence) -> list[str]:
    support = []
    if ev.doi == SAME:
        support.append("same DOI")
    if ev.pmid == SAME:
        support.append("same PMID")
    if ev.registry == SAME and ev.registrations:
        support.append("same trial registration")
    if _authors_agree(ev):
        # One name on a list ("Smith J, et al") or only the first matching is not "the same authors".
        whole = (ev.authors or 0) >= 0.99 and ev.author_count > 1
        support.append(
            "same authors" if whole else "same first author" if ev.first_author else "authors overlap"
        )
    if ev.year_gap == 0:
        support.append("same year")
    if ev.journal is not None and ev.journal >= 0.85:
        support.append("same journal")
    if ev.volume == SAME:
        support.append("same volume")
    if ev.pages == SAME:
        support.append("same pages")
    if ev.abstract is not None and ev.abstract >= 0.9:
        support.append("same abstract")
    return support


def _by_identifier(ev: Evidence, conflicts: list[str], t: Thresholds) -> str:
    """A shared DOI/PMID is the article's identity, unless the rest says it was pasted on.

    Meeting supplements and errata are the ways two different items end up with one
    identifier; their pages, years or titles differ, so those pairs go to a human.
    """
    moved = ev.pages == DIFFERENT and (
        ev.volume == DIFFERENT or (ev.journal is not None and ev.journal < 0.6)
    )
    if (ev.year_gap or 0) > 1 or moved:
        return REVIEW
    # A page range, not a single page: a meeting supplement's DOI can cover a page of abstracts.
    same_span = ev.page_span and _same_place(ev)
    wording_ok = not ev.wording_traps or same_span
    if ev.title is None:
        return REVIEW if conflicts else AUTO
    pasted = ev.kind_differs or ("different authors" in conflicts and not _same_place(ev))
    if wording_ok and (ev.title >= 0.9 or ev.title_prefix) and not pasted:
        return AUTO
    if same_span and _authors_agree(ev) and (ev.journal or 0) >= 0.85:
        return AUTO  # retitled or translated record of the same article
    return AUTO if wording_ok and ev.title >= 0.8 and not conflicts else REVIEW


def _by_title(ev: Evidence, conflicts: list[str], support: list[str], t: Thresholds) -> str | None:
    title = _effective_title(ev)
    wording_ok = not ev.wording_traps or (ev.page_span and _same_place(ev))
    if not conflicts and wording_ok:
        year_ok = ev.year_gap != 1 or ev.pages == SAME or ev.volume == SAME or _same_text(ev)
        # A group's abstracts in a journal's meeting supplements share titles and authors; the
        # presenting (first) author or the place in the supplement tells them apart.
        placed = ev.first_author or ev.volume == SAME or ev.pages == SAME
        venue = _same_venue(ev) and (not ev.supplement or placed)
        if title >= t.auto_title and _enough_support(ev, support, t) and venue and year_ok and _apart_ok(ev):
            return AUTO
        if title >= t.close_title and _authors_agree(ev) and _same_place(ev):
            return AUTO
    if not conflicts and _same_citation(ev):
        return REVIEW  # a translated or retitled record, or two items sharing pages: a human decides
    return REVIEW if _plausible(ev, support, t) else None


def _apart_ok(ev: Evidence) -> bool:
    """No sign of two neighbouring articles of one issue. Without the same first page, another
    issue of the volume, a swapped title word ("centrolateral" / "reticular nucleus"), or a title
    that only extends the other ("Presynaptic inhibition: protection from ..." / "Protection from
    ...") is how consecutive articles by one group look."""
    if ev.pages == SAME or ev.identifier_match:
        return True
    if ev.issue_clash and ev.volume == SAME:
        return False
    if ev.word_swap:
        return False
    return not (ev.title_prefix and (ev.title or 0) < AUTO_TITLE and (ev.abstract or 0) < 0.9)


def _same_text(ev: Evidence) -> bool:
    """Identical title and abstract in the same journal, not a meeting abstract: the same article
    even when its online and print years differ."""
    return ev.title == 1.0 and (ev.abstract or 0) >= 0.95 and (ev.journal or 0) >= 0.85 and not ev.conference


def _enough_support(ev: Evidence, support: list[str], t: Thresholds) -> bool:
    """Three agreeing fields; a short title ("Depression in primary care") also needs the authors."""
    if ev.short_title and not _authors_agree(ev):
        return len(support) >= t.min_support + 1
    return len(support) >= t.min_support


def _plausible(ev: Evidence, support: list[str], t: Thresholds) -> bool:
    """Worth a human's look: a close title, or a weaker one at the same place in the literature."""
    title = _effective_title(ev)
    return title >= t.close_title or (title >= t.review_title and len(support) >= t.min_support)


def _effective_title(ev: Evidence) -> float:
    return max(ev.title or 0.0, AUTO_TITLE if ev.title_prefix else 0.0)


_WEIGHTS = {"title": 0.45, "authors": 0.15, "year": 0.1, "journal": 0.1, "place": 0.1, "abstract": 0.1}
_TITLE_WEIGHT, _AUTHORS_WEIGHT, _YEAR_WEIGHT, _JOURNAL_WEIGHT, _PLACE_WEIGHT, _ABSTRACT_WEIGHT = (
    _WEIGHTS.values()
)


def _score(ev: Evidence, conflicts: list[str], t: Thresholds) -> float:
    """Weighted agreement over the fields both records have, less a penalty per contradiction."""
    # The fields in the order of _WEIGHTS, each weight beside its weighted value (sums in that order).
    weights: list[float] = []
    weighted: list[float] = []
    if ev.title is not None:
        weights.append(_TITLE_WEIGHT)
        weighted.append(_TITLE_WEIGHT * _effective_title(ev))
    if ev.authors is not None:
        weights.append(_AUTHORS_WEIGHT)
        weighted.append(_AUTHORS_WEIGHT * ((ev.authors + (1.0 if ev.first_author else 0.0)) / 2))
    if ev.year_gap is not None:
        weights.append(_YEAR_WEIGHT)
        weighted.append(_YEAR_WEIGHT * (1.0 if ev.year_gap == 0 else 0.7 if ev.year_gap == 1 else 0.0))
    if ev.journal is not None:
        weights.append(_JOURNAL_WEIGHT)
        weighted.append(_JOURNAL_WEIGHT * ev.journal)
    places = [value == SAME for value in (ev.volume, ev.pages) if value is not None]
    if places:
        weights.append(_PLACE_WEIGHT)
        weighted.append(_PLACE_WEIGHT * (sum(places) / len(places)))
    if ev.abstract is not None:
        weights.append(_ABSTRACT_WEIGHT)
        weighted.append(_ABSTRACT_WEIGHT * ev.abstract)
    weight = sum(weights)
    score = sum(weighted) / weight if weight else 0.0
    if ev.identifier_match:
        score = max(score, 0.9)
    traps = len(ev.kind_traps) + len(ev.wording_traps)
    score -= 0.1 * (len(conflicts) + traps)
    return round(min(max(score, 0.0), 1.0), 3)


def _title_reason(ev: Evidence) -> tuple[str, ...]:
    if ev.title is None:
        return ("no title to compare",)
    if ev.title == 1.0:
        return ("same title",)
    return (f"title {ev.title:.2f}" + (" (one extends the other)" if ev.title_prefix else ""),)
