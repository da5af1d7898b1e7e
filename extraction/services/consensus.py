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

from reviewapp.dualwork.services import DualWork, WorkState
from reviewapp.models import Review, Study
from reviewapp.services.audit import event_log

from .. import outcomes as od
from ..forms_schema import DiffKind, clean_value, diff_answers, display_value, is_blank, merge_answers
from ..models import (
    Consensus,
    ConsensusMethod,
    Extraction,
    ExtractionConflict,
    ExtractionRevision,
    ExtractionStatus,
    Form,
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


class ExtractionWork(DualWork):
    """Dual extraction on the kernel: the item is (study, form); its judgements are the *submitted*
    extractions; they agree when the comparison finds no difference; the outcome is the Consensus record."""

    judgement_model = Extraction
    outcome_model = Consensus
    conflict_model = ExtractionConflict
    revision_model = ExtractionRevision
    outcome_fields = ("answers", "outcomes")
    judgement_noun = "extraction"
    verbs = {
        "added": "extract.submitted",
        "changed": "extract.resubmitted",
        "retracted": "extract.reopened",
        "reached": "extraction.consensus_reached",
        "withdrawn": "extraction.consensus_withdrawn",
        "opened": "extraction.conflict_opened",
        "resolved": "extraction.conflict_resolved",
    }

    def lock_item(self, review, item):
        study = Study.objects.select_for_update().filter(review=review, pk=_pk(item["study"])).first()
        form = Form.objects.filter(review=review, pk=_pk(item["form"])).first()
        if study is None or form is None:
            raise ValidationError("No such study or form in this review.")
        return {"study": study, "form": form}

    def lock(self, review, **item) -> WorkState:
        state = super().lock(review, **item)
        state.judgements = [j for j in state.judgements if j.status == ExtractionStatus.SUBMITTED]
        state.judgements.sort(key=lambda j: (j.submitted_at, j.pk))
        return state

    def required(self, state: WorkState) -> int:
        return _required(state.review)

    def compare(self, state: WorkState):
        """Agreement = no difference from the first submission (field by field, row by row)."""
        first = state.judgements[0] if state.judgements else None

        def token(extraction):
            if first is None or extraction.pk == first.pk or not differences(first, extraction):
                return "same"
            return ("differs", extraction.pk)

        return token

    def agreed_values(self, state: WorkState, value):
        a = state.judgements[0]
        b = state.judgements[1] if len(state.judgements) > 1 else None
        return {
            "form_version": a.form_version,
            "extraction_a": a,
            "extraction_b": b,
            "answers": a.answers,
            "outcomes": a.outcomes,
        }

    def revision_values(self, judgement):
        return {
            "review_id": judgement.review_id,
            "study_id": judgement.study_id,
            "form_id": judgement.form_id,
            "reviewer_id": judgement.reviewer_id,
            "extraction_id": judgement.pk,
            "form_version_id": judgement.form_version_id,
            "answers": judgement.answers,
            "outcomes": judgement.outcomes,
            "submitted_at": judgement.submitted_at,
        }

    def event_subject(self, state: WorkState):
        return {"study": state.study.pk, "form": state.form.pk}

    def outcome_summary(self, values):
        return {k: getattr(v, "pk", v) for k, v in values.items() if k in ("extraction_a", "extraction_b")}

    def conflict_open(self, state: WorkState, actor) -> None:
        if state.conflict is not None:
            return super().conflict_open(state, actor)
        a, b = state.judgements[:2]
        state.conflict = ExtractionConflict.objects.create(
            review=state.review, **state.item, form_version=a.form_version, extraction_a=a, extraction_b=b
        )
        self._event(state, actor, "opened", conflict=state.conflict.pk, differences=len(differences(a, b)))
        return None


WORK = ExtractionWork()


def _pk(value) -> int:
    return getattr(value, "pk", value)


@transaction.atomic
def consensus_settle_item(*, review: Review, study_id: int, form_id: int, actor=None):
    """Settle the study for the form (after a submission, a reopening, or N lowered): enough submitted
    extractions that agree make the consensus record; differing ones open a conflict. Returns the
    Consensus, the open conflict, or None while waiting."""
    state = WORK.lock(review, study=study_id, form=form_id)
    if state.outcome is not None and state.outcome.method != ConsensusMethod.AGREEMENT:
        return state.outcome  # settled by consensus or arbitration: final
    if state.conflict is not None and not state.conflict.is_open:
        return state.outcome
    if state.conflict is not None and state.conflict.settlements:
        return state.conflict  # settling has begun: the conflict is resolved by its settlements
    WORK.settle(state, actor)
    return state.outcome or (state.conflict if state.conflict and state.conflict.is_open else None)


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
    if ExtractionStatus.DRAFT in (conflict.extraction_a.status, conflict.extraction_b.status):
        raise ValidationError("One of the two extractions was reopened; settle once it is submitted again.")
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
    answers, outcomes = merged(conflict)
    values = {
        "form_version": conflict.form_version,
        "extraction_a": conflict.extraction_a,
        "extraction_b": conflict.extraction_b,
        "answers": answers,
        "outcomes": outcomes,
        "settlements": conflict.settlements,
    }
    state = WORK.lock(conflict.review, study=conflict.study_id, form=conflict.form_id)
    state.conflict = conflict
    if actor.pk in reviewers:  # the two reviewers settled it between them
        WORK.conflict_close(state, actor)
        WORK.outcome_write(state, actor, values, method=ConsensusMethod.CONSENSUS, note=note)
        WORK._event(state, actor, "resolved", conflict=conflict.pk, method=ConsensusMethod.CONSENSUS)
    else:
        WORK.arbitrate(state, actor, values=values, note=note)
    conflict.version += 1
    conflict.save(update_fields=["version", "updated_at"])
    event_log(
        review=conflict.review,
        actor=actor,
        verb="extraction.consensus_saved",
        consensus=state.outcome.pk,
        conflict=conflict.pk,
        study=conflict.study_id,
        form=conflict.form_id,
        settled=len(conflict.settlements),
    )
    return state.outcome


def consensus_settle_all(*, review: Review, actor) -> int:
    """Settle every (study, form) with submitted extractions and no consensus yet (after N was lowered)."""
    items = (
        Extraction.objects.filter(review=review, status=ExtractionStatus.SUBMITTED)
        .exclude(study__extraction_consensus__isnull=False)
        .values_list("study_id", "form_id")
        .distinct()
    )
    settled = 0
    for study_id, form_id in list(items):
        if isinstance(
            consensus_settle_item(review=review, study_id=study_id, form_id=form_id, actor=actor), Consensus
        ):
            settled += 1
    return settled
