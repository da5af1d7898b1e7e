"""Risk-of-bias pages (server-rendered; htmx for the live proposals). Thin: selectors read, services write,
reviewapp.permissions.member_or_404 decides who may see what (outsiders 404)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.permissions import REVIEWER, can_resolve_conflicts, member_or_404

from . import selectors, services
from .api.serializers import item_status
from .api.views import proposal_data
from .exports import rob_xlsx
from .models import Assessment, Effect, RobItem, ToolKey
from .plots import summary_plot, traffic_light
from .tools import AmbiguousJudgement, RobError, get_tool
from .tools.tables import csv_text, judgement_table, traffic_light_rows

STATUS_LABELS = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "conflict": "Conflict",
    "settled": "Settled",
}


def _page(request, template, review, member, status=200, **context):
    context = {"review": review, "member": member, "nav": "risk-of-bias", **context}
    return render(request, template, context, status=status)


def _svg(data: bytes) -> str:
    """matplotlib's SVG without its XML prolog, to inline in the page (text in it is XML-escaped)."""
    text = data.decode("utf-8")
    return mark_safe(text[text.index("<svg") :])  # noqa: S308 - our own drawing; study names escaped


# --- the review's risk-of-bias page ---------------------------------------------------------------------


@login_required
@require_GET
def index(request, slug):
    review, member = member_or_404(request.user, slug)
    items = list(selectors.items_of(review))
    by_study = defaultdict(list)
    for item in items:
        mine = next((a for a in item.assessments.all() if a.assessor_id == request.user.pk), None)
        by_study[item.study_id].append(
            {
                "item": item,
                "status": item_status(item),
                "status_label": STATUS_LABELS[item_status(item)],
                "submitted": sum(a.is_submitted for a in item.assessments.all()),
                "mine": mine,
            }
        )
    results = selectors.extracted_results(review)
    studies = [
        {"study": s, "items": by_study.get(s.pk, []), "results": results.get(s.pk, [])}
        for s in review.studies.order_by("label")
    ]
    figures = []
    for key in ToolKey.values:
        tool, rows = selectors.consensus_table(review, key)
        if tool is None:
            continue
        figures.append(
            {
                "key": key,
                "tool": tool,
                "count": len(rows),
                "traffic_light": _svg(traffic_light(tool, rows)),
                "summary": _svg(summary_plot(tool, rows)),
            }
        )
    return _page(
        request,
        "rob/index.html",
        review,
        member,
        studies=studies,
        figures=figures,
        tools=ToolKey.choices,
        effects=Effect.choices,
        may_assess=member.is_reviewer,
        may_settle=can_resolve_conflicts(review, member),
    )


@login_required
@require_POST
def start(request, slug):
    review, member = member_or_404(request.user, slug, role=REVIEWER)
    try:
        assessment = services.assessment_start(
            review=review,
            actor=request.user,
            study_id=_int(request.POST.get("study")),
            tool=request.POST.get("tool", ""),
            effect=request.POST.get("effect") or Effect.ASSIGNMENT,
            **_result_posted(request),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("rob:index", slug=slug)
    return redirect("rob:assessment", slug=slug, pk=assessment.pk)


def _result_posted(request) -> dict:
    """The RoB 2 result: picked from the extraction ("result" = "<outcome id>|<time point>", or "outcome"
    and "timepoint"), else typed (outcome label and time point)."""
    picked = request.POST.get("result", "")
    if picked:
        outcome, _, timepoint = picked.partition("|")
        return {"outcome_id": _int(outcome) or None, "timepoint": timepoint}
    return {
        "outcome_id": _int(request.POST.get("outcome")) or None,
        "outcome_label": request.POST.get("outcome_label", ""),
        "timepoint": request.POST.get("timepoint", ""),
    }


def _int(value) -> int:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 18 else 0


# --- the assessment form --------------------------------------------------------------------------------


def _posted(request, tool) -> dict:
    """The form's values as the services take them."""
    post = request.POST
    answers, support, judgements = {}, {}, {}
    for d in tool.domains:
        answers[d.key] = {q.id: post.get(f"answer-{d.key}-{q.id}", "") for q in d.questions}
        support[d.key] = {q.id: post.get(f"support-{d.key}-{q.id}", "") for q in d.questions}
        judgements[d.key] = {
            "judgement": post.get(f"judgement-{d.key}", ""),
            "reason": post.get(f"reason-{d.key}", ""),
            "choice": post.get(f"choice-{d.key}", ""),
            "support": post.get(f"dsupport-{d.key}", ""),
        }
    values = {"answers": answers, "support": support, "judgements": judgements}
    if tool.has_overall:
        values.update(overall=post.get("overall", ""), overall_reason=post.get("overall_reason", ""))
    return values


def _stored(assessment: Assessment, tool) -> dict:
    judgements = {}
    for d in tool.domain_keys:
        entry = assessment.domains.get(d) or {}
        judgements[d] = {
            "judgement": tool.level(entry["judgement"]).label if entry.get("judgement") else "",
            "reason": entry.get("reason", ""),
            "choice": "",
            "support": entry.get("support", ""),
        }
    chosen = assessment.overall if assessment.overall != assessment.overall_proposed else ""
    return {
        "answers": assessment.answers,
        "support": assessment.support,
        "judgements": judgements,
        "overall": tool.level(chosen).label if chosen else "",
        "overall_reason": assessment.overall_reason,
    }


def _form_domains(tool, values: dict, errors: dict) -> tuple[list[dict], dict]:
    """Everything the form template shows per domain, from the values (posted or stored)."""
    answers = {d: {q: a for q, a in (values["answers"].get(d) or {}).items() if a} for d in tool.domain_keys}
    own = {d: (values["judgements"].get(d) or {}).get("judgement", "") for d in tool.domain_keys}
    safe_own = {}
    for d, text in own.items():
        try:
            safe_own[d] = tool.parse_judgement(text, d) if text else ""
        except RobError:
            safe_own[d] = ""
    try:
        proposals = proposal_data(tool, answers, safe_own)
    except RobError:
        proposals = proposal_data(tool, {}, safe_own)
    by_key = {p["domain"]: p for p in proposals["domains"]}
    rows = []
    for d in tool.domains:
        p = by_key[d.key]
        entry = values["judgements"].get(d.key) or {}
        candidates = []
        if entry.get("judgement"):
            try:
                tool.parse_judgement(entry["judgement"], d.key)
            except AmbiguousJudgement as exc:
                candidates = [(k, tool.level(k).label) for k in exc.candidates]
            except RobError:
                pass
        questions = []
        for q in d.questions:
            chosen = (values["answers"].get(d.key) or {}).get(q.id, "")
            questions.append(
                {
                    "id": q.id,
                    "slug": q.id.replace(".", "_"),
                    "text": q.text,
                    "heading": q.heading,
                    "options": [(v, label, v == chosen) for v, label in q.option_labels],
                    "support": (values["support"].get(d.key) or {}).get(q.id, ""),
                    "visible": q.id in p["visible"],
                    "condition": q.condition.text if q.condition else "",
                }
            )
        rows.append(
            {
                "key": d.key,
                "label": d.label,
                "name": d.name,
                "note": d.note,
                "questions": questions,
                "proposal": _proposal_view(tool, p),
                "judgement": entry.get("judgement", ""),
                "reason": entry.get("reason", ""),
                "choice": entry.get("choice", ""),
                "support": entry.get("support", ""),
                "candidates": candidates,
                "errors": errors.get(d.key, []),
            }
        )
    overall = {
        "proposed": tool.level(proposals["overall"]).label if proposals["overall"] else "",
        "reasons": proposals["overall_reasons"],
        "value": values.get("overall", ""),
        "reason": values.get("overall_reason", ""),
        "errors": errors.get("overall", []),
    }
    return rows, overall


def _proposal_view(tool, p: dict) -> dict:
    return {
        "key": p["judgement"] or "",
        "label": tool.level(p["judgement"]).label if p["judgement"] else "",
        "reasons": p["reasons"],
        "needs_judgement": p["needs_judgement"],
        "alternatives": [tool.level(k).label for k in p["alternatives"]],
        "visible": " ".join(p["visible"]),
    }


def _my_assessment(request, slug, pk) -> tuple:
    review, member = member_or_404(request.user, slug, role=REVIEWER)
    assessment = (
        Assessment.objects.filter(review=review, pk=pk, assessor=request.user)
        .select_related("item__study")
        .first()
    )
    if assessment is None:
        raise Http404("No such assessment of yours.")
    return review, member, assessment


def _render_form(request, review, member, assessment, values, errors=None, status=200):
    item = assessment.item
    tool = item.definition
    domains, overall = _form_domains(tool, values, errors or {})
    return _page(
        request,
        "rob/assessment.html",
        review,
        member,
        status=status,
        assessment=assessment,
        item=item,
        tool=tool,
        domains=domains,
        overall=overall,
        levels=tool.levels,
        errors=(errors or {}).get("__all__", []),
        editable=not assessment.is_submitted,
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment(request, slug, pk):
    review, member, mine = _my_assessment(request, slug, pk)
    tool = mine.item.definition
    if request.method == "GET":
        return _render_form(request, review, member, mine, _stored(mine, tool))
    action = request.POST.get("action", "save")
    try:
        if action == "reopen":
            services.assessment_reopen(review=review, actor=request.user, assessment_id=mine.pk)
            messages.success(request, "The assessment is a draft again.")
            return redirect("rob:assessment", slug=slug, pk=pk)
        values = _posted(request, tool)
        services.assessment_save(review=review, actor=request.user, assessment_id=mine.pk, **values)
        if action == "submit":
            services.assessment_submit(review=review, actor=request.user, assessment_id=mine.pk)
            messages.success(request, "Assessment submitted.")
            return redirect("rob:index", slug=slug)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        mine.refresh_from_db()
        values = _posted(request, tool) if action != "reopen" else _stored(mine, tool)
        return _render_form(request, review, member, mine, values, errors, status=422)
    messages.success(request, "Saved.")
    return redirect("rob:assessment", slug=slug, pk=pk)


@login_required
@require_POST
def propose(request, slug, pk):
    """htmx: the proposals for the answers on the form, nothing saved (out-of-band swaps per domain)."""
    review, member, mine = _my_assessment(request, slug, pk)
    tool = mine.item.definition
    domains, overall = _form_domains(tool, _posted(request, tool), {})
    return render(request, "rob/_proposals.html", {"domains": domains, "overall": overall, "tool": tool})


# --- comparison and consensus ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def item_detail(request, slug, pk):
    review, member = member_or_404(request.user, slug)
    item = get_object_or_404(
        RobItem.objects.select_related("study", "consensus__decided_by", "conflict"), review=review, pk=pk
    )
    tool = item.definition
    may_settle = can_resolve_conflicts(review, member)
    errors: dict = {}
    posted: dict = {}
    if request.method == "POST":
        if not may_settle:
            raise PermissionDenied(
                "Only the arbiter (or the owner, if the review allows it) settles consensus."
            )
        posted = {
            d: {
                "judgement": request.POST.get(f"judgement-{d}", ""),
                "reason": request.POST.get(f"reason-{d}", ""),
                "choice": request.POST.get(f"choice-{d}", ""),
                "support": request.POST.get(f"support-{d}", ""),
            }
            for d in tool.domain_keys
        }
        try:
            services.consensus_settle(
                review=review,
                actor=request.user,
                item_id=item.pk,
                domains=posted,
                overall=request.POST.get("overall", ""),
                overall_reason=request.POST.get("overall_reason", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, "Consensus recorded.")
            return redirect("rob:item", slug=slug, pk=pk)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    comparison = None
    if selectors.may_read_assessments(member):
        visible = [
            a
            for a in selectors.assessments_visible_to(review, member).filter(item=item)
            if a.is_submitted or a.assessor_id == request.user.pk
        ]
        if visible:
            comparison = selectors.compare(item, visible)
    consensus = getattr(item, "consensus", None)
    rows = []
    if comparison:
        for d in comparison.domains:
            rows.append(
                {
                    "d": d,
                    "cells": [
                        (selectors.level_label(tool, j), why) for j, why in zip(d.judgements, d.reasons)
                    ],
                    "posted": posted.get(d.key, {}),
                    "errors": errors.get(d.key, []),
                    "consensus": (consensus.domains.get(d.key) if consensus else None),
                }
            )
    return _page(
        request,
        "rob/item.html",
        review,
        member,
        status=422 if errors else 200,
        item=item,
        tool=tool,
        comparison=comparison,
        rows=rows,
        overall_labels=[selectors.level_label(tool, o) for o in comparison.overall] if comparison else [],
        consensus=consensus,
        consensus_rows=[
            {
                "label": d.label,
                "name": d.name,
                "entry": consensus.domains.get(d.key, {}),
                "level": selectors.level_label(tool, consensus.domains.get(d.key, {}).get("judgement")),
            }
            for d in tool.domains
        ]
        if consensus
        else [],
        consensus_overall=selectors.level_label(tool, consensus.overall) if consensus else "",
        conflict_open=getattr(item, "conflict", None) is not None and item.conflict.is_open,
        may_settle=may_settle,
        levels=tool.levels,
        errors=errors.get("__all__", []) + errors.get("overall", []),
    )


# --- tables, figures and downloads ----------------------------------------------------------------------


def _consensus_or_404(review, tool_key: str):
    if tool_key not in ToolKey.values:
        raise Http404("No such tool.")
    tool, rows = selectors.consensus_table(review, tool_key)
    if tool is None:
        tool = get_tool(tool_key)
    return tool, rows


@login_required
@require_GET
def table(request, slug, tool_key):
    review, member = member_or_404(request.user, slug)
    tool, rows = _consensus_or_404(review, tool_key)
    grid = judgement_table(tool, rows) if rows else []
    return _page(
        request,
        "rob/table.html",
        review,
        member,
        tool=tool,
        tool_key=tool_key,
        header=grid[:1],
        body=grid[1:],
    )


@login_required
@require_GET
def export(request, slug, tool_key, fmt):
    review, member = member_or_404(request.user, slug)
    tool, rows = _consensus_or_404(review, tool_key)
    name = f"{review.slug}-{tool_key}-risk-of-bias"
    if fmt == "csv":
        response = HttpResponse(
            csv_text(traffic_light_rows(tool, rows)), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            rob_xlsx(tool, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404("No such format.")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def dashboard_panel(request, review, member):
    """The review overview's risk-of-bias panel: how many items are settled, in conflict, in progress."""
    counts = dict.fromkeys(STATUS_LABELS, 0)
    for item in RobItem.objects.filter(review=review).select_related("consensus", "conflict"):
        counts[item_status(item)] += 1
    return {
        "template": "rob/_panel.html",
        "rob_counts": counts,
        "rob_url": reverse("rob:index", kwargs={"slug": review.slug}),
    }
