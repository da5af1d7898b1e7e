"""Browsing, searching and filtering records; one record with its history; removing and restoring."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import registry, selectors
from ..api.filters import RecordFilter
from ..forms import RecordRemoveForm, style_record_filter_form
from ..models import ImportBatch, Record
from ..services import duplicates as dup_services
from .common import add_service_errors, member_page, owner_or_403, page, paginate

PER_PAGE = 50
EVENT_TEXT = {
    "import.succeeded": "Imported from {file} into {source} ({records} records, {format})",
    "duplicate.auto_merged": "Merged automatically as a duplicate",
    "duplicate.merged": "Merged as a duplicate by a person",
    "duplicate.rejected": "Marked as not a duplicate",
    "duplicate.unmerged": "Merge undone",
    "record.removed": "Removed before screening ({reason}) {note}",
    "record.restored": "Restored (was removed: {before})",
    "review.backed_up": "Backed up the review ({rows} rows, {files} files)",
    "review.restored": "Restored from a backup of '{source_slug}' made {backup_created_at} ({rows} rows)",
}


class _Blank(dict):
    def __missing__(self, key):
        return ""


def describe(event, record: Record) -> dict:
    """A timeline line: readable text for known verbs, 'verb: key=value' for others (e.g. screening's)."""
    template = EVENT_TEXT.get(event.verb) or registry.EVENT_TEXTS.get(event.verb)
    data = event.data if isinstance(event.data, dict) else {}
    if template:
        text = template.format_map(_Blank(data)).strip()
    else:
        details = ", ".join(f"{key}: {value}" for key, value in data.items())
        text = f"{event.verb}{' — ' + details if details else ''}"
    other = event.other_record_id if event.record_id == record.pk else event.record_id
    return {"event": event, "text": text, "other": other if other != record.pk else None}


@login_required
@require_GET
def record_list(request, slug):
    review, member = member_page(request, slug)
    sources = list(selectors.source_choices(review))
    filterset = RecordFilter(request.GET or None, queryset=selectors.records_of(review), request=request)
    style_record_filter_form(filterset.form, sources)
    records = paginate(request, filterset.qs, PER_PAGE)
    names = selectors.sources_of_records(records.object_list)
    rows = [(record, names.get(record.pk) or [record.source.name]) for record in records]
    batch = _batch_filtered(review, filterset)
    return page(
        request,
        "reviewapp/records.html",
        review,
        member,
        "records",
        filter=filterset,
        form=filterset.form,
        records=records,
        rows=rows,
        batch=batch,
        filtered=any(value for key, value in request.GET.items() if key != "page"),
        export_query=_export_query(request),
    )


def _export_query(request) -> str:
    """The list's filters (not its page) for the export buttons, which export exactly the filtered list."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _batch_filtered(review, filterset) -> ImportBatch | None:
    """The import the list is narrowed to (?batch=ID from an import page), to name it above the list."""
    batch_id = filterset.form.cleaned_data.get("batch") if filterset.form.is_valid() else None
    return selectors.imports_of(review).filter(pk=batch_id).first() if batch_id else None


def _record(review, pk) -> Record:
    try:
        return selectors.record_detail(review, pk)
    except Record.DoesNotExist:
        raise Http404("No such record in this review.") from None


def _detail_page(request, review, member, record, *, remove_form=None, status=200):
    return page(
        request,
        "reviewapp/record_detail.html",
        review,
        member,
        "records",
        status=status,
        record=record,
        sources=selectors.sources_of_records([record]).get(record.pk) or [record.source.name],
        duplicates=selectors.duplicates_of_record(record),
        candidates=selectors.candidates_of_record(record)[:50],
        timeline=[describe(event, record) for event in selectors.record_timeline(record, request.user)],
        remove_form=remove_form or RecordRemoveForm(),
    )


@login_required
@require_GET
def record_detail(request, slug, pk):
    review, member = member_page(request, slug)
    return _detail_page(request, review, member, _record(review, pk))


@login_required
@require_http_methods(["POST"])
def record_remove(request, slug, pk):
    review, member = owner_or_403(request, slug)
    record = _record(review, pk)
    form = RecordRemoveForm(request.POST)
    if form.is_valid():
        try:
            dup_services.record_remove(record=record, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Record removed before screening.")
            return redirect("record-detail", review.slug, record.pk)
    return _detail_page(request, review, member, record, remove_form=form, status=400)


@login_required
@require_POST
def record_restore(request, slug, pk):
    review, member = owner_or_403(request, slug)
    record = _record(review, pk)
    dup_services.record_restore(record=record, actor=request.user)
    messages.success(request, "Record restored: it goes on to screening again.")
    return redirect("record-detail", review.slug, record.pk)
