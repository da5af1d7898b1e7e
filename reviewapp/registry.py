"""What apps add to the core, registered from each app's AppConfig.ready(), so the core imports no app.

- settings_changed   review settings changed (e.g. N lowered: screening settles records that now have enough
                     votes; extraction/RoB will do the same for theirs)
- records_changed    the review's records changed as a set (an import, a merge or its undo, a removal or a
                     restore; Review.records_version was bumped): screening rebuilds its work lists
- members_changed    a member was added, changed roles or left: screening rebuilds that member's work lists
- blinded_events     "stage complete" for blinding: events whose verb starts with a prefix are hidden from
                     other members until the item is complete (see dualwork.blinding)
- event_texts        readable timeline texts per audit verb
- demo_steps         steps load_demo runs after the core's (exclusion reasons, a batch of votes, ...)
- demo_review        builders of further demo reviews (synthesis: the seed review), idempotent
- demo_review_step   steps on one of those by slug (extraction data, RoB judgements, analyses), idempotent
- dashboard_panel    panels on the review overview (reviewapp.views.common keeps the list)
- included_reports   which records count as included reports (Study writes in the core ask screening)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SettingsHook = Callable[..., Any]  # (*, review, actor, before: dict, after: dict) -> None
# (record_ref: str, stage_ref: str) -> a boolean expression (Q / Exists) over AuditEvent rows
CompleteExpression = Callable[[str, str], Any]


@dataclass(frozen=True)
class BlindedEvents:
    verb_prefix: str
    complete: CompleteExpression


SETTINGS_CHANGED: list[SettingsHook] = []
RECORDS_CHANGED: list[Callable[..., Any]] = []  # (*, review) -> None, called inside the writer's transaction
MEMBERS_CHANGED: list[Callable[..., Any]] = []  # (*, review, user) -> None, likewise
BLINDED_EVENTS: list[BlindedEvents] = []
EVENT_TEXTS: dict[str, str] = {}
DEMO_STEPS: list[Callable[..., Any]] = []
DEMO_REVIEWS: list[Callable[[], Any]] = []
DEMO_REVIEW_STEPS: list[tuple[str, Callable[..., Any]]] = []
INCLUDED_REPORTS: list[Callable[..., Any]] = []  # (review) -> QuerySet[Record]


def _add(registry: list, item) -> None:
    if item not in registry:
        registry.append(item)


def on_settings_changed(hook: SettingsHook) -> SettingsHook:
    _add(SETTINGS_CHANGED, hook)
    return hook


def settings_changed(*, review, actor, before: dict, after: dict) -> None:
    for hook in SETTINGS_CHANGED:
        hook(review=review, actor=actor, before=before, after=after)


def on_records_changed(hook: Callable[..., Any]) -> Callable[..., Any]:
    _add(RECORDS_CHANGED, hook)
    return hook


def records_changed(*, review) -> None:
    for hook in RECORDS_CHANGED:
        hook(review=review)


def on_members_changed(hook: Callable[..., Any]) -> Callable[..., Any]:
    _add(MEMBERS_CHANGED, hook)
    return hook


def members_changed(*, review, user) -> None:
    for hook in MEMBERS_CHANGED:
        hook(review=review, user=user)


def blinded_events(verb_prefix: str, complete: CompleteExpression) -> None:
    _add(BLINDED_EVENTS, BlindedEvents(verb_prefix, complete))


def event_texts(texts: dict[str, str]) -> None:
    EVENT_TEXTS.update(texts)


def demo_step(step: Callable[..., Any]) -> Callable[..., Any]:
    """Register `step(*, review, users)`; load_demo calls the steps in registration order."""
    _add(DEMO_STEPS, step)
    return step


def demo_review(build: Callable[[], Any]) -> Callable[[], Any]:
    """Register `build() -> Review`, which creates a further demo review or returns the existing one."""
    _add(DEMO_REVIEWS, build)
    return build


def demo_review_step(slug: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `step(*, review)` to run on the demo review `slug` once it exists; it must be idempotent
    (load_demo runs it on every call) and run in the order of registration (apps' order in INSTALLED_APPS)."""

    def register(step: Callable[..., Any]) -> Callable[..., Any]:
        _add(DEMO_REVIEW_STEPS, (slug, step))
        return step

    return register


def included_reports_provider(provider: Callable[..., Any]) -> Callable[..., Any]:
    """Register `provider(review) -> QuerySet[Record]` of the reports included in the review."""
    INCLUDED_REPORTS[:] = [provider]
    return provider


def included_reports(review):
    if not INCLUDED_REPORTS:
        from .models import Record

        return Record.objects.none()
    return INCLUDED_REPORTS[0](review)


def dashboard_panel(func: Callable) -> Callable:
    from .views.common import dashboard_panel as register

    return register(func)
