"""Extraction pages (server-rendered, htmx for autosave and the form builder). Thin: selectors read, services
write, reviewapp.permissions.member_or_404 decides who may see what (outsiders 404, wrong role 403)."""

from __future__ import annotations

from .builder import form_copy, form_detail, form_edit, form_import, form_json, form_list, outcome_list
from .consensus import conflict_detail, conflict_settle, consensus_detail, consensus_list
from .extractions import (
    extraction_page,
    extraction_rows,
    extraction_save,
    extraction_start,
    extraction_state,
    extraction_view,
    index,
    study_board,
)
from .tables import table_detail, table_list

__all__ = [
    "form_list",
    "form_import",
    "form_detail",
    "form_edit",
    "form_json",
    "form_copy",
    "outcome_list",
    "index",
    "study_board",
    "extraction_start",
    "extraction_page",
    "extraction_save",
    "extraction_rows",
    "extraction_state",
    "extraction_view",
    "consensus_list",
    "consensus_detail",
    "conflict_detail",
    "conflict_settle",
    "table_list",
    "table_detail",
]
