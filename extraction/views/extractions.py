"""Studies and extractions: the study board, a reviewer's extraction (autosave, rows, state), its view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from reviewapp.models import Role
from reviewapp.permissions import member_or_404

from .. import pages, selectors
from ..models import ExtractionStatus, Form
from ..permissions import may_read_extractions
from ..services import extractions as extraction_services
from ..services import forms as form_services
from ..services.extractions import StaleVersion
from ._common import _errors, _expected, _form, _page

# --- studies and extractions --------------------------------------------------------------------------


@login_required
@require_GET
def index(request, slug):
    review, member = member_or_404(request.user, slug)
    first = Form.objects.filter(review=review, is_active=True).order_by("title", "id").first()
    if first and may_read_extractions(member):
        return redirect("extraction:studies", slug=slug, pk=first.pk)
    return redirect("extraction:forms", slug=slug)


@login_required
@require_GET
def study_board(request, slug, pk):
    review, member = member_or_404(request.user, slug)
    if not may_read_extractions(member):
        raise PermissionDenied("Viewers read consensus data: see the characteristics tables.")
    form = _form(review, pk)
    return _page(
        request,
        "extraction/studies.html",
        review,
        member,
        "studies",
        form=form,
        rows=selectors.study_board(review, form, request.user),
        forms=Form.objects.filter(review=review).order_by("title"),
    )


@login_required
@require_POST
def extraction_start(request, slug, pk):
    review, _ = member_or_404(request.user, slug, role=Role.REVIEWER)
    try:
        extraction = extraction_services.extraction_start(
            review=review, actor=request.user, study_id=int(request.POST.get("study", 0)), form_id=pk
        )
    except ValidationError as error:
        _errors(request, error)
        return redirect("extraction:studies", slug=slug, pk=pk)
    return redirect("extraction:extraction", slug=slug, pk=extraction.pk)


def _own_extraction(request, slug, pk):
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    extraction = selectors.extraction_for_page(review, pk)
    if extraction is None or extraction.reviewer_id != request.user.pk:
        raise Http404("No such extraction of yours.")
    return review, member, extraction


def _extraction_context(review, member, extraction, **extra):
    measures = list(selectors.outcome_measures_of(review))
    names = {m.key: m.name for m in measures}
    editable = extraction.status == ExtractionStatus.DRAFT
    return {
        "review": review,
        "member": member,
        "nav": "extraction",
        "sub": "studies",
        "x": extraction,
        "sections": pages.sections(extraction.form_version.schema, extraction.answers, editable),
        "outcome_rows": pages.outcome_rows(extraction.outcomes, names, editable),
        "measures": measures,
        "editable": editable,
        "latest_number": extra.pop("latest_number", None),
        **extra,
    }


@login_required
@require_GET
def extraction_page(request, slug, pk):
    review, member, extraction = _own_extraction(request, slug, pk)
    latest = form_services.latest_version(extraction.form)
    context = _extraction_context(review, member, extraction, latest_number=latest.number)
    return render(request, "extraction/extraction.html", context)


def _posted_value(request, path: str):
    values = request.POST.getlist(path)
    unit = request.POST.get(f"{path}__unit")
    if request.POST.get(f"{path}__multi"):
        return values
    value = values[0] if values else ""
    if unit is not None and value.strip():
        return {"value": value, "unit": unit}
    return value


@login_required
@require_POST
def extraction_save(request, slug, pk):
    """Autosave one field (htmx): answers the save status and the new version (out of band)."""
    review, member = member_or_404(request.user, slug, role=Role.REVIEWER)
    path = request.POST.get("path", "")
    status, context = 200, {"path": path}
    try:
        saved = extraction_services.extraction_answer_set(
            extraction_id=pk,
            actor=request.user,
            path=path,
            value=_posted_value(request, path),
            expected_version=_expected(request),
            review=review,
        )
    except StaleVersion as error:
        status, context["error"], context["stale"] = 409, error.messages[0], True
    except PermissionDenied:
        raise Http404("No such extraction of yours.") from None
    except ValidationError as error:
        status, context["error"] = 422, " ".join(error.messages)
    else:
        context.update(x=saved.extraction, saved=True)
        # One query for every save (not only outcome data), so each autosave costs the same.
        names = {m.key: m.name for m in selectors.outcome_measures_of(review)}
        if path.startswith("@outcomes."):
            index = int(path.split(".")[1])
            context["outcome_row"] = pages.outcome_rows(saved.extraction.outcomes, names)[index]
    if "x" not in context:
        context["x"] = selectors.extraction_for_page(review, pk)
        if context["x"] is None or context["x"].reviewer_id != request.user.pk:
            raise Http404("No such extraction of yours.")
    return render(request, "extraction/_save_status.html", context, status=status)


@login_required
@require_POST
def extraction_rows(request, slug, pk):
    """Add or remove a row of a repeatable group or of outcome data; answers the re-rendered form."""
    review, member, extraction = _own_extraction(request, slug, pk)
    action, section = request.POST.get("action"), request.POST.get("section", "")
    common = {"extraction_id": extraction.pk, "actor": request.user, "expected_version": _expected(request)}
    error = None
    try:
        if action == "add":
            extraction_services.extraction_row_add(section_key=section, **common)
        elif action == "remove":
            extraction_services.extraction_row_remove(
                section_key=section, index=int(request.POST.get("index", -1)), **common
            )
        elif action == "add_outcome":
            extraction_services.extraction_outcome_add(
                measure_id=int(request.POST.get("new_measure") or 0),
                time_point=request.POST.get("new_time_point", ""),
                **common,
            )
        elif action == "add_arm":
            index = int(request.POST.get("index", -1))
            extraction_services.extraction_arm_add(
                row_index=index, arm=request.POST.get(f"new_arm_{index}", ""), **common
            )
        else:
            raise ValidationError("Unknown action.")
    except ValidationError as exc:
        error = " ".join(exc.messages)
    extraction = selectors.extraction_for_page(review, pk)
    context = _extraction_context(review, member, extraction, form_error=error)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("extraction:extraction", slug=slug, pk=pk)
    return render(
        request,
        "extraction/_extraction_form.html",
        context,
        status=409 if error and "another tab" in error else 422 if error else 200,
    )


@login_required
@require_POST
def extraction_state(request, slug, pk):
    """Submit, reopen or move to the latest form version."""
    review, member, extraction = _own_extraction(request, slug, pk)
    action = request.POST.get("action")
    services = {
        "submit": extraction_services.extraction_submit,
        "reopen": extraction_services.extraction_reopen,
        "upgrade": extraction_services.extraction_upgrade,
    }
    if action not in services:
        raise Http404("Unknown action.")
    try:
        services[action](extraction_id=extraction.pk, actor=request.user, expected_version=_expected(request))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request,
            {
                "submit": "Submitted.",
                "reopen": "Reopened: you can edit again.",
                "upgrade": "Moved to the latest form version.",
            }[action],
        )
    return redirect("extraction:extraction", slug=slug, pk=pk)


@login_required
@require_GET
def extraction_view(request, slug, pk):
    """Read-only view of an extraction the member may see (blinding applies)."""
    review, member = member_or_404(request.user, slug)
    extraction = selectors.extractions_visible_to(review, member).filter(pk=pk).first()
    if extraction is None:
        raise Http404("No such extraction.")
    names = {m.key: m.name for m in selectors.outcome_measures_of(review)}
    return _page(
        request,
        "extraction/extraction_view.html",
        review,
        member,
        "studies",
        x=extraction,
        sections=pages.sections(extraction.form_version.schema, extraction.answers),
        outcome_rows=pages.outcome_rows(extraction.outcomes, names),
    )
