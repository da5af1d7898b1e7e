"""The owner's Exports page: a download for every section and format, the filtered records list, and the
review backup. Only owners export (other members 403, non-members 404); every download is an audit event."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseBadRequest
from django.views.decorators.http import require_GET

from reviewapp.api.filters import RecordFilter
from reviewapp.backup import BackupError, review_backup_write
from reviewapp.selectors import records_of
from reviewapp.views.common import owner_or_403, page

from . import exports

FILTER_KEYS = ("source", "year_min", "year_max", "has_abstract", "has_title", "status", "q", "doi", "batch")


@login_required
@require_GET
def exports_page(request, slug: str):
    review, member = owner_or_403(request, slug)
    sections = list(exports.SECTIONS.values())
    return page(request, "synthesis/exports.html", review, member, "exports", sections=sections)


def _filters(request) -> dict[str, str]:
    return {key: value for key, value in request.GET.items() if key in FILTER_KEYS and value}


@login_required
@require_GET
def export_download(request, slug: str, what: str, fmt: str):
    review, _ = owner_or_403(request, slug)
    section = exports.SECTIONS.get(what)
    if what != exports.ALL and (section is None or fmt not in section.formats):
        return HttpResponseBadRequest(f"No {fmt} export of '{what}'.", content_type="text/plain")
    filters = _filters(request) if what == "records" else {}
    records = None
    if filters:
        filterset = RecordFilter(filters, queryset=records_of(review), request=request)
        if not filterset.is_valid():
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items())
            return HttpResponseBadRequest(f"Bad filter: {errors}", content_type="text/plain")
        records = filterset.qs
    try:
        content, rows = exports.render(review, what, fmt, records)
    except ValueError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain")
    exports.export_log(review=review, actor=request.user, what=what, fmt=fmt, rows=rows, filters=filters)
    response = HttpResponse(content, content_type=exports.FORMATS[fmt][0])
    name = exports.filename(review, what, fmt, filtered=bool(filters))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def backup_download(request, slug: str):
    review, _ = owner_or_403(request, slug)
    # the files are streamed into it, and from it to the client; FileResponse closes it
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        backup = review_backup_write(review=review, out=handle, actor=request.user)
        handle.seek(0)
    except (BackupError, OSError) as exc:
        handle.close()
        reason = (
            str(exc) if isinstance(exc, BackupError) else f"{exc.filename or 'a stored file'}: {exc.strerror}"
        )
        return HttpResponse(f"The backup failed: {reason}", status=500, content_type="text/plain")
    except BaseException:
        handle.close()
        raise
    ext, kind = ("zip", "application/zip") if backup.is_zip else ("json", "application/json")
    return FileResponse(handle, as_attachment=True, filename=f"{review.slug}-backup.{ext}", content_type=kind)
