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
- records_with_work  which records already carry judgements (screening: votes), so that de-duplication
                     keeps them canonical and never merges two of them without a person
- record_columns     columns apps add to the records list (screening: status per stage, my votes), sortable
- next_tasks         "your next task" counts per member (screen N records, resolve N conflicts, ...)
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


@dataclass(frozen=True)
class RecordColumn:
    """A column of the records list. `annotate(records, review=, user=)` adds an annotation named `key` to
    the queryset (so the list sorts by it server-side, ?sort=key); `template` renders one cell with
    `value` (the annotation) and `record`."""

    key: str
    label: str
    annotate: Callable[..., Any]
    template: str


@dataclass(frozen=True)
class Task:
    """Work waiting for one member: "Screen 12 records at title/abstract" linking to where it is done."""

    kind: str  # dedup / screen / resolve / retrieve / extract / settle_extraction / assess / settle_rob
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Progress:
    """How far a review is along one step (title/abstract screening: 40 of 120 records decided)."""

    label: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


# provider(memberships: list[Membership]) -> {review_id: [Task]}; a constant number of queries for any
# number of memberships (the home page asks for all of a user's reviews at once)
TaskProvider = Callable[[list], dict[int, list[Task]]]
# provider(reviews: list[Review]) -> {review_id: [Progress]}, likewise bounded
ProgressProvider = Callable[[list], dict[int, list[Progress]]]
NEXT_TASKS: list[TaskProvider] = []
REVIEW_PROGRESS: list[ProgressProvider] = []

SETTINGS_CHANGED: list[SettingsHook] = []
RECORD_COLUMNS: list[RecordColumn] = []
RECORDS_CHANGED: list[Callable[..., Any]] = []  # (*, review) -> None, called inside the writer's transaction
MEMBERS_CHANGED: list[Callable[..., Any]] = []  # (*, review, user) -> None, likewise
BLINDED_EVENTS: list[BlindedEvents] = []
# verb -> a str.format template over the event's data, or a function (data: dict) -> str
EVENT_TEXTS: dict[str, str | Callable[[dict], str]] = {}
DEMO_STEPS: list[Callable[..., Any]] = []
DEMO_REVIEWS: list[Callable[[], Any]] = []
DEMO_REVIEW_STEPS: list[tuple[str, Callable[..., Any]]] = []
INCLUDED_REPORTS: list[Callable[..., Any]] = []  # (review) -> QuerySet[Record]
WORKED_RECORDS: list[Callable[..., Any]] = []  # (review, record_ids=None) -> iterable of record ids


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


def event_texts(texts: dict[str, str | Callable[[dict], str]]) -> None:
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


def records_with_work_provider(provider: Callable[..., Any]) -> Callable[..., Any]:
    """Register `provider(review, record_ids=None) -> iterable of record ids` that people have already
    judged (among `record_ids` when given)."""
    _add(WORKED_RECORDS, provider)
    return provider


def records_with_work(review, record_ids=None) -> set:
    """Ids of the review's records (or of `record_ids`) that carry judgements in any app (votes, ...)."""
    return {rid for provider in WORKED_RECORDS for rid in provider(review, record_ids=record_ids)}


def next_tasks_provider(provider: TaskProvider) -> TaskProvider:
    _add(NEXT_TASKS, provider)
    return provider


def review_progress_provider(provider: ProgressProvider) -> ProgressProvider:
    _add(REVIEW_PROGRESS, provider)
    return provider


def next_tasks(memberships: list) -> dict[int, list[Task]]:
    """Each review's waiting work for the memberships' user, in the order the apps registered (the
    workflow's order); tasks with nothing to do are left out."""
    found: dict[int, list[Task]] = {m.review_id: [] for m in memberships}
    for provider in NEXT_TASKS:
        for review_id, tasks in provider(memberships).items():
            found.setdefault(review_id, []).extend(task for task in tasks if task.count)
    return found


def review_progress(reviews: list) -> dict[int, list[Progress]]:
    found: dict[int, list[Progress]] = {r.pk: [] for r in reviews}
    for provider in REVIEW_PROGRESS:
        for review_id, steps in provider(reviews).items():
            found.setdefault(review_id, []).extend(steps)
    return found


def record_column(column: RecordColumn) -> RecordColumn:
    _add(RECORD_COLUMNS, column)
    return column


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
