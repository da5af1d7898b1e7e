"""What screening adds to the records list (registry.record_column): each record's status per stage and the
viewer's own vote per stage, as annotations, so the list sorts by them on the server (?sort=ft_status).

A status is the record's verdict ("include"/"exclude"), "conflict" while one is open, "awaiting" while it is
up for the stage without either, and "" when it does not go to that stage. None of this depends on anybody's
votes before a record is complete, so blinding holds: "my vote" is the viewer's own.
"""

from __future__ import annotations

from django.db.models import CharField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.expressions import Case, When

from reviewapp.registry import RecordColumn

from .models import Conflict, ConflictStatus, RetrievalStatus, Stage, Verdict, VerdictDecision, Vote

STATUS_TEMPLATE = "screening/_record_status_cell.html"
VOTE_TEMPLATE = "screening/_record_vote_cell.html"


def _up_for(stage: str) -> Q:
    active = Q(duplicate_of__isnull=True, removed_reason="")
    if stage == Stage.TITLE_ABSTRACT:
        return active
    included = Verdict.objects.filter(
        record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT, decision=VerdictDecision.INCLUDE
    )
    return active & Q(Exists(included)) & Q(retrieval__status=RetrievalStatus.RETRIEVED)


def status_at(stage: str):
    def annotate(records, *, review, user):
        conflict = Conflict.objects.filter(record=OuterRef("pk"), stage=stage, status=ConflictStatus.OPEN)
        verdict = Verdict.objects.filter(record=OuterRef("pk"), stage=stage).values("decision")[:1]
        status = Case(
            When(Exists(conflict), then=Value("conflict")),
            When(Exists(verdict), then=Subquery(verdict)),
            When(_up_for(stage), then=Value("awaiting")),
            default=Value(""),
            output_field=CharField(),
        )
        return records.annotate(**{f"{_short(stage)}_status": status})

    return annotate


def my_vote_at(stage: str):
    def annotate(records, *, review, user):
        mine = Vote.objects.filter(record=OuterRef("pk"), stage=stage, reviewer_id=user.pk).values("decision")
        return records.annotate(**{f"my_{_short(stage)}": Subquery(mine[:1], output_field=CharField())})

    return annotate


def _short(stage: str) -> str:
    return "ta" if stage == Stage.TITLE_ABSTRACT else "ft"


COLUMNS = [
    RecordColumn("ta_status", "Title/abstract", status_at(Stage.TITLE_ABSTRACT), STATUS_TEMPLATE),
    RecordColumn("ft_status", "Full text", status_at(Stage.FULL_TEXT), STATUS_TEMPLATE),
    RecordColumn("my_ta", "My vote (T/A)", my_vote_at(Stage.TITLE_ABSTRACT), VOTE_TEMPLATE),
    RecordColumn("my_ft", "My vote (FT)", my_vote_at(Stage.FULL_TEXT), VOTE_TEMPLATE),
]
