"""Demo step: the perinatal-MSC review's Table 3 (ROBINS-I) entered by two reviewers, and their consensus.

No-op unless the demo review `perinatal-msc-diabetes` exists with studies labelled "Lian 2022", "Chin 2025"
and "Jiang 2011" (another demo builds it). The seed's "Moderate/serious" (Chin 2025, D7) is not a level:
reviewer 1 chooses Serious and reviewer 2 Moderate, each with a reason, so that domain is a conflict the
arbiter settles; everything else agrees. Every write goes through the services.
"""

from __future__ import annotations

from reviewapp.models import Membership, Review
from reviewapp.permissions import can_resolve_conflicts

from . import services
from .models import Assessment, RobItem

SLUG = "perinatal-msc-diabetes"
DASH = " – "
CHIN_D7_REASON = {
    "serious": "Retrospective registry analysis without a protocol; 12-month outcomes reported for a subset.",
    "moderate": "Outcomes listed in the methods are all reported; partial reporting is of follow-up only.",
}
CONSENSUS_NOTE = "Consensus meeting: no protocol, and outcomes reported for a subset only -> Serious."
TABLE3 = {
    "Lian 2022": {
        "d1": "Serious – no control, possible changes in standard therapy",
        "d2": "Serious – convenience sample, small n",
        "d3": "Low – administration regimen standardized",
        "d4": "Moderate – open-label design, possible changes in patient behavior",
        "d5": "Moderate – limited sample size, potential losses",
        "d6": "Low – objective laboratory parameters",
        "d7": "Moderate – open-label design, risk of selective reporting",
    },
    "Chin 2025": {
        "d1": "Serious – no control, possible physician-driven patient selection",
        "d2": "Serious – retrospective inclusion, incomplete registry cohort",
        "d3": "Low – single infusion of 50–100×10 ⁶ UC-MSC",
        "d4": "Moderate – concomitant therapy varies",
        "d5": "Serious – not all patients had 12-month data",
        "d6": "Low – routine standardized measurements",
        "d7": "Moderate/serious – retrospective analysis, partial reporting",
    },
    "Jiang 2011": {
        "d1": "Serious – severely ill patients, no comparable group",
        "d2": "Serious – pilot study, inclusion based on clinical appropriateness",
        "d3": "Low – homogeneous regimen of three infusions",
        "d4": "Moderate – open-label design, possible adaptations of therapy",
        "d5": "Moderate – short follow-up, possible missing data",
        "d6": "Low – HbA1c, C-peptide, insulin doses are objective",
        "d7": "Moderate – pilot without prespecified protocol",
    },
}


def _reviewers(review: Review, users: dict) -> list:
    named = [users.get(k) for k in ("reviewer1", "reviewer2")]
    members = {m.user_id: m for m in Membership.objects.filter(review=review).select_related("user")}
    chosen = [u for u in named if u is not None and u.pk in members and members[u.pk].is_reviewer]
    for m in members.values():
        if len(chosen) >= 2:
            break
        if m.is_reviewer and m.user not in chosen:
            chosen.append(m.user)
    return chosen[:2]


def _settler(review: Review, users: dict):
    members = Membership.objects.filter(review=review).select_related("user").order_by("-is_arbiter", "id")
    return next((m.user for m in members if can_resolve_conflicts(review, m)), None)


def _enter(review: Review, actor, study, cells: dict[str, str], d7_choice: str) -> Assessment:
    assessment = services.assessment_start(review=review, actor=actor, study_id=study.pk, tool="robins_i")
    if assessment.is_submitted:
        return assessment
    judgements = {}
    for domain, cell in cells.items():
        level, _, support = cell.partition(DASH)
        entry = {"judgement": level.strip(), "support": support.strip()}
        if "/" in level:
            entry.update(choice=d7_choice, reason=CHIN_D7_REASON[d7_choice])
        judgements[domain] = entry
    services.assessment_save(review=review, actor=actor, assessment_id=assessment.pk, judgements=judgements)
    return services.assessment_submit(review=review, actor=actor, assessment_id=assessment.pk)


def demo_table3(*, review: Review, users: dict) -> int:
    """Enter Table 3 (see the module docstring); returns how many studies were entered."""
    target = review if review.slug == SLUG else Review.objects.filter(slug=SLUG).first()
    if target is None:
        return 0
    studies = {s.label: s for s in target.studies.filter(label__in=TABLE3)}
    reviewers = _reviewers(target, users)
    if len(studies) < len(TABLE3) or len(reviewers) < 2:
        return 0
    for label, cells in TABLE3.items():
        for actor, choice in zip(reviewers, ("serious", "moderate")):
            _enter(target, actor, studies[label], cells, choice)
    settler = _settler(target, users)
    open_items = RobItem.objects.filter(review=target, study__in=studies.values(), conflict__status="open")
    for item in open_items:
        if settler is None:
            break
        chin_d7 = {"d7": {"judgement": "serious", "reason": CHIN_D7_REASON["serious"]}}
        services.consensus_settle(
            review=target, actor=settler, item_id=item.pk, domains=chin_d7, note=CONSENSUS_NOTE
        )
    return len(studies)
