"""Risk-of-bias reads, scoped to the review and the reader's role.

- `item_complete()` is the one definition of "complete" for blinding: an item has a consensus or a conflict.
- Assessments are read by reviewers, owners and arbiters (viewers read consensus only); while the review is
  blind an assessor sees others' assessments only on complete items (the kernel's rule), and nobody sees
  another's draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from extraction.selectors import StudyResult, study_results
from reviewapp.dualwork.blinding import visible_judgements
from reviewapp.models import Membership, Review, Role

from .models import Assessment, AssessmentConflict, AssessmentStatus, ConsensusAssessment, RobItem
from .tools import get_tool
from .tools.base import Tool
from .tools.tables import DomainEntry, StudyAssessment

ASSESSMENT_READERS = (Role.REVIEWER, Role.OWNER, Role.ARBITER)


def item_complete(item_ref: str = "item_id") -> Q:
    return Q(Exists(ConsensusAssessment.objects.filter(item_id=OuterRef(item_ref)))) | Q(
        Exists(AssessmentConflict.objects.filter(item_id=OuterRef(item_ref)))
    )


def item_complete_for_events(record_ref: str, stage_ref: str) -> Q:
    """The same rule over audit events, whose data["stage"] names the item as "rob-<id>"."""

    def named(model):
        key = Concat(Value("rob-"), Cast("item_id", CharField()), output_field=CharField())
        return model.objects.annotate(rob_key=key).filter(rob_key=OuterRef(stage_ref))

    return Q(Exists(named(ConsensusAssessment))) | Q(Exists(named(AssessmentConflict)))


def may_read_assessments(member: Membership) -> bool:
    return any(member.has(role) for role in ASSESSMENT_READERS)


def assessments_visible_to(review: Review, member: Membership) -> QuerySet[Assessment]:
    """Own assessments (drafts too) and others' submitted ones the blinding rule allows."""
    if not may_read_assessments(member):
        return Assessment.objects.none()
    rows = (
        Assessment.objects.filter(review=review)
        .filter(Q(assessor=member.user) | Q(status=AssessmentStatus.SUBMITTED))
        .select_related("assessor", "item__study")
        .order_by("id")
    )
    if not member.is_reviewer:  # owners/arbiters who do not assess see only complete items
        return rows.filter(item_complete()) if review.blind else rows
    return visible_judgements(
        rows, review=review, user=member.user, complete=item_complete(), judge_field="assessor"
    )


def items_of(review: Review) -> QuerySet[RobItem]:
    return (
        RobItem.objects.filter(review=review)
        .select_related("study", "consensus", "conflict")
        .prefetch_related("assessments__assessor")
        .order_by("study__label", "tool", "outcome_label", "timepoint", "id")
    )


def consensus_of(review: Review, tool: str | None = None) -> QuerySet[ConsensusAssessment]:
    rows = ConsensusAssessment.objects.filter(review=review).select_related("item__study", "decided_by")
    if tool:
        rows = rows.filter(item__tool=tool)
    # studies in the order they were added to the review (a paper's table order), results within
    return rows.order_by("item__study_id", "item__outcome_label", "item__timepoint", "id")


def study_assessment(tool: Tool, consensus: ConsensusAssessment) -> StudyAssessment:
    item = consensus.item
    entries = {
        d: DomainEntry(d, e["judgement"], e.get("support", ""), None, e.get("reason", ""))
        for d, e in consensus.domains.items()
    }
    return StudyAssessment(
        item.study.label + item.result_suffix,
        entries,
        consensus.overall or None,
        None,
        consensus.overall_reason,
    )


def consensus_table(
    review: Review, tool_key: str, effect: str | None = None
) -> tuple[Tool | None, list[StudyAssessment]]:
    """The tool and the consensus assessments of one tool, as the pure tables/plots take them."""
    rows = list(consensus_of(review, tool_key))
    if effect:
        rows = [c for c in rows if c.item.effect == effect]
    if not rows:
        return None, []
    tool = get_tool(tool_key, effect=rows[0].item.effect)
    return tool, [study_assessment(tool, c) for c in rows]


# --- comparison ------------------------------------------------------------------------------------------


@dataclass
class QuestionRow:
    id: str
    text: str
    answers: list[str]
    supports: list[str]

    @property
    def differs(self) -> bool:
        return len(set(self.answers)) > 1


@dataclass
class DomainRow:
    key: str
    label: str
    name: str
    judgements: list[str | None]
    reasons: list[str]
    supports: list[str]
    questions: list[QuestionRow] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return len(set(self.judgements)) > 1


@dataclass
class Comparison:
    tool: Tool
    assessments: list[Assessment]
    domains: list[DomainRow]
    overall: list[str]

    @property
    def overall_differs(self) -> bool:
        return len(set(self.overall)) > 1

    @property
    def differing(self) -> list[str]:
        return [d.key for d in self.domains if d.differs]


def compare(item: RobItem, assessments: list[Assessment]) -> Comparison:
    """Assessments of one item side by side, domain by domain and question by question."""
    tool = get_tool(item.tool, effect=item.effect)
    rows = []
    for d in tool.domains:
        entries = [a.domains.get(d.key) or {} for a in assessments]
        row = DomainRow(
            d.key,
            d.label,
            d.name,
            [a.judgement_of(d.key) for a in assessments],
            [e.get("reason", "") for e in entries],
            [e.get("support", "") for e in entries],
        )
        for q in d.questions:
            answers = [(a.answers.get(d.key) or {}).get(q.id, "") for a in assessments]
            if any(answers):
                supports = [(a.support.get(d.key) or {}).get(q.id, "") for a in assessments]
                row.questions.append(QuestionRow(q.id, q.text, answers, supports))
        rows.append(row)
    return Comparison(tool, assessments, rows, [a.overall for a in assessments])


def level_label(tool: Tool, key: str | None) -> str:
    if not key:
        return ""
    return tool.level(key).label


def extracted_results(review: Review) -> dict[int, list[StudyResult]]:
    """{study id: its results (outcome x time point) from consensus outcome data}: what RoB 2 can assess
    per result (two queries)."""
    found: dict[int, list[StudyResult]] = {}
    for result in study_results(review):
        found.setdefault(result.study_id, []).append(result)
    return found
