"""The team's screening set-up, written by the owner: settings (title/abstract exclusion reasons, assignment),
the label set, and who screens which records; and the reviewers' tags on records.

Whatever changes which records a reviewer is offered resyncs the work lists (offers.worklists_invalidate).
"""

from __future__ import annotations

import random

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef

from reviewapp.models import Membership, Record, Review
from reviewapp.permissions import membership_for
from reviewapp.services.audit import event_log, model_update

from ..models import Assignment, Label, ReasonMode, RecordLabel, ScreeningSettings, Stage
from ..offers import settings_forget, worklists_invalidate
from ..worklist import eligible_records


def _require_owner(review: Review, actor, what: str) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_owner:
        raise PermissionDenied(f"Only the owner {what}.")


# --- settings ------------------------------------------------------------------------------------


@transaction.atomic
def screening_settings_update(
    *, review: Review, actor, title_abstract_reasons: str | None = None, assignment: bool | None = None
) -> ScreeningSettings:
    _require_owner(review, actor, "changes the screening settings")
    if title_abstract_reasons is not None and title_abstract_reasons not in ReasonMode.values:
        raise ValidationError({"title_abstract_reasons": f"Choose one of: {', '.join(ReasonMode.values)}."})
    row, _ = ScreeningSettings.objects.select_for_update().get_or_create(review=review)
    fields = {
        "title_abstract_reasons": title_abstract_reasons or row.title_abstract_reasons,
        "assignment": row.assignment if assignment is None else bool(assignment),
    }
    before, after = model_update(
        instance=row, fields=fields, actor=actor, verb="screening_settings.updated", review=review
    )
    if before["assignment"] != after["assignment"]:
        worklists_invalidate(review)
    settings_forget(review)
    return row


# --- labels --------------------------------------------------------------------------------------


@transaction.atomic
def labels_set(*, review: Review, actor, names: list[str]) -> list[Label]:
    """Make `names` the review's active labels, in this order; labels left out are retired (their tags
    stay on the records, hidden from the panel's choices)."""
    _require_owner(review, actor, "configures the labels")
    wanted = list(dict.fromkeys(name.strip() for name in names if name and name.strip()))
    too_long = [name for name in wanted if len(name) > 80]
    if too_long:
        raise ValidationError({"labels": f"A label has at most 80 characters: “{too_long[0][:40]}…”."})
    current = {label.name: label for label in Label.objects.filter(review=review)}
    result = []
    for position, name in enumerate(wanted, start=1):
        label = current.pop(name, None) or Label(review=review, name=name)
        label.position, label.is_active = position, True
        label.save()
        result.append(label)
    Label.objects.filter(pk__in=[label.pk for label in current.values()]).update(is_active=False)
    event_log(review=review, actor=actor, verb="labels.set", labels=wanted)
    return result


def _tag_target(review: Review, actor, record_id: int, label_id: int) -> tuple[Record, Label]:
    member = membership_for(actor, review)
    if member is None or not (member.is_reviewer or member.is_owner):
        raise PermissionDenied("Reviewers and the owner label records.")
    label = Label.objects.filter(review=review, pk=label_id, is_active=True).first()
    if label is None:
        raise ValidationError({"label": "Not one of this review's labels."})
    record = Record.objects.filter(review=review, pk=record_id).only("id").first()
    if record is None:
        raise ValidationError({"record": "No such record in this review."})
    return record, label


def _tag_write(review: Review, actor, record: Record, label: Label, tagged: bool) -> None:
    if tagged:
        RecordLabel.objects.create(review=review, record=record, label=label, tagged_by=actor)
    else:
        RecordLabel.objects.filter(record=record, label=label, tagged_by=actor).delete()
    # stage: blinded like title/abstract votes (hooks: registry.blinded_events("label.", ...))
    event_log(
        review=review,
        actor=actor,
        verb="label.added" if tagged else "label.removed",
        record=record,
        label=label.name,
        stage=Stage.TITLE_ABSTRACT,
    )


@transaction.atomic
def record_label_toggle(*, review: Review, actor, record_id: int, label_id: int) -> bool:
    """Put the actor's tag `label` on the record, or take it off; True when the record now carries it."""
    record, label = _tag_target(review, actor, record_id, label_id)
    tagged = not RecordLabel.objects.filter(record=record, label=label, tagged_by=actor).exists()
    _tag_write(review, actor, record, label, tagged)
    return tagged


@transaction.atomic
def record_label_set(*, review: Review, actor, record_id: int, label_id: int, tagged: bool) -> bool:
    """Put the actor's tag on the record (`tagged`) or take it off, whatever it was before: the API's
    idempotent form of record_label_toggle (a repeat changes nothing and writes no event)."""
    record, label = _tag_target(review, actor, record_id, label_id)
    has = RecordLabel.objects.filter(record=record, label=label, tagged_by=actor).exists()
    if has != bool(tagged):
        _tag_write(review, actor, record, label, bool(tagged))
    return bool(tagged)


# --- assignment ----------------------------------------------------------------------------------


def _reviewers(review: Review, reviewer_ids) -> list[int]:
    wanted = sorted({int(pk) for pk in reviewer_ids})
    found = set(
        Membership.objects.filter(review=review, is_reviewer=True, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if not wanted or set(wanted) != found:
        raise ValidationError({"reviewers": "Choose one or more of this review's reviewers."})
    return wanted


def _stage(stage: str) -> str:
    if stage not in Stage.values:
        raise ValidationError({"stage": f"Choose one of: {', '.join(Stage.values)}."})
    return stage


@transaction.atomic
def assignment_add(*, review: Review, actor, stage: str, record_ids, reviewer_ids) -> int:
    """Assign every one of the records (a filtered set) to every one of the reviewers; returns how many
    assignments are new (existing ones are kept)."""
    _require_owner(review, actor, "assigns records")
    stage, reviewers = _stage(stage), _reviewers(review, reviewer_ids)
    records = list(Record.objects.filter(review=review, pk__in=list(record_ids)).values_list("pk", flat=True))
    if not records:
        raise ValidationError({"records": "No records match: nothing to assign."})
    rows = [
        Assignment(review=review, stage=stage, record_id=pk, reviewer_id=who, assigned_by=actor)
        for pk in records
        for who in reviewers
    ]
    before = Assignment.objects.filter(review=review, stage=stage).count()
    Assignment.objects.bulk_create(rows, ignore_conflicts=True)
    added = Assignment.objects.filter(review=review, stage=stage).count() - before
    event_log(
        review=review,
        actor=actor,
        verb="assignment.added",
        stage=stage,
        records=len(records),
        reviewers=reviewers,
        added=added,
    )
    worklists_invalidate(review)
    return added


def split_plan(record_ids: list[int], reviewer_ids: list[int], per_record: int) -> dict[int, list[int]]:
    """Deal records out to reviewers in turn, `per_record` reviewers each, so every reviewer gets as many
    records as any other (within one) and every pair of the rotation screens records together."""
    count = len(reviewer_ids)
    return {
        record: [reviewer_ids[(index * per_record + k) % count] for k in range(per_record)]
        for index, record in enumerate(record_ids)
    }


@transaction.atomic
def assignment_split(*, review: Review, actor, stage: str, reviewer_ids, seed: int | None = None) -> int:
    """Split the records up for `stage` that nobody is assigned to yet at random among the reviewers, each
    record to N of them (the review's votes per record, at most the number of reviewers). Returns how
    many records were assigned."""
    _require_owner(review, actor, "assigns records")
    stage, reviewers = _stage(stage), _reviewers(review, reviewer_ids)
    per_record = min(review.votes_required, len(reviewers))
    assigned = Assignment.objects.filter(record=OuterRef("pk"), stage=stage)
    records = list(eligible_records(review, stage).exclude(Exists(assigned)).values_list("pk", flat=True))
    random.Random(seed).shuffle(records)  # noqa: S311 - a fair split, not a secret
    random.Random(seed).shuffle(reviewers)  # noqa: S311
    plan = split_plan(records, reviewers, per_record)
    Assignment.objects.bulk_create(
        [
            Assignment(review=review, stage=stage, record_id=record, reviewer_id=who, assigned_by=actor)
            for record, whom in plan.items()
            for who in whom
        ],
        ignore_conflicts=True,
    )
    event_log(
        review=review,
        actor=actor,
        verb="assignment.split",
        stage=stage,
        records=len(records),
        reviewers=sorted(reviewers),
        per_record=per_record,
    )
    worklists_invalidate(review)
    return len(records)


@transaction.atomic
def assignment_clear(*, review: Review, actor, stage: str) -> int:
    """Remove every assignment at `stage` (votes already cast stay)."""
    _require_owner(review, actor, "assigns records")
    deleted, _ = Assignment.objects.filter(review=review, stage=_stage(stage)).delete()
    event_log(review=review, actor=actor, verb="assignment.cleared", stage=stage, removed=deleted)
    worklists_invalidate(review)
    return deleted
