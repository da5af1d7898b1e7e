"""Reads for screening, scoped to the review and to what the member may see, in a constant number of queries.

Blinding: while a review is blind, another reviewer's vote on a record is visible only once that record's
voting is complete at that stage (it has a verdict or a conflict). Every read of votes goes through
`votes_visible_to`.
"""

from __future__ import annotations

from ._common import CATEGORIES, SCREEN_FIELDS, User, screening_records
from .dashboard import agreement, progress_chart, progress_series
from .fulltext import included_reports, retrieval_of, sought_reports, studies_of, study_suggestions
from .priority import (
    current_model,
    latest_ranking,
    priority_settings,
    relevance_of,
    screening_sequence,
    stopping_state,
    unscreened_records,
)
from .progress import (
    history_neighbours,
    my_progress,
    my_vote,
    next_record,
    progress_of,
    retracted_vote,
    team_progress,
    worklist_ready,
)
from .setup import (
    assignment_counts,
    label_counts,
    labels_of,
    labels_visible_to,
    open_pilot,
    pilot_agreement,
    pilot_left_for,
    pilot_next_record,
    pilot_progress,
    pilot_results_visible,
    pilot_table,
    pilots_of,
    record_labels,
    records_labelled,
    records_matching,
    title_abstract_complete,
    under_assigned,
)
from .votes import (
    conflict_verdict,
    conflict_votes,
    conflicts_of,
    exclusion_reasons_of,
    verdicts_of,
    votes_visible_to,
    voting_complete,
)

__all__ = [
    "User",
    "SCREEN_FIELDS",
    "screening_records",
    "CATEGORIES",
    "next_record",
    "worklist_ready",
    "my_vote",
    "retracted_vote",
    "history_neighbours",
    "my_progress",
    "progress_of",
    "team_progress",
    "voting_complete",
    "votes_visible_to",
    "conflicts_of",
    "conflict_votes",
    "conflict_verdict",
    "verdicts_of",
    "exclusion_reasons_of",
    "sought_reports",
    "retrieval_of",
    "included_reports",
    "studies_of",
    "study_suggestions",
    "agreement",
    "progress_series",
    "progress_chart",
    "priority_settings",
    "latest_ranking",
    "current_model",
    "relevance_of",
    "screening_sequence",
    "unscreened_records",
    "stopping_state",
    "title_abstract_complete",
    "labels_of",
    "labels_visible_to",
    "record_labels",
    "records_labelled",
    "label_counts",
    "assignment_counts",
    "under_assigned",
    "open_pilot",
    "pilot_left_for",
    "pilots_of",
    "pilot_next_record",
    "pilot_progress",
    "pilot_results_visible",
    "pilot_agreement",
    "pilot_table",
    "records_matching",
]
