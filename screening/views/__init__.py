"""Screening pages (server-rendered, htmx for the keyboard-driven voting panel). Thin: selectors read,
services write, reviewapp.permissions.member_or_404 decides who may see what."""

from __future__ import annotations

from .conflicts import DECIDED, conflict_detail, conflict_list, conflict_reopen
from .dashboard import dashboard, overview_panel, priority, stop, stop_undo
from .fulltext import bulk, bulk_discard, bulk_upload, fulltext, pdf, reasons, retrieval
from .screen import PAST_TENSE, VOTED_EVENT, index, prepare, progress, screen, undo, vote
from .studies import studies

__all__ = [
    "VOTED_EVENT",
    "screen",
    "vote",
    "PAST_TENSE",
    "undo",
    "prepare",
    "progress",
    "index",
    "conflict_list",
    "conflict_detail",
    "DECIDED",
    "conflict_reopen",
    "fulltext",
    "retrieval",
    "bulk_upload",
    "bulk",
    "bulk_discard",
    "pdf",
    "reasons",
    "studies",
    "dashboard",
    "priority",
    "stop",
    "stop_undo",
    "overview_panel",
]
