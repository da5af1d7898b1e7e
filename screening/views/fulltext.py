"""Full text: retrieval of reports (one by one and bulk PDF uploads), their PDFs, exclusion reasons."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.models import Role
from reviewapp.permissions import OWNER_OR_REVIEWER, member_or_404
from reviewapp.views.common import redirect_back

from .. import selectors
from ..api.views import pdf_response
from ..forms import AttachForm, LinkForm, NotRetrievedForm, ReasonsForm
from ..services import fulltext as fulltext_services
from ._common import _context, _posted_id

# --- full text ------------------------------------------------------------------------------------


@login_required
@require_GET
def fulltext(request, slug: str):
    review, member = member_or_404(request.user, slug)
    reports = selectors.sought_reports(review)
    status = request.GET.get("status", "")
    if status == "sought":
        reports = reports.filter(retrieval__isnull=True)
    elif status:
        reports = reports.filter(retrieval__status=status)
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    reasons = selectors.exclusion_reasons_of(review)
    return render(
        request,
        "screening/fulltext.html",
        _context(
            review,
            member,
            "fulltext",
            page=page,
            status=status,
            may_retrieve=member.is_owner or member.is_reviewer,
            reasons=reasons,
            reasons_form=ReasonsForm(initial={"labels": "\n".join(r.label for r in reasons)}),
        ),
    )


@login_required
@require_POST
def retrieval(request, slug: str, record_id: int):
    review, member = member_or_404(request.user, slug, role=OWNER_OR_REVIEWER)
    action = request.POST.get("action")
    forms = {
        "attach": AttachForm(request.POST, request.FILES),
        "link": LinkForm(request.POST),
        "not_retrieved": NotRetrievedForm(request.POST),
    }
    form = forms.get(action)
    problems, saved = [], False
    if form is None:
        problems = ["Choose what to record: a PDF, a link, or not retrieved."]
    elif not form.is_valid():
        problems = ["; ".join(f"{k}: {', '.join(v)}" for k, v in form.errors.items())]
    else:
        try:
            _retrieval_apply(review, request.user, record_id, action, form.cleaned_data)
            saved = True
        except ValidationError as error:
            problems = error.messages
    if request.htmx:  # the row alone, swapped in place (static/js: no page reload)
        return _retrieval_row(request, review, member, record_id, saved=saved, problems=problems)
    for message in problems:
        messages.error(request, message)
    if saved:
        messages.success(request, "Saved.")
    return redirect_back(request, reverse("screening:fulltext", kwargs={"slug": slug}))


def _retrieval_row(request, review, member, record_id: int, *, saved: bool, problems: list[str]):
    record = selectors.sought_reports(review).filter(pk=record_id).first()
    if record is None:
        raise Http404("No such report in this review.")
    context = _context(
        review,
        member,
        "fulltext",
        record=record,
        may_retrieve=member.is_owner or member.is_reviewer,
        row_saved=saved,
        row_problems=problems,
    )
    return render(request, "screening/_retrieval_row.html", context)


@login_required
@require_POST
def bulk_upload(request, slug: str):
    review, member = member_or_404(request.user, slug, role=(Role.OWNER, Role.REVIEWER))
    try:
        token = fulltext_services.retrieval_bulk_stage(
            review=review, actor=request.user, uploads=request.FILES.getlist("files")
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("screening:fulltext", slug=slug)
    return redirect("screening:bulk", slug=slug, token=token)


@login_required
@require_http_methods(["GET", "POST"])
def bulk(request, slug: str, token: str):
    """The match report of a bulk upload: before attaching (the proposed record per file, changeable) and
    after (what was attached, what is left, and why)."""
    review, member = member_or_404(request.user, slug, role=(Role.OWNER, Role.REVIEWER))
    files = fulltext_services.bulk_manifest(review, token)
    if files is None:
        raise Http404("No such upload.")
    if request.method == "POST":
        choices = {entry["index"]: _posted_id(request, f"record-{entry['index']}") or None for entry in files}
        files = fulltext_services.retrieval_bulk_attach(
            review=review, actor=request.user, token=token, choices=choices
        )
        attached = sum(1 for entry in files if entry.get("attached"))
        left = len(files) - attached
        messages.success(request, f"Attached: {attached} · not attached: {left} (listed below, kept here).")
        return redirect("screening:bulk", slug=slug, token=token)
    candidates = fulltext_services.bulk_candidates(review)
    return render(
        request,
        "screening/bulk.html",
        _context(
            review,
            member,
            "fulltext",
            files=files,
            token=token,
            candidates=candidates,
            titles={r.pk: r.title for r in candidates},
            pending=any("path" in e and not e.get("attached") for e in files),
        ),
    )


@login_required
@require_POST
def bulk_discard(request, slug: str, token: str):
    """Cancel a bulk upload: the files not attached yet are deleted (attached ones stay with their report)."""
    review, _ = member_or_404(request.user, slug, role=(Role.OWNER, Role.REVIEWER))
    dropped = fulltext_services.retrieval_bulk_discard(review=review, actor=request.user, token=token)
    messages.success(
        request, f"Bulk upload discarded: {dropped} file{'' if dropped == 1 else 's'} not attached deleted."
    )
    return redirect("screening:fulltext", slug=slug)


def _retrieval_apply(review, user, record_id: int, action: str, values: dict) -> None:
    if action == "attach":
        fulltext_services.retrieval_attach_pdf(
            review=review, actor=user, record_id=record_id, upload=values["file"]
        )
    elif action == "link":
        fulltext_services.retrieval_link(review=review, actor=user, record_id=record_id, url=values["url"])
    else:
        fulltext_services.retrieval_not_retrieved(
            review=review, actor=user, record_id=record_id, reason=values["reason"]
        )


@login_required
@require_GET
def pdf(request, slug: str, record_id: int):
    review, _ = member_or_404(request.user, slug)
    return pdf_response(review, record_id)


@login_required
@require_POST
def reasons(request, slug: str):
    review, _ = member_or_404(request.user, slug, role=Role.OWNER)
    form = ReasonsForm(request.POST)
    if form.is_valid():
        fulltext_services.exclusion_reasons_set(
            review=review, actor=request.user, labels=form.cleaned_data["labels"]
        )
        messages.success(request, "Exclusion reasons saved.")
    return redirect("screening:fulltext", slug=slug)
