"""Browsing, searching and filtering records; one record with its history; removing and restoring."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import registry, selectors
from ..api.filters import RecordFilter
from ..forms import RecordRemoveForm, style_record_filter_form
from ..models import ImportBatch, Record, RemovalReason
from ..services import duplicates as dup_services
from .common import add_service_errors, member_page, owner_or_403, page, paginate

PER_PAGE = 50


def _removal(data: dict) -> str:
    reason = _label(RemovalReason, data.get("reason"))
    note = f": {data['note']}" if data.get("note") else ""
    return f"Removed before screening ({reason}){note}"


def _restored(data: dict) -> str:
    return f"Restored (it had been removed: {_label(RemovalReason, data.get('before'))})"


def _label(choices, value) -> str:
    """A choice's label, lower case ("other reason"); the raw value when it is not one of the choices."""
    try:
        return str(choices(value).label).lower()
    except ValueError:
        return str(value or "no reason given")


# A timeline text is a str.format template over the event's data or a function (data) -> str; apps add
# theirs through registry.event_texts. Unknown verbs read as their verb in words, never as raw data.
EVENT_TEXT = {
    "import.succeeded": "Imported from {file} into {source} ({records} records, {format})",
    "duplicate.auto_merged": "Merged automatically as a duplicate",
    "duplicate.merged": "Merged as a duplicate by a person",
    "duplicate.rejected": "Marked as not a duplicate",
    "duplicate.unmerged": "Merge undone",
    "record.removed": _removal,
    "record.restored": _restored,
    "review.backed_up": "Backed up the review ({rows} rows, {files} files)",
    "review.restored": "Restored from a backup of '{source_slug}' made {backup_created_at} ({rows} rows)",
}


class _Blank(dict):
    """Event data for a template: a missing or empty (None) value reads as nothing, never as "None"."""

    def __init__(self, data: dict):
        super().__init__({key: value for key, value in data.items() if value is not None})

    def __missing__(self, key):
        return ""


def verb_in_words(verb: str) -> str:
    """ "exclusion_reasons.set" -> "Exclusion reasons set": a readable line for a verb with no text."""
    words = verb.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def event_text(event) -> str:
    template = EVENT_TEXT.get(event.verb) or registry.EVENT_TEXTS.get(event.verb)
    data = event.data if isinstance(event.data, dict) else {}
    if callable(template):
        return template(data).strip()
    if template:
        return " ".join(template.format_map(_Blank(data)).split())
    return verb_in_words(event.verb)


def describe(event, record: Record) -> dict:
    """A timeline line: readable text for known verbs (the core's and the apps'), the verb in words else."""
    other = event.other_record_id if event.record_id == record.pk else event.record_id
    return {"event": event, "text": event_text(event), "other": other if other != record.pk else None}


@login_required
@require_GET
def record_list(request, slug):
    review, member = member_page(request, slug)
    sources = list(selectors.source_choices(review))
    columns = list(registry.RECORD_COLUMNS)
    listed = selectors.records_of(review)
    for column in columns:
        listed = column.annotate(listed, review=review, user=request.user)
    filterset = RecordFilter(request.GET or None, queryset=listed, request=request)
    style_record_filter_form(filterset.form, sources)
    sort = _sort_of(request, columns)
    records = paginate(request, filterset.qs.order_by(*_ordering(sort)), PER_PAGE)
    names = selectors.sources_of_records(records.object_list)
    rows = [(record, names.get(record.pk) or [record.source.name]) for record in records]
    for record, _ in rows:
        record.list_cells = _cells(record, columns)  # the apps' columns (registry.record_column)
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
        filtered=any(value for key, value in request.GET.items() if key not in ("page", "sort")),
        headers=_headers(sort, columns),
        column_headers=[_headers(sort, columns)[column.key] for column in columns],
        sort=sort,
        export_query=_export_query(request),
    )


def _export_query(request) -> str:
    """The list's filters (not its page or order) for the export buttons, which export exactly the filtered
    list."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return query.urlencode()


SORTABLE = {"id": "#", "title": "Title", "year": "Year", "journal": "Journal"}  # the core's columns


def _sort_of(request, columns) -> str:
    """?sort=year or ?sort=-year: a known column (an app's too), else the list's own order (by id)."""
    sort = request.GET.get("sort", "")
    keys = {*SORTABLE, *(column.key for column in columns)}
    return sort if sort.removeprefix("-") in keys else ""


def _ordering(sort: str) -> list:
    if not sort:
        return ["id"]
    key = sort.removeprefix("-")
    field = F(key).desc(nulls_last=True) if sort.startswith("-") else F(key).asc(nulls_last=True)
    return [field, "id"]


def _headers(sort: str, columns) -> dict[str, dict]:
    """Per sortable column: its label, the sort a click asks for (ascending first, then descending) and
    whether the list is sorted by it now ("asc"/"desc")."""
    labels = {**SORTABLE, **{column.key: column.label for column in columns}}
    headers = {}
    for key, label in labels.items():
        now = "asc" if sort == key else "desc" if sort == f"-{key}" else ""
        headers[key] = {"key": key, "label": label, "next": f"-{key}" if now == "asc" else key, "now": now}
    return headers


def _cells(record, columns) -> list[dict]:
    return [{"template": c.template, "value": getattr(record, c.key, None), "key": c.key} for c in columns]


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
