"""Dual extraction: once the required extractions of a study are submitted they are compared; identical ones
settle by agreement (a consensus record), otherwise a conflict lists every difference, and whoever may settle
(arbiter; owner if allowed; the reviewers if consensus is allowed) settles each one -- recorded with who
and when -- and then resolves the conflict into the one consensus record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reviewapp.models import Review
from reviewapp.services.audit import event_log

from .. import outcomes as od
from ..forms_schema import DiffKind, clean_value, diff_answers, display_value, is_blank, merge_answers
from ..models import (
    ConflictStatus,
    Consensus,
    ConsensusMethod,
    Extraction,
    ExtractionConflict,
    ExtractionStatus,
)
from ..permissions import require_settler
from .extractions import StaleVersion


@dataclass(frozen=True)
class Item:
    """One difference between two extractions, as the comparison view and the settle service see it."""

    path: str
    label: str
    section: str
    whole_row: bool
    a: Any
    b: Any
    a_text: str
    b_text: str
    field: Any = None  # the form field (answers) or the outcome field name (outcome data)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items() if k != "arms" and not is_blank(v))
    return "" if is_blank(value) else str(value)


def differences(a: Extraction, b: Extraction) -> list[Item]:
    """Every differing field, row, arm and outcome row of two extractions on the same form version."""
    schema = a.form_version.schema
    items = []
    for d in diff_answers(schema, a.answers, b.answers):
        section = schema.section(d.section)
        f = section.field(d.field) if d.field else None
        whole = d.kind != DiffKind.CHANGED
        a_text = display_value(f, d.a) if f else _text(d.a)
        b_text = display_value(f, d.b) if f else _text(d.b)
        items.append(Item(d.path, d.label, d.section, whole, d.a, d.b, a_text, b_text, f))
    for d in od.diff_outcomes(a.outcomes, b.outcomes):
        whole = not d.field
        items.append(
            Item(d.path, d.label, od.OUTCOMES, whole, d.a, d.b, _text(d.a), _text(d.b), d.field or None)
        )
    return items


def _required(review: Review) -> int:
    return max(1, min(review.votes_required, 2))


@transaction.atomic
def consensus_settle_item(*, review: Review, study_id: int, form_id: int):
    """After a submission: with enough submitted extractions, agree (no differences: a consensus record by
    agreement) or open a conflict listing the differences. Returns the Consensus, the conflict, or None."""
    existing = (
        Consensus.objects.filter(study_id=study_id, form_id=form_id).first()
        or ExtractionConflict.objects.filter(study_id=study_id, form_id=form_id).first()
    )
    if existing:
        return existing
    submitted = list(
        Extraction.objects.select_for_update()
        .filter(study_id=study_id, form_id=form_id, status=ExtractionStatus.SUBMITTED)
        .select_related("form_version")
        .order_by("submitted_at", "id")
    )
    if len(submitted) < _required(review):
        return None
    a = submitted[0]
    b = submitted[1] if len(submitted) > 1 else None
    if b is not None and a.form_version_id != b.form_version_id:
        event_log(
            review=review,
            actor=None,
            verb="extraction.versions_differ",
            study=study_id,
            form=form_id,
            extractions=[a.pk, b.pk],
        )
        return None
    diffs = differences(a, b) if b is not None else []
    item = {
        "review": review,
        "study_id": study_id,
        "form_id": form_id,
        "form_version": a.form_version,
        "extraction_a": a,
        "extraction_b": b,
    }
    if not diffs:
        consensus = Consensus.objects.create(
            **item, method=ConsensusMethod.AGREEMENT, answers=a.answers, outcomes=a.outcomes
        )
        event_log(
            review=review,
            actor=None,
            verb="extraction.agreed",
            study=study_id,
            form=form_id,
            consensus=consensus.pk,
            extractions=[e.pk for e in submitted[:2]],
        )
        return consensus
    conflict = ExtractionConflict.objects.create(**item)
    event_log(
        review=review,
        actor=None,
        verb="extraction.conflict_opened",
        study=study_id,
        form=form_id,
        conflict=conflict.pk,
        differences=len(diffs),
        extractions=[a.pk, b.pk],
    )
    return conflict


def _lock(conflict_id: int, expected_version: int | None) -> ExtractionConflict:
    conflict = (
        ExtractionConflict.objects.select_for_update()
        .select_related("review", "form_version", "extraction_a__form_version", "extraction_b__form_version")
        .filter(pk=conflict_id)
        .first()
    )
    if conflict is None:
        raise ValidationError("No such conflict.")
    if expected_version is not None and int(expected_version) != conflict.version:
        raise StaleVersion(
            "Somebody else settled a difference meanwhile (the record is at version "
            f"{conflict.version}, this page had {expected_version}). Reload to see it; nothing was saved.",
            code="stale",
        )
    return conflict


def _clean(item: Item, choice: str, value: Any) -> Any:
    if choice != "value":
        return None
    if item.whole_row:
        raise ValidationError("A whole row is kept or dropped: choose one side.")
    if item.section == od.OUTCOMES:
        if item.field in ("unit", "scale", "measure", "data_type"):
            return str(value or "").strip()
        problems: list = []
        number = od._number(value, item.field, item.label, problems, integer=item.field in od.ARM_INTEGERS)
        if problems:
            raise ValidationError(problems[0].message)
        return number
    if is_blank(value):
        return None
    try:
        return clean_value(item.field, value)
    except ValueError as error:
        raise ValidationError(f"{item.label} {error}.") from None


def merged(conflict: ExtractionConflict) -> tuple[dict, list]:
    """The answers and outcome rows the settlements so far make (unsettled differences keep A's values)."""
    a, b = conflict.extraction_a, conflict.extraction_b
    answers = merge_answers(conflict.form_version.schema, a.answers, b.answers, conflict.settlements)
    return answers, od.merge_outcomes(a.outcomes, b.outcomes, conflict.settlements)


@transaction.atomic
def conflict_settle(
    *, conflict_id: int, actor, path: str, choice: str, value: Any = None, expected_version: int | None = None
) -> ExtractionConflict:
    """Settle one difference: take reviewer A's value, B's, or an agreed new value (recorded with who)."""
    conflict = _lock(conflict_id, expected_version)
    require_settler(conflict.review, actor)
    if not conflict.is_open:
        raise ValidationError("This conflict is resolved.")
    if choice not in ("a", "b", "value"):
        raise ValidationError("Choose reviewer A's value, reviewer B's, or enter the agreed value.")
    item = next(
        (i for i in differences(conflict.extraction_a, conflict.extraction_b) if i.path == path), None
    )
    if item is None:
        raise ValidationError(f"There is no difference at {path!r} (reload the page).")
    cleaned = _clean(item, choice, value)
    before = conflict.settlements.get(path)
    settlement = {
        "choice": choice,
        "by": actor.pk,
        "by_name": actor.get_username(),
        "at": timezone.now().isoformat(),
    }
    if choice == "value":
        settlement["value"] = cleaned
    conflict.settlements[path] = settlement
    conflict.version += 1
    conflict.save(update_fields=["settlements", "version", "updated_at"])
    event_log(
        review=conflict.review,
        actor=actor,
        verb="extraction.difference_settled",
        conflict=conflict.pk,
        study=conflict.study_id,
        path=path,
        a=item.a,
        b=item.b,
        before=before,
        after=settlement,
    )
    return conflict


@transaction.atomic
def conflict_resolve(
    *, conflict_id: int, actor, expected_version: int | None = None, note: str = ""
) -> Consensus:
    """Once every difference is settled: the consensus record (by consensus when one of the two reviewers
    settles, else by arbitration), and the conflict resolved."""
    conflict = _lock(conflict_id, expected_version)
    require_settler(conflict.review, actor)
    if not conflict.is_open:
        raise ValidationError("This conflict is resolved already.")
    open_items = [
        i.label
        for i in differences(conflict.extraction_a, conflict.extraction_b)
        if i.path not in conflict.settlements
    ]
    if open_items:
        raise ValidationError([f"{len(open_items)} difference(s) still to settle:", *open_items[:20]])
    reviewers = {conflict.extraction_a.reviewer_id, conflict.extraction_b.reviewer_id}
    method = ConsensusMethod.CONSENSUS if actor.pk in reviewers else ConsensusMethod.ARBITRATION
    answers, outcomes = merged(conflict)
    consensus = Consensus.objects.create(
        review=conflict.review,
        study_id=conflict.study_id,
        form_id=conflict.form_id,
        form_version=conflict.form_version,
        extraction_a=conflict.extraction_a,
        extraction_b=conflict.extraction_b,
        method=method,
        decided_by=actor,
        note=note,
        answers=answers,
        outcomes=outcomes,
        settlements=conflict.settlements,
    )
    conflict.status, conflict.resolved_at, conflict.resolved_by = (
        ConflictStatus.RESOLVED,
        timezone.now(),
        actor,
    )
    conflict.version += 1
    conflict.save(update_fields=["status", "resolved_at", "resolved_by", "version", "updated_at"])
    event_log(
        review=conflict.review,
        actor=actor,
        verb="extraction.consensus_reached",
        consensus=consensus.pk,
        conflict=conflict.pk,
        study=conflict.study_id,
        method=method,
        settled=len(conflict.settlements),
    )
    return consensus
