"""Which models a review backup holds, how each reaches its review, and the order rows are written in."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from .. import registry
from ..models import Review

FORMAT = "reviewapp-review-backup"
VERSION = 1
JSON_NAME = "backup.json"
FILES_DIR = "files/"
EVENT_MODEL = "reviewapp.AuditEvent"
USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active")


class BackupError(Exception):
    """A backup that cannot be written or restored; the message says why, and nothing was changed."""


@dataclass
class ModelPlan:
    model: type[models.Model]
    label: str
    review_path: str
    fks: dict[str, str] = field(default_factory=dict)  # attname -> target label ("user", "review", ...)
    deferred: list[str] = field(default_factory=list)  # attnames set after every row exists
    files: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def attnames(self) -> list[str]:
        return [f.attname for f in self.model._meta.concrete_fields]


def _label(model) -> str:
    return model._meta.label


def _is_user(model) -> bool:
    return model is get_user_model()


def reaches_review(model, seen: frozenset = frozenset()) -> bool:
    """Whether a model's rows belong to a review through its foreign keys."""
    for f in model._meta.concrete_fields:
        target = f.related_model if f.is_relation else None
        if target is Review:
            return True
        followed = target is not None and target not in seen and target is not model and not _is_user(target)
        if followed and reaches_review(target, seen | {model}):
            return True
    return False


def coverage_problems() -> list[str]:
    """Models that reach a review but are neither backed up nor skipped, and registered labels that name
    no model. Empty when the registry is complete."""
    problems = []
    for label in [*registry.BACKUP_MODELS, *registry.BACKUP_SKIPPED]:
        try:
            apps.get_model(label)
        except LookupError:
            problems.append(f"{label} is registered for backups but is no model")
    for model in apps.get_models():
        label = _label(model)
        if model is Review or label in registry.BACKUP_MODELS or label in registry.BACKUP_SKIPPED:
            continue
        if reaches_review(model):
            problems.append(f"{label} belongs to reviews but is not in backups (registry.backup_models)")
    return problems


def backup_plan() -> list[ModelPlan]:
    """The registered models in write order, each with its path to the review."""
    problems = coverage_problems()
    if problems:
        raise BackupError("; ".join(problems))
    plans: dict[str, ModelPlan] = {}
    for label, entry in registry.BACKUP_MODELS.items():
        model = apps.get_model(label)
        plan = ModelPlan(model=model, label=_label(model), review_path="", ids=dict(entry.ids))
        for f in model._meta.concrete_fields:
            if isinstance(f, models.FileField):
                plan.files.append(f.attname)
            if not f.is_relation:
                continue
            target = f.related_model
            plan.fks[f.attname] = (
                "user" if _is_user(target) else "review" if target is Review else _label(target)
            )
        plans[plan.label] = plan
    order = _write_order(plans)
    for plan in order:
        plan.review_path = _review_path(plan, plans)
    return order


def _write_order(plans: dict[str, ModelPlan]) -> list[ModelPlan]:
    done: list[str] = []
    pending = dict(plans)
    while pending:
        ready = [
            label
            for label, plan in pending.items()
            if all(t in done or t in ("user", "review") or t == label for t in plan.fks.values())
        ]
        if not ready:
            raise BackupError(f"Backup models reference each other in a cycle: {', '.join(pending)}")
        # the audit log goes last: its data names rows of every other model
        ready.sort(key=lambda label: label == EVENT_MODEL and len(pending) > 1)
        label = ready[0]
        plan = pending.pop(label)
        for attname, target in plan.fks.items():
            if target == label:
                plan.deferred.append(attname)
        done.append(label)
    return [plans[label] for label in done]


def _review_path(plan: ModelPlan, plans: dict[str, ModelPlan]) -> str:
    fields_by_att = {f.attname: f for f in plan.model._meta.concrete_fields}
    for attname, target in plan.fks.items():
        if target == "review":
            return fields_by_att[attname].name
    for attname, target in plan.fks.items():
        if target in plans and target != plan.label and plans[target].review_path:
            return f"{fields_by_att[attname].name}__{plans[target].review_path}"
    raise BackupError(f"{plan.label} has no path to its review")
