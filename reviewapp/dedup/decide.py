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

A record with another title at the same citation (a translation, or a wrong title) is queued for
review, not merged: the labelled sets hold such pairs both ways.
"""

from __future__ import annotations

from .compare import DIFFERENT, SAME, Evidence
from .model import AUTO, REVIEW
from .prepare import Prepared

AUTO_TITLE = 0.95  # title ratio above which the title alone nearly identifies the article
CLOSE_TITLE = 0.85  # typo-level differences: auto only at the same volume and pages
REVIEW_TITLE = 0.75  # a human looks at less similar titles only when the citation agrees
REVIEW_SCORE = 0.75  # below this a pair is not worth a human's time
_MIN_SUPPORT = 3  # agreeing fields besides the title that a title match needs
# One of these must agree: the same abstract presented at two meetings is two records.
_VENUE = ("same journal", "same volume", "same pages")


def decide(a: Prepared, b: Prepared, ev: Evidence) -> tuple[str | None, float, tuple[str, ...]]:
    """(AUTO / REVIEW / None, score, reasons) for one compared pair."""
    conflicts = _conflicts(ev)
    support = _support(ev)
    score = _score(ev, conflicts)
    decision = _route(ev, conflicts, support, generic=a.generic or b.generic)
    # A weak pair is not worth a human's time, but one identifier and title with a contradiction
    # (an erratum that kept the article's DOI?) always is.
    shared_identity = ev.identifier_match and _effective_title(ev) >= CLOSE_TITLE
    if decision == REVIEW and score < REVIEW_SCORE and not shared_identity:
        decision = None
    reasons = _title_reason(ev) + tuple(support + conflicts + ev.kind_traps + ev.wording_traps)
    return decision, score, reasons


def _route(ev: Evidence, conflicts: list[str], support: list[str], *, generic: bool) -> str | None:
    if ev.kind_traps:  # an erratum, reply, protocol... is never the article itself
        return REVIEW if _plausible(ev, support) else None
    if ev.identifier_match:
        return _by_identifier(ev, conflicts)
    if ev.title is not None and not generic:
        return _by_title(ev, conflicts, support)
    # No title (merges on an identifier only) or one that names nothing, like "Editorial".
    if ev.title is not None and not conflicts and _same_citation(ev, single_page=True):
        return AUTO
    return REVIEW if len(support) > _MIN_SUPPORT and not conflicts else None


def _conflicts(ev: Evidence) -> list[str]:
    conflicts = []
    if ev.doi == DIFFERENT and (ev.doi_versions or not _wrong_doi(ev)):
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


def _wrong_doi(ev: Evidence) -> bool:
    """Identical title, authors, year, journal and pages: one database carries a wrong DOI."""
    return (
        ev.title == 1.0
        and _authors_agree(ev)
        and ev.year_gap == 0
        and (ev.journal or 0) >= 0.85
        and ev.pages == SAME
        and ev.last_page != DIFFERENT
        and ev.volume != DIFFERENT
        and not ev.wording_traps
    )


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
        support.append("same authors")
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


def _by_identifier(ev: Evidence, conflicts: list[str]) -> str:
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


def _by_title(ev: Evidence, conflicts: list[str], support: list[str]) -> str | None:
    title = _effective_title(ev)
    wording_ok = not ev.wording_traps or (ev.page_span and _same_place(ev))
    if not conflicts and wording_ok:
        year_ok = ev.year_gap != 1 or ev.pages == SAME or ev.volume == SAME or _same_text(ev)
        venue = any(field in support for field in _VENUE)
        if title >= AUTO_TITLE and _enough_support(ev, support) and venue and year_ok:
            return AUTO
        if title >= CLOSE_TITLE and _authors_agree(ev) and _same_place(ev):
            return AUTO
    if not conflicts and _same_citation(ev):
        return REVIEW  # a translated or retitled record, or two items sharing pages: a human decides
    return REVIEW if _plausible(ev, support) else None


def _same_text(ev: Evidence) -> bool:
    """Identical title and abstract in the same journal, not a meeting abstract: the same article
    even when its online and print years differ."""
    return ev.title == 1.0 and (ev.abstract or 0) >= 0.95 and (ev.journal or 0) >= 0.85 and not ev.conference


def _enough_support(ev: Evidence, support: list[str]) -> bool:
    """Three agreeing fields; a short title ("Depression in primary care") also needs the authors."""
    if ev.short_title and "same authors" not in support:
        return len(support) >= _MIN_SUPPORT + 1
    return len(support) >= _MIN_SUPPORT


def _plausible(ev: Evidence, support: list[str]) -> bool:
    """Worth a human's look: a close title, or a weaker one at the same place in the literature."""
    title = _effective_title(ev)
    return title >= CLOSE_TITLE or (title >= REVIEW_TITLE and len(support) >= _MIN_SUPPORT)


def _effective_title(ev: Evidence) -> float:
    return max(ev.title or 0.0, AUTO_TITLE if ev.title_prefix else 0.0)


_WEIGHTS = {"title": 0.45, "authors": 0.15, "year": 0.1, "journal": 0.1, "place": 0.1, "abstract": 0.1}


def _score(ev: Evidence, conflicts: list[str]) -> float:
    """Weighted agreement over the fields both records have, less a penalty per contradiction."""
    parts: dict[str, float] = {}
    if ev.title is not None:
        parts["title"] = _effective_title(ev)
    if ev.authors is not None:
        parts["authors"] = (ev.authors + (1.0 if ev.first_author else 0.0)) / 2
    if ev.year_gap is not None:
        parts["year"] = {0: 1.0, 1: 0.7}.get(ev.year_gap, 0.0)
    if ev.journal is not None:
        parts["journal"] = ev.journal
    places = [value == SAME for value in (ev.volume, ev.pages) if value is not None]
    if places:
        parts["place"] = sum(places) / len(places)
    if ev.abstract is not None:
        parts["abstract"] = ev.abstract
    weight = sum(_WEIGHTS[name] for name in parts)
    score = sum(_WEIGHTS[name] * value for name, value in parts.items()) / weight if weight else 0.0
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
