"""Risk-of-bias writes on the dual-work kernel: lock the item -> write the assessment -> settle -> events.

- `assessment_start`   a draft assessment of (study, tool, effect, result) by a reviewer (idempotent)
- `assessment_answer`  signalling-question answers (+ support text) of one domain; the proposal follows
- `assessment_judge`   the assessor's own level for a domain (or "overall"); departing from the proposal
                       needs a reason, text naming two levels ("Moderate/serious") needs a choice and a reason
- `assessment_save`    the whole form at once (answers, support, judgements, overall) -- one revision
- `assessment_submit`  every domain judged -> submitted; with N submitted the item settles: equal domain and
                       overall judgements -> consensus by agreement, else an open conflict
- `assessment_reopen`  back to draft (withdraws an agreement; not once consensus was settled)
- `consensus_settle`   owner (if the review allows) or arbiter settles a conflict domain by domain

Every change writes audit events with the changed parts before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from extraction.models import OutcomeMeasure
from extraction.selectors import StudyResult, study_results
from reviewapp.dualwork.models import ResolutionMethod
from reviewapp.dualwork.services import DualWork, WorkState
from reviewapp.models import Review, Study
from reviewapp.permissions import can_resolve_conflicts, membership_for

from .models import (
    Assessment,
    AssessmentConflict,
    AssessmentRevision,
    AssessmentStatus,
    ConsensusAssessment,
    Effect,
    RobItem,
    ToolKey,
)
from .tools import RobError, get_tool
from .tools.base import Tool
from .tools.tables import enter_judgement

OVERALL = "overall"


def compare_key(assessment: Assessment) -> tuple:
    """What two assessments must share to agree: every domain's level and the overall judgement."""
    return (tuple(sorted(assessment.judgements().items())), assessment.overall)


class RobWork(DualWork):
    """Risk of bias on the kernel: the item is a RobItem, the judgement a submitted Assessment."""

    judgement_model = Assessment
    outcome_model = ConsensusAssessment
    conflict_model = AssessmentConflict
    revision_model = AssessmentRevision
    outcome_fields = ("domains", "overall", "overall_reason")
    judge_field = "assessor"
    judgement_noun = "assessment"
    verbs = {
        "added": "assessment.started",
        "changed": "assessment.changed",
        "retracted": "assessment.retracted",
        "reached": "rob_consensus.reached",
        "withdrawn": "rob_consensus.withdrawn",
        "opened": "rob_conflict.opened",
        "resolved": "rob_conflict.resolved",
    }

    def lock_item(self, review, item):
        row = (
            RobItem.objects.select_for_update().select_related("study").filter(review=review, pk=item["item"])
        )
        found = row.first()
        if found is None:
            raise ValidationError({"item": "No such risk-of-bias assessment item in this review."})
        return {"item": found}

    def compare(self, state):
        return compare_key

    def settle(self, state, actor):
        """Only submitted assessments count; drafts are work in progress."""
        everything = state.judgements
        state.judgements = [a for a in everything if a.is_submitted]
        try:
            return super().settle(state, actor)
        finally:
            state.judgements = everything

    def agreed_values(self, state, value):
        first = next(a for a in state.judgements if a.is_submitted)
        domains = {
            d: {
                "judgement": level,
                "support": (first.domains.get(d) or {}).get("support", ""),
                "settled_by": None,
            }
            for d, level in value[0]
        }
        return {"domains": domains, "overall": value[1], "overall_reason": first.overall_reason}

    def revision_values(self, a):
        return {
            "review_id": a.review_id,
            "item_id": a.item_id,
            "assessor_id": a.assessor_id,
            "assessment_id": a.pk,
            "status": a.status,
            "answers": a.answers,
            "support": a.support,
            "domains": a.domains,
            "overall": a.overall,
            "overall_reason": a.overall_reason,
            "assessed_at": a.updated_at,
        }

    def event_subject(self, state):
        item = state.item["item"]
        # "stage" names the item for the core's blinded timeline (registry.blinded_events)
        subject = {"item": item.pk, "stage": f"rob-{item.pk}", "study": item.study_id, "tool": item.tool}
        return {**subject, **getattr(state, "detail", {})}

    def outcome_summary(self, values):
        return {"overall": values.get("overall", "")}

    def outcome_event_data(self, values):
        return {
            "overall": values.get("overall", ""),
            "domains": {d: e["judgement"] for d, e in values["domains"].items()},
        }

    def settle_by(self, state: WorkState, actor, *, values: dict[str, Any], note: str, method: str):
        """Close the conflict with the settled values (the kernel's arbitration, with our method)."""
        self.conflict_close(state, actor)
        self.outcome_write(state, actor, values, method=method, note=note)
        self._event(
            state,
            actor,
            "resolved",
            conflict=state.conflict.pk,
            **self.outcome_summary(values),
            method=method,
        )
        return state.outcome


WORK = RobWork()


# --- helpers ---------------------------------------------------------------------------------------------


def _require_reviewer(review: Review, actor) -> None:
    member = membership_for(actor, review)
    if member is None or not member.is_reviewer:
        raise PermissionDenied("Only reviewers of this review assess risk of bias.")


def _tool_of(item: RobItem) -> Tool:
    return get_tool(item.tool, effect=item.effect)


def _mine(review: Review, actor, assessment_id: int) -> tuple[WorkState, Assessment]:
    _require_reviewer(review, actor)
    row = Assessment.objects.filter(review=review, pk=assessment_id).values("item_id", "assessor_id").first()
    if row is None:
        raise ValidationError({"assessment": "No such assessment in this review."})
    if row["assessor_id"] != actor.pk:
        raise PermissionDenied("Only the assessor changes an assessment.")
    state = WORK.lock(review, item=row["item_id"])
    assessment = state.judgement_of(actor)
    assert assessment is not None and assessment.pk == assessment_id
    return state, assessment


def _closed(state: WorkState) -> str | None:
    if state.outcome and state.outcome.method != ResolutionMethod.AGREEMENT:
        method = state.outcome.get_method_display().lower()
        return f"This item was settled by {method}; its assessments are closed."
    return None


def _refuse(exc: RobError, field: str) -> ValidationError:
    return ValidationError({field: str(exc)})


def _recompute(tool: Tool, answers: dict, domains: dict) -> dict:
    """Each domain's proposal from its answers (None without answers); own judgements kept."""
    out = {}
    for d in tool.domain_keys:
        entry = dict(domains.get(d) or {})
        given = answers.get(d) or {}
        entry["proposed"] = tool.propose_domain(d, given).judgement if given else None
        entry.setdefault("judgement", None)
        entry.setdefault("reason", "")
        entry.setdefault("support", "")
        if entry["judgement"] is not None and entry["judgement"] == entry["proposed"]:
            entry["judgement"], entry["reason"] = None, ""
        out[d] = entry
    return out


def _overall(tool: Tool, domains: dict, chosen: str, reason: str) -> tuple[str, str, str]:
    """(overall, proposed, reason): the tool's rule over the effective domain levels, or the assessor's."""
    if not tool.has_overall:
        return "", "", ""
    levels = {d: e.get("judgement") or e.get("proposed") for d, e in domains.items()}
    levels = {d: v for d, v in levels.items() if v}
    proposed = tool.propose_overall(levels).judgement or ""
    if chosen:
        try:
            chosen = tool.parse_judgement(chosen)
        except RobError as exc:
            raise _refuse(exc, OVERALL) from None
        if chosen != proposed and not reason.strip():
            rule = (
                f"the overall rule gives {tool.level(proposed).label}"
                if proposed
                else "no overall rule applies yet"
            )
            raise ValidationError(
                {OVERALL: f"Overall: {rule}; give a reason for {tool.level(chosen).label}."}
            )
    final = chosen or proposed
    return final, proposed, reason.strip() if final != proposed else ""


def _diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {"before": {k: before.get(k) for k in changed}, "after": {k: after.get(k) for k in changed}}


_FIELDS = ("status", "answers", "support", "domains", "overall", "overall_proposed", "overall_reason")


def _write(
    state: WorkState, actor, assessment: Assessment, *, also: dict | None = None, **values
) -> Assessment:
    """The kernel's change (revision + event) with the changed fields before/after in the event; `also`
    are fields saved with them but not described (the submission time)."""
    before = {k: getattr(assessment, k) for k in _FIELDS}
    after = {**before, **values}
    if before == after:
        return assessment
    state.detail = _diff(before, after)
    changed = {k: v for k, v in values.items() if before[k] != v}
    try:
        return WORK.judgement_change(state, actor, assessment, **changed, **(also or {}))
    finally:
        state.detail = {}


def _apply(
    tool: Tool,
    assessment: Assessment,
    *,
    answers: Mapping[str, Mapping[str, str]] | None = None,
    support: Mapping[str, Mapping[str, str]] | None = None,
    judgements: Mapping[str, Mapping[str, str]] | None = None,
    overall: str | None = None,
    overall_reason: str | None = None,
) -> dict[str, Any]:
    """The new field values after applying a form's worth of changes (validated; nothing saved)."""
    new_answers = {d: dict(v) for d, v in assessment.answers.items()}
    new_support = {d: dict(v) for d, v in assessment.support.items()}
    for d, given in (answers or {}).items():
        try:
            tool.domain(d)
            cleaned = {q: a for q, a in given.items() if a}
            tool.validate_answers(d, cleaned)
        except RobError as exc:
            raise _refuse(exc, d) from None
        new_answers[d] = tool.effective_answers(d, cleaned)
    for d, texts in (support or {}).items():
        try:
            tool.domain(d)
        except RobError as exc:
            raise _refuse(exc, d) from None
        new_support[d] = {q: t.strip() for q, t in texts.items() if t and t.strip()}
    new_answers = {d: v for d, v in new_answers.items() if v}
    new_support = {d: v for d, v in new_support.items() if v}
    domains = _recompute(tool, new_answers, assessment.domains)
    for d, entry in (judgements or {}).items():
        if d not in domains:
            raise ValidationError({d: f"{tool.name} has no domain {d!r}."})
        text = (entry.get("judgement") or "").strip()
        domains[d]["support"] = (entry.get("support") or domains[d]["support"] or "").strip()
        if not text:  # follow the proposal
            domains[d]["judgement"], domains[d]["reason"] = None, ""
            continue
        proposed = domains[d]["proposed"]
        try:
            done = enter_judgement(
                tool,
                d,
                text,
                support=domains[d]["support"],
                proposal=tool.propose_domain(d, new_answers.get(d, {})) if proposed else None,
                choice=(entry.get("choice") or None),
                reason=entry.get("reason") or "",
            )
        except RobError as exc:
            raise _refuse(exc, d) from None
        same = done.judgement == proposed
        domains[d]["judgement"] = None if same else done.judgement
        domains[d]["reason"] = "" if same else done.reason
    previous_choice = assessment.overall if assessment.overall != assessment.overall_proposed else ""
    final, proposed, reason = _overall(
        tool,
        domains,
        previous_choice if overall is None else overall,
        assessment.overall_reason if overall_reason is None else overall_reason,
    )
    return {
        "answers": new_answers,
        "support": new_support,
        "domains": domains,
        "overall": final,
        "overall_proposed": proposed,
        "overall_reason": reason,
    }


# --- services -----------------------------------------------------------------------------------------


def _extracted_result(review: Review, study: Study, outcome_id: int, timepoint: str) -> StudyResult:
    """The study's result (outcome x time point) from its consensus outcome data, or a message saying
    which results it has."""
    outcome = OutcomeMeasure.objects.filter(review=review, pk=outcome_id).first()
    if outcome is None:
        raise ValidationError({"outcome": "No such outcome in this review."})
    have = study_results(review, study.pk)
    results = [r for r in have if r.outcome.pk == outcome.pk]
    if timepoint:
        wanted = " ".join(timepoint.split()).casefold()
        results = [r for r in results if r.time_point.casefold() == wanted]
    if len(results) == 1:
        return results[0]
    what = outcome.name + (f" at {timepoint}" if timepoint else "")
    problem = "has no consensus outcome data for" if not results else "has several time points of"
    listed = ", ".join(r.label for r in have) or "none yet"
    message = f"{study.label} {problem} {what} (its extracted results: {listed}). Choose one of them"
    raise ValidationError({"outcome": message + ", or type the result as free text."})


@transaction.atomic
def assessment_start(
    *,
    review: Review,
    actor,
    study_id: int,
    tool: str,
    effect: str = Effect.ASSIGNMENT,
    outcome_label: str = "",
    timepoint: str = "",
    outcome_id: int | None = None,
) -> Assessment:
    """The actor's assessment of the item (created as a draft the first time; the same one after).

    RoB 2 assesses one result: `outcome_id` (with `timepoint` when the study has several) picks it from the
    study's consensus outcome data; without extraction data, `outcome_label` and `timepoint` name it."""
    _require_reviewer(review, actor)
    if tool not in ToolKey.values:
        raise ValidationError({"tool": f"Choose one of {', '.join(ToolKey.values)}."})
    if effect not in Effect.values:
        raise ValidationError({"effect": f"Choose one of {', '.join(Effect.values)}."})
    study = Study.objects.filter(review=review, pk=study_id).first()
    if study is None:
        raise ValidationError({"study": "No such study in this review."})
    outcome_label, timepoint, outcome = outcome_label.strip(), timepoint.strip(), None
    if tool == ToolKey.ROB2 and outcome_id:
        result = _extracted_result(review, study, outcome_id, timepoint)
        outcome, outcome_label, timepoint = result.outcome, result.outcome.name, result.time_point
    if tool == ToolKey.ROB2 and not outcome_label:
        raise ValidationError({"outcome_label": "RoB 2 assesses one result: name its outcome."})
    if tool != ToolKey.ROB2:
        outcome_label, timepoint = "", ""
    if tool == ToolKey.SYRCLE:
        effect = Effect.ASSIGNMENT
    names = {"outcome_label": outcome_label, "timepoint": timepoint}
    item, _ = RobItem.objects.get_or_create(
        review=review, study=study, tool=tool, effect=effect, **names, defaults={"outcome": outcome}
    )
    if outcome is not None and item.outcome_id is None:  # a result typed earlier, now found in the data
        item.outcome = outcome
        item.save(update_fields=["outcome", "updated_at"])
    state = WORK.lock(review, item=item.pk)
    mine = state.judgement_of(actor)
    if mine is not None:
        return mine
    if reason := _closed(state):
        raise ValidationError(reason)
    state.detail = {"result": item.result_label, "effect": item.effect, "outcome": item.outcome_id}
    assessment = WORK.judgement_add(state, actor)
    state.detail = {}
    return assessment


def _change(review: Review, actor, assessment_id: int, **changes) -> Assessment:
    state, assessment = _mine(review, actor, assessment_id)
    if reason := _closed(state):
        raise ValidationError(reason)
    if assessment.is_submitted:
        raise ValidationError("This assessment is submitted: reopen it to change it.")
    values = _apply(_tool_of(state.item["item"]), assessment, **changes)
    return _write(state, actor, assessment, **values)


@transaction.atomic
def assessment_answer(
    *,
    review: Review,
    actor,
    assessment_id: int,
    domain: str,
    answers: Mapping[str, str],
    support: Mapping[str, str] | None = None,
) -> Assessment:
    """Answer a domain's signalling questions (answers left on questions now hidden are dropped)."""
    return _change(
        review,
        actor,
        assessment_id,
        answers={domain: answers},
        support={domain: support} if support else None,
    )


@transaction.atomic
def assessment_judge(
    *,
    review: Review,
    actor,
    assessment_id: int,
    domain: str,
    judgement: str,
    reason: str = "",
    choice: str | None = None,
    support: str = "",
) -> Assessment:
    """The assessor's level for a domain (or domain="overall"); "" follows the tool's proposal."""
    if domain == OVERALL:
        return _change(review, actor, assessment_id, overall=judgement, overall_reason=reason)
    entry = {"judgement": judgement, "reason": reason, "choice": choice or "", "support": support}
    return _change(review, actor, assessment_id, judgements={domain: entry})


@transaction.atomic
def assessment_save(*, review: Review, actor, assessment_id: int, **changes) -> Assessment:
    """A whole form's worth (answers, support, judgements, overall, overall_reason) as one change."""
    return _change(review, actor, assessment_id, **changes)


@transaction.atomic
def assessment_submit(*, review: Review, actor, assessment_id: int) -> Assessment:
    state, assessment = _mine(review, actor, assessment_id)
    if assessment.is_submitted:
        return assessment
    if reason := _closed(state):
        raise ValidationError(reason)
    tool = _tool_of(state.item["item"])
    missing = [tool.domain(d).label for d in tool.domain_keys if not assessment.judgement_of(d)]
    if missing:
        raise ValidationError(f"Judge {', '.join(missing)} before submitting.")
    for d in tool.domain_keys:
        entry = assessment.domains[d]
        if entry.get("judgement") and entry.get("proposed") and not (entry.get("reason") or "").strip():
            raise ValidationError(
                {d: f"{tool.domain(d).label}: give a reason for departing from the proposal."}
            )
    if tool.has_overall and not assessment.overall:
        raise ValidationError({OVERALL: "Give the overall judgement before submitting."})
    _write(state, actor, assessment, status=AssessmentStatus.SUBMITTED, also={"submitted_at": timezone.now()})
    WORK.settle(state, actor)
    return assessment


@transaction.atomic
def assessment_reopen(*, review: Review, actor, assessment_id: int) -> Assessment:
    """Back to draft to change it: an agreement is withdrawn; an open conflict needs consensus allowed."""
    state, assessment = _mine(review, actor, assessment_id)
    if not assessment.is_submitted:
        return assessment
    if reason := _closed(state):
        raise ValidationError(reason)
    if state.conflict_open and not review.allow_consensus:
        raise ValidationError("This item is in conflict and this review settles conflicts by arbitration.")
    _write(state, actor, assessment, status=AssessmentStatus.DRAFT, also={"submitted_at": None})
    WORK.settle(state, actor)
    return assessment


@transaction.atomic
def consensus_settle(
    *,
    review: Review,
    actor,
    item_id: int,
    domains: Mapping[str, Mapping[str, str]],
    overall: str = "",
    overall_reason: str = "",
    note: str = "",
) -> ConsensusAssessment:
    """Settle a conflict: for each domain the assessors differ on, the chosen level (and support text);
    domains they agree on keep their level. Owner (if the review allows it) or arbiter only."""
    member = membership_for(actor, review)
    if member is None or not can_resolve_conflicts(review, member):
        raise PermissionDenied("Only the arbiter (or the owner, if the review allows it) settles consensus.")
    state = WORK.lock(review, item=item_id)
    if not state.conflict_open:
        raise ValidationError("This item has no open conflict to settle.")
    tool = _tool_of(state.item["item"])
    submitted = [a for a in state.judgements if a.is_submitted]
    settled: dict[str, dict] = {}
    for d in tool.domain_keys:
        levels = {a.judgement_of(d) for a in submitted}
        given = domains.get(d) or {}
        text = (given.get("judgement") or "").strip()
        support = (given.get("support") or "").strip() or next(
            (
                (a.domains.get(d) or {}).get("support", "")
                for a in submitted
                if (a.domains.get(d) or {}).get("support")
            ),
            "",
        )
        if not text:
            if len(levels) != 1:
                raise ValidationError(
                    {d: f"{tool.domain(d).label}: the assessments differ; choose the level."}
                )
            settled[d] = {"judgement": levels.pop(), "support": support, "settled_by": None}
            continue
        try:
            level = enter_judgement(
                tool,
                d,
                text,
                support=support,
                choice=given.get("choice") or None,
                reason=given.get("reason") or "",
            ).judgement
        except RobError as exc:
            raise _refuse(exc, d) from None
        differs = len(levels) != 1 or level not in levels
        settled[d] = {
            "judgement": level,
            "support": support,
            "settled_by": actor.username if differs else None,
            "reason": (given.get("reason") or "").strip(),
        }
    final = ""
    if tool.has_overall:
        proposed = tool.propose_overall({d: e["judgement"] for d, e in settled.items()}).judgement or ""
        final, _, overall_reason = _overall(tool, settled, overall, overall_reason)
        if overall and final != proposed and not overall_reason:
            raise ValidationError({OVERALL: "Give a reason for departing from the overall rule."})
    values = {"domains": settled, "overall": final, "overall_reason": overall_reason}
    return WORK.settle_by(
        state, actor, values=values, note=(note or "").strip(), method=ResolutionMethod.CONSENSUS
    )


@transaction.atomic
def items_settle_all(*, review: Review, actor) -> int:
    """After the review's N was lowered: items that now have enough submitted assessments settle."""
    settled = 0
    waiting = RobItem.objects.filter(review=review, consensus__isnull=True, conflict__isnull=True)
    for item_id in list(waiting.values_list("pk", flat=True)):
        state = WORK.lock(review, item=item_id)
        if state.outcome is None and not state.conflict_open:
            WORK.settle(state, actor)
            settled += state.outcome is not None or state.conflict_open
    return settled


@transaction.atomic
def assessment_retract(*, review: Review, actor, assessment_id: int) -> None:
    """Withdraw one's assessment (kept as a revision); not once the item was settled by consensus."""
    state, assessment = _mine(review, actor, assessment_id)
    if reason := _closed(state):
        raise ValidationError(reason)
    if state.conflict_open:
        raise ValidationError("This item is in conflict: reopen and change your assessment instead.")
    WORK.judgement_retract(state, actor, assessment)
    WORK.settle(state, actor)
