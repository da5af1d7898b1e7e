"""What apps add to the core, registered from each app's AppConfig.ready(), so the core imports no app.

- settings_changed   review settings changed (e.g. N lowered: screening settles records that now have enough
                     votes; extraction/RoB will do the same for theirs)
- blinded_events     "stage complete" for blinding: events whose verb starts with a prefix are hidden from
                     other members until the item is complete (see dualwork.blinding)
- event_texts        readable timeline texts per audit verb
- demo_steps         steps load_demo runs after the core's (exclusion reasons, a batch of votes, ...)
- demo_review        builders of further demo reviews (synthesis: the seed review), idempotent
- demo_review_step   steps on one of those by slug (extraction data, RoB judgements, analyses), idempotent
- dashboard_panel    panels on the review overview (reviewapp.views.common keeps the list)
- included_reports   which records count as included reports (Study writes in the core ask screening)
- backup_models      the models a review backup holds (reviewapp/backup walks them); backup_skip names the
                     derived ones it leaves out on purpose, so a new model is never forgotten silently
- backup_event_ids   audit event data keys that hold row ids, remapped when a backup is restored
- backup_json_ids    the same for keys inside other JSON columns (an analysis run's input rows)
- review_restored    steps after a restore wrote every row (synthesis re-stamps up-to-date analysis runs)
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
BLINDED_EVENTS: list[BlindedEvents] = []
EVENT_TEXTS: dict[str, str] = {}
DEMO_STEPS: list[Callable[..., Any]] = []
DEMO_REVIEWS: list[Callable[[], Any]] = []
DEMO_REVIEW_STEPS: list[tuple[str, Callable[..., Any]]] = []
INCLUDED_REPORTS: list[Callable[..., Any]] = []  # (review) -> QuerySet[Record]


@dataclass(frozen=True)
class BackupModel:
    label: str  # "app_label.ModelName"
    ids: tuple[tuple[str, str], ...] = ()  # integer columns naming another row without a FK: (field, label)


BACKUP_MODELS: dict[str, BackupModel] = {}
BACKUP_SKIPPED: dict[str, str] = {}  # label -> why it is not in a backup (derived, rebuilt on demand)
# (verb prefix, {data key: (model label, template or "")}), e.g. ("vote.", {"vote": ("screening.Vote", "")})
# (the template names an id inside a text: "rob-{}")
BACKUP_EVENT_IDS: list[tuple[str, dict[str, tuple[str, str]]]] = []
BACKUP_JSON_IDS: dict[tuple[str, str], dict[str, str]] = {}  # (model label, JSON field) -> {key: label}
REVIEW_RESTORED: list[Callable[..., Any]] = []  # (*, review) -> None


def _add(registry: list, item) -> None:
    if item not in registry:
        registry.append(item)


def on_settings_changed(hook: SettingsHook) -> SettingsHook:
    _add(SETTINGS_CHANGED, hook)
    return hook


def settings_changed(*, review, actor, before: dict, after: dict) -> None:
    for hook in SETTINGS_CHANGED:
        hook(review=review, actor=actor, before=before, after=after)


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


def backup_models(*labels: str, ids: dict[str, dict[str, str]] | None = None) -> None:
    """Put models in review backups: `ids` = {label: {integer field: label of the row it names}} for ids
    kept without a foreign key (a revision's vote_id), so a restore renumbers them with their rows."""
    for label in labels:
        named = tuple(sorted((ids or {}).get(label, {}).items()))
        BACKUP_MODELS[label] = BackupModel(label, named)


def backup_skip(label: str, why: str) -> None:
    BACKUP_SKIPPED[label] = why


def backup_event_ids(verb_prefix: str, keys: dict[str, str | tuple[str, str]]) -> None:
    """Event data keys holding ids of rows in the backup, for events whose verb starts with the prefix:
    {key: label} (an int or a list of ints) or {key: (label, "rob-{}")} (the id inside a text)."""
    spec = {key: (value, "") if isinstance(value, str) else value for key, value in keys.items()}
    _add(BACKUP_EVENT_IDS, (verb_prefix, spec))


def backup_json_ids(label: str, field: str, keys: dict[str, str]) -> None:
    """Keys anywhere inside the JSON column `field` of `label` whose values are ids of rows of another
    model (or "user"), renumbered on restore: e.g. an analysis run's input rows {"study_id": ...}."""
    BACKUP_JSON_IDS[(label, field)] = dict(keys)


def review_restored(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Register `hook(*, review)`, run in the restore's transaction once every row is written."""
    _add(REVIEW_RESTORED, hook)
    return hook
