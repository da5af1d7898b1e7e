"""REST API for screening: thin viewsets that read through selectors and write through services."""

from __future__ import annotations

from ._common import STAGE_PARAM, ScreeningScoped
from .fulltext import ExclusionReasonViewSet, RetrievalViewSet, StudyViewSet, pdf_response
from .progress import AgreementView, PriorityView, ProgressView, StoppingView, StopUndoView, StopView
from .setup import AssignmentViewSet, LabelViewSet, PilotViewSet
from .votes import ConflictViewSet, VerdictViewSet, VoteViewSet, WorklistViewSet

__all__ = [
    "STAGE_PARAM",
    "ScreeningScoped",
    "WorklistViewSet",
    "VoteViewSet",
    "ConflictViewSet",
    "VerdictViewSet",
    "ExclusionReasonViewSet",
    "RetrievalViewSet",
    "pdf_response",
    "StudyViewSet",
    "LabelViewSet",
    "AssignmentViewSet",
    "PilotViewSet",
    "AgreementView",
    "ProgressView",
    "PriorityView",
    "StoppingView",
    "StopView",
    "StopUndoView",
]
