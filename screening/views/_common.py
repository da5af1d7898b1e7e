"""Helpers the screening pages share: the page context, the exclusion reasons a form offers, a posted id."""

from __future__ import annotations

from .. import selectors
from ..models import ReasonMode, Stage
from ..offers import settings_of


def _context(review, member, nav: str, **extra) -> dict:
    return {"review": review, "member": member, "nav": nav, **extra}


def _reasons(review, stage: str) -> tuple[list, bool]:
    """The exclusion reasons the vote form offers at `stage`, and whether an exclusion needs one."""
    if stage == Stage.FULL_TEXT:
        return list(selectors.exclusion_reasons_of(review)), True
    mode = settings_of(review).title_abstract_reasons
    if mode == ReasonMode.OFF:
        return [], False
    return list(selectors.exclusion_reasons_of(review, Stage.TITLE_ABSTRACT)), mode == ReasonMode.REQUIRED


def _posted_id(request, name: str) -> int:
    """A posted id; anything but digits is 0 (no such object: the service says so), never a 500."""
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else 0
