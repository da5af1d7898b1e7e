"""Grouping included reports into studies (one study, several reports): create, group, merge, split.

Study lives in the core (Record.study points to it) and so do its writes. Which reports are included is
screening's knowledge; the core asks through `registry.included_reports(review)`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .. import registry
from ..grouping import normalise_registry_id
from ..models import Record, Review, Study
from ..permissions import membership_for
from .audit import event_log


def _require_grouper(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not (member.is_owner or member.is_reviewer):
        raise PermissionDenied("Studies are grouped by the owner or the reviewers.")


def _included_reports(review: Review, record_ids) -> list[Record]:
    """The records, locked, checking each one is a report included at full text."""
    ids = sorted({int(pk) for pk in record_ids})
    if not ids:
        raise ValidationError({"records": "Choose at least one report."})
    records = list(
        Record.objects.select_for_update(no_key=True)
        .filter(review=review, pk__in=ids)
        .only("id", "review_id", "study_id", "title", "authors", "year", "registry_ids")
        .order_by("id")
    )
    if len(records) != len(ids):
        raise ValidationError({"records": "Some of these records are not in this review."})
    included = set(registry.included_reports(review).filter(pk__in=ids).values_list("pk", flat=True))
    missing = [pk for pk in ids if pk not in included]
    if missing:
        raise ValidationError(
            {"records": f"Only reports included at full text form studies (not: {missing})."}
        )
    return records


def _default_label(review: Review, record: Record) -> str:
    author = (record.authors or ["Study"])[0].split(",")[0].strip() or "Study"
    base = f"{author} {record.year}" if record.year else author
    taken = set(Study.objects.filter(review=review, label__startswith=base).values_list("label", flat=True))
    label, n = base, 2
    while label in taken:
        label, n = f"{base} ({n})", n + 1
    return label


def _registry_ids(records, extra=()) -> list[str]:
    ids = [normalise_registry_id(rid) for record in records for rid in (record.registry_ids or [])]
    return sorted({rid for rid in [*extra, *ids] if rid})


def _assign(records, study: Study) -> None:
    Record.objects.filter(pk__in=[r.pk for r in records]).update(study=study)
    for record in records:
        record.study_id = study.pk


@transaction.atomic
def study_create(*, review: Review, actor, record_ids, label: str = "", notes: str = "") -> Study:
    """A new study made of reports that are in no study yet."""
    _require_grouper(review, actor)
    records = _included_reports(review, record_ids)
    grouped = [r.pk for r in records if r.study_id]
    if grouped:
        raise ValidationError({"records": f"Already in a study: {grouped}; group or merge instead."})
    label = (label or "").strip() or _default_label(review, records[0])
    limit = Study._meta.get_field("label").max_length
    if len(label) > limit:
        raise ValidationError(
            {"label": f"A study label has at most {limit} characters (this one has {len(label)})."}
        )
    if Study.objects.filter(review=review, label=label).exists():
        raise ValidationError({"label": f"There is a study called “{label}” already."})
    study = Study.objects.create(review=review, label=label, notes=notes, registry_ids=_registry_ids(records))
    _assign(records, study)
    event_log(
        review=review,
        actor=actor,
        verb="study.created",
        study=study.pk,
        label=label,
        records=[r.pk for r in records],
    )
    return study


@transaction.atomic
def study_group(*, review: Review, actor, record_ids, label: str = "") -> Study:
    """Put these reports in one study: a new one, the one some are in already, or their studies merged."""
    _require_grouper(review, actor)
    records = _included_reports(review, record_ids)
    study_ids = sorted({r.study_id for r in records if r.study_id})
    if not study_ids:
        return study_create(review=review, actor=actor, record_ids=[r.pk for r in records], label=label)
    target = Study.objects.select_for_update().get(pk=study_ids[0])
    if len(study_ids) > 1:
        target = study_merge(review=review, actor=actor, target_id=target.pk, other_ids=study_ids[1:])
    loose = [r for r in records if r.study_id is None]
    if loose:
        _assign(loose, target)
        target.registry_ids = _registry_ids(loose, target.registry_ids)
        target.save(update_fields=["registry_ids", "updated_at"])
        event_log(
            review=review,
            actor=actor,
            verb="study.reports_added",
            study=target.pk,
            label=target.label,
            records=[r.pk for r in loose],
        )
    return target


@transaction.atomic
def study_merge(*, review: Review, actor, target_id: int, other_ids) -> Study:
    """Move every report of the other studies into the target study and delete the emptied studies."""
    _require_grouper(review, actor)
    other_ids = sorted({int(pk) for pk in other_ids} - {int(target_id)})
    studies = {
        s.pk: s
        for s in Study.objects.select_for_update().filter(review=review, pk__in=[target_id, *other_ids])
    }
    if len(studies) != len(other_ids) + 1:
        raise ValidationError({"studies": "Some of these studies are not in this review."})
    if not other_ids:
        raise ValidationError({"studies": "Choose the studies to merge into this one."})
    target = studies[int(target_id)]
    moved = list(Record.objects.filter(study_id__in=other_ids).values_list("id", flat=True))
    Record.objects.filter(study_id__in=other_ids).update(study=target)
    target.registry_ids = sorted(
        {*target.registry_ids, *(rid for pk in other_ids for rid in studies[pk].registry_ids)}
    )
    target.save(update_fields=["registry_ids", "updated_at"])
    labels = [studies[pk].label for pk in other_ids]
    Study.objects.filter(pk__in=other_ids).delete()
    event_log(
        review=review,
        actor=actor,
        verb="study.merged",
        study=target.pk,
        label=target.label,
        merged=other_ids,
        merged_labels=labels,
        records=moved,
    )
    return target


@transaction.atomic
def study_split(*, review: Review, actor, study_id: int, record_ids, label: str = "") -> Study:
    """Move some reports of a study into a new study of their own."""
    _require_grouper(review, actor)
    study = Study.objects.select_for_update().filter(review=review, pk=study_id).first()
    if study is None:
        raise ValidationError({"study": "No such study in this review."})
    records = _included_reports(review, record_ids)
    if any(r.study_id != study.pk for r in records):
        raise ValidationError({"records": "Split off only reports of this study."})
    if Record.objects.filter(study=study).count() == len(records):
        raise ValidationError({"records": "Leave at least one report in the study."})
    Record.objects.filter(pk__in=[r.pk for r in records]).update(study=None)
    for record in records:
        record.study_id = None
    new = study_create(review=review, actor=actor, record_ids=[r.pk for r in records], label=label)
    event_log(
        review=review,
        actor=actor,
        verb="study.split",
        study=study.pk,
        label=study.label,
        into=new.pk,
        records=[r.pk for r in records],
    )
    return new
