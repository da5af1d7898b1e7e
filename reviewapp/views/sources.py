"""Search sources, uploading exported files into them, and following an import's progress."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from .. import selectors
from ..forms import ImportForm, RoundForm, SourceForm
from ..services import imports as import_services
from ..services import reviews as review_services
from ..services import rounds as round_services
from .common import add_service_errors, member_page, owner_or_403, page


def _sources_page(
    request, review, member, *, source_form=None, import_form=None, round_form=None, status=200
):
    sources = selectors.sources_of_review(review)
    return page(
        request,
        "reviewapp/sources.html",
        review,
        member,
        "sources",
        status=status,
        sources=sources,
        imports=selectors.imports_of(review),
        rounds=selectors.rounds_of(review),
        round_form=round_form or RoundForm(),
        source_form=source_form or SourceForm(),
        max_bytes=settings.IMPORT_MAX_BYTES,
        import_form=import_form
        or ImportForm(
            sources=selectors.source_choices(review), initial={"source": request.GET.get("source")}
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_list(request, slug):
    """Everyone sees the sources and imports; the owner adds a source here (POST)."""
    review, member = member_page(request, slug)
    if request.method == "GET":
        return _sources_page(request, review, member)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            source = review_services.source_create(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Source '{source.name}' added. Upload its exported records below.")
            return redirect(f"{reverse('source-list', args=[review.slug])}?source={source.pk}#upload")
    return _sources_page(request, review, member, source_form=form, status=400)


@login_required
@require_http_methods(["POST"])
def round_new(request, slug):
    """The owner starts an update round: the searches were run again (the imports that follow join it)."""
    review, member = owner_or_403(request, slug)
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            started = round_services.round_start(review=review, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Round {started.number} ('{started.label}') started. Upload the update searches' results: "
                "each import is compared with every record already in the review, screened ones included.",
            )
            return redirect(f"{reverse('source-list', args=[review.slug])}#rounds")
    return _sources_page(request, review, member, round_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request, slug, pk):
    review, member = owner_or_403(request, slug)
    source = get_object_or_404(selectors.sources_of_review(review), pk=pk)
    form = SourceForm.for_source(source, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_services.source_update(source=source, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Source '{source.name}' saved.")
            return redirect("source-list", review.slug)
    return page(
        request,
        "reviewapp/source_edit.html",
        review,
        member,
        "sources",
        source=source,
        form=form,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request, slug):
    """Upload one or more exported files into a source; each becomes a queued import."""
    review, member = owner_or_403(request, slug)
    sources = selectors.source_choices(review)
    if request.method == "GET":
        form = ImportForm(sources=sources, initial={"source": request.GET.get("source")})
        return page(
            request,
            "reviewapp/import_new.html",
            review,
            member,
            "sources",
            form=form,
            max_bytes=settings.IMPORT_MAX_BYTES,
        )
    form = ImportForm(request.POST, request.FILES, sources=sources)
    if form.is_valid():
        data = form.cleaned_data
        try:
            batches = import_services.import_start_many(
                review=review,
                source=data["source"],
                actor=request.user,
                fmt=data["format"],
                force=data["force"],
                files=[(upload, upload.name) for upload in data["files"]],
            )
        except ValidationError as exc:
            add_service_errors(form, exc, fields={"file": "files", "format": "format", "source": "source"})
            form.add_error(
                None,
                "Nothing was imported. Choose the file(s) again: browsers forget a "
                "chosen file when a form comes back.",
            )
        else:
            names = ", ".join(batch.file_name for batch in batches)
            messages.success(request, f"Importing {names} into '{data['source'].name}'.")
            if len(batches) == 1:
                return redirect("import-detail", review.slug, batches[0].pk)
            return redirect(f"{reverse('source-list', args=[review.slug])}#imports")
    return page(
        request,
        "reviewapp/import_new.html",
        review,
        member,
        "sources",
        form=form,
        status=400,
        max_bytes=settings.IMPORT_MAX_BYTES,
    )


def _batch(review, pk):
    return get_object_or_404(selectors.imports_of(review), pk=pk)


@login_required
@require_GET
def import_detail(request, slug, pk):
    review, member = member_page(request, slug)
    batch = _batch(review, pk)
    return page(
        request,
        "reviewapp/import_detail.html",
        review,
        member,
        "sources",
        batch=batch,
        progress=import_services.import_progress(batch),
    )


@login_required
@require_GET
def import_progress(request, slug, pk):
    """The progress partial the import page polls (htmx) until the import has finished."""
    review, member = member_page(request, slug)
    batch = _batch(review, pk)
    return render(
        request,
        "reviewapp/_import_progress.html",
        {
            "review": review,
            "member": member,
            "batch": batch,
            "progress": import_services.import_progress(batch),
        },
    )
