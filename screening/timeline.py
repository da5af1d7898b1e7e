"""Readable timeline lines for screening's audit events (registered with reviewapp.registry.event_texts).

Each text is a function of the event's data, so ids, raw choice values and hashes never reach the page:
"vote: 3", "reason: None", "title_abstract" or a sha256 read as words instead.
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat

from .models import ExclusionReason, Stage, VerdictDecision, VerdictMethod


def _stage(data: dict) -> str:
    try:
        return str(Stage(data.get("stage")).label).lower()
    except ValueError:
        return "screening"


def _decision(value) -> str:
    return {VerdictDecision.INCLUDE: "included", VerdictDecision.EXCLUDE: "excluded"}.get(value, "decided")


def _method(value) -> str:
    try:
        return str(VerdictMethod(value).label).lower()
    except ValueError:
        return ""


def _reason(reason_id) -> str:
    if not reason_id:
        return ""
    label = ExclusionReason.objects.filter(pk=reason_id).values_list("label", flat=True).first()
    return f" Reason: {label}." if label else ""


def _note(data: dict) -> str:
    return f" Note: {data['note']}" if data.get("note") else ""


def vote_cast(data: dict) -> str:
    return f"Voted at {_stage(data)}"


def vote_changed(data: dict) -> str:
    return f"Changed their vote at {_stage(data)} (the earlier vote is kept)"


def vote_retracted(data: dict) -> str:
    return f"Undid their vote at {_stage(data)} (the vote is kept in the history)"


def verdict_reached(data: dict) -> str:
    how = _method(data.get("method"))
    text = f"{_decision(data.get('decision')).capitalize()} at {_stage(data)}{f' by {how}' if how else ''}."
    return f"{text}{_reason(data.get('reason'))}{_note(data)}"


def verdict_withdrawn(data: dict) -> str:
    return f"The decision at {_stage(data)} ({_decision(data.get('decision'))}) was withdrawn"


def conflict_opened(data: dict) -> str:
    return f"The votes at {_stage(data)} disagree: a conflict to settle"


def conflict_resolved(data: dict) -> str:
    return f"Conflict at {_stage(data)} resolved: {_decision(data.get('decision'))}"


def conflict_reopened(data: dict) -> str:
    was = _decision(data.get("was_decision")) if data.get("was_decision") else "decided"
    return f"Conflict at {_stage(data)} reopened (it had been {was}).{_note(data)}"


def retrieval_attached(data: dict) -> str:
    name = data.get("file_name") or "a PDF"
    size = f" ({filesizeformat(data['size'])})" if data.get("size") else ""
    return f"Full text attached: {name}{size}"


def retrieval_linked(data: dict) -> str:
    return f"Full text linked: {data.get('url') or 'a link'}"


def retrieval_not_retrieved(data: dict) -> str:
    return f"Full text not retrieved: {data.get('reason') or 'no reason given'}"


TEXTS = {
    "vote.cast": vote_cast,
    "vote.changed": vote_changed,
    "vote.retracted": vote_retracted,
    "verdict.reached": verdict_reached,
    "verdict.withdrawn": verdict_withdrawn,
    "conflict.opened": conflict_opened,
    "conflict.resolved": conflict_resolved,
    "conflict.reopened": conflict_reopened,
    "retrieval.attached": retrieval_attached,
    "retrieval.linked": retrieval_linked,
    "retrieval.not_retrieved": retrieval_not_retrieved,
}
