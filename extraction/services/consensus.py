"""Dual extraction: once the required extractions of a study are submitted they are compared; identical ones
settle by agreement, otherwise an open consensus record lists every difference, and whoever may settle
(arbiter; owner if allowed; the reviewers if consensus is allowed) settles each one -- recorded with who
and when -- then completes the record.
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
from ..models import Consensus, ConsensusMethod, ConsensusStatus, Extraction, ExtractionStatus
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
def consensus_settle_item(*, review: Review, study_id: int, form_id: int) -> Consensus | None:
    """After a submission: with enough submitted extractions, agree (no differences) or open a consensus."""
    existing = Consensus.objects.filter(study_id=study_id, form_id=form_id).first()
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
    agreed = not diffs
    consensus = Consensus.objects.create(
        review=review,
        study_id=study_id,
        form_id=form_id,
        form_version=a.form_version,
        extraction_a=a,
        extraction_b=b,
        answers=a.answers,
        outcomes=a.outcomes,
        status=ConsensusStatus.COMPLETE if agreed else ConsensusStatus.OPEN,
        method=ConsensusMethod.AGREEMENT if agreed else ConsensusMethod.CONSENSUS,
        completed_at=timezone.now() if agreed else None,
    )
    event_log(
        review=review,
        actor=None,
        verb="extraction.agreed" if agreed else "extraction.differences_found",
        study=study_id,
        form=form_id,
        consensus=consensus.pk,
        differences=len(diffs),
        extractions=[e.pk for e in submitted[:2]],
    )
    return consensus


def _lock(consensus_id: int, expected_version: int | None) -> Consensus:
    consensus = (
        Consensus.objects.select_for_update()
        .select_related("review", "form_version", "extraction_a__form_version", "extraction_b__form_version")
        .filter(pk=consensus_id)
        .first()
    )
    if consensus is None:
        raise ValidationError("No such consensus record.")
    if expected_version is not None and int(expected_version) != consensus.version:
        raise StaleVersion(
            "Somebody else settled a difference meanwhile (the record is at version "
            f"{consensus.version}, this page had {expected_version}). Reload to see it; nothing was saved.",
            code="stale",
        )
    return consensus


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


def _merge(consensus: Consensus) -> None:
    a, b = consensus.extraction_a, consensus.extraction_b
    schema = consensus.form_version.schema
    consensus.answers = merge_answers(schema, a.answers, b.answers, consensus.settlements)
    consensus.outcomes = od.merge_outcomes(a.outcomes, b.outcomes, consensus.settlements)


@transaction.atomic
def consensus_settle(
    *,
    consensus_id: int,
    actor,
    path: str,
    choice: str,
    value: Any = None,
    expected_version: int | None = None,
) -> Consensus:
    """Settle one difference: take reviewer A's value, B's, or an agreed new value."""
    consensus = _lock(consensus_id, expected_version)
    require_settler(consensus.review, actor)
    if consensus.status != ConsensusStatus.OPEN:
        raise ValidationError("This consensus record is complete.")
    if choice not in ("a", "b", "value"):
        raise ValidationError("Choose reviewer A's value, reviewer B's, or enter the agreed value.")
    item = next(
        (i for i in differences(consensus.extraction_a, consensus.extraction_b) if i.path == path), None
    )
    if item is None:
        raise ValidationError(f"There is no difference at {path!r} (reload the page).")
    cleaned = _clean(item, choice, value)
    before = consensus.settlements.get(path)
    settlement = {
        "choice": choice,
        "by": actor.pk,
        "by_name": actor.get_username(),
        "at": timezone.now().isoformat(),
    }
    if choice == "value":
        settlement["value"] = cleaned
    consensus.settlements[path] = settlement
    _merge(consensus)
    consensus.version += 1
    consensus.save(update_fields=["settlements", "answers", "outcomes", "version", "updated_at"])
    event_log(
        review=consensus.review,
        actor=actor,
        verb="extraction.difference_settled",
        consensus=consensus.pk,
        study=consensus.study_id,
        path=path,
        a=item.a,
        b=item.b,
        before=before,
        after=settlement,
    )
    return consensus


@transaction.atomic
def consensus_complete(
    *, consensus_id: int, actor, expected_version: int | None = None, note: str = ""
) -> Consensus:
    """Close the record once every difference is settled."""
    consensus = _lock(consensus_id, expected_version)
    require_settler(consensus.review, actor)
    if consensus.status == ConsensusStatus.COMPLETE:
        return consensus
    open_paths = [
        i.label
        for i in differences(consensus.extraction_a, consensus.extraction_b)
        if i.path not in consensus.settlements
    ]
    if open_paths:
        raise ValidationError([f"{len(open_paths)} difference(s) still to settle:", *open_paths[:20]])
    reviewers = {consensus.extraction_a.reviewer_id, consensus.extraction_b.reviewer_id}
    consensus.method = ConsensusMethod.CONSENSUS if actor.pk in reviewers else ConsensusMethod.ARBITRATION
    consensus.status, consensus.completed_at, consensus.decided_by = (
        ConsensusStatus.COMPLETE,
        timezone.now(),
        actor,
    )
    consensus.note = note
    consensus.version += 1
    consensus.save(
        update_fields=["method", "status", "completed_at", "decided_by", "note", "version", "updated_at"]
    )
    event_log(
        review=consensus.review,
        actor=actor,
        verb="extraction.consensus_completed",
        consensus=consensus.pk,
        study=consensus.study_id,
        method=consensus.method,
        settled=len(consensus.settlements),
    )
    return consensus
