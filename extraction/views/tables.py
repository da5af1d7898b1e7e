"""Characteristics tables: their layouts, and a table as a page, CSV or XLSX."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods

from reviewapp.permissions import member_or_404

from .. import exports, selectors
from ..forms import TableLayoutForm
from ..models import Form, TableLayout
from ..permissions import may_read_extractions
from ..services import forms as form_services
from ..services import tables as table_services
from ._common import _page

# --- characteristics tables -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def table_list(request, slug):
    review, member = member_or_404(request.user, slug)
    forms = list(Form.objects.filter(review=review).order_by("title"))
    chosen = next(
        (f for f in forms if str(f.pk) == request.GET.get("form", request.POST.get("form", ""))),
        forms[0] if forms else None,
    )
    choices = form_services.latest_version(chosen).schema.columns() if chosen else []
    layout_form = TableLayoutForm(
        request.POST or None, column_choices=choices, initial={"form": chosen.pk if chosen else None}
    )
    if request.method == "POST":
        if not member.is_owner:
            raise PermissionDenied("Only the owner designs tables.")
        if layout_form.is_valid() and chosen:
            values = layout_form.cleaned_data
            ordered = [p for p in request.POST.getlist("columns") if p in dict(choices)]
            table = table_services.table_create(
                review=review,
                actor=request.user,
                form=chosen,
                title=values["title"],
                columns=ordered,
                source=values["source"],
            )
            return redirect("extraction:table", slug=slug, pk=table.pk)
    return _page(
        request,
        "extraction/tables.html",
        review,
        member,
        "tables",
        forms=forms,
        chosen=chosen,
        layouts=TableLayout.objects.filter(review=review).select_related("form"),
        layout_form=layout_form,
    )


@login_required
@require_GET
def table_detail(request, slug, pk, fmt="html"):
    review, member = member_or_404(request.user, slug)
    layout = get_object_or_404(TableLayout.objects.select_related("form"), review=review, pk=pk)
    if layout.source == "any" and not may_read_extractions(member):
        layout.source = "consensus"  # viewers read consensus data only
    table = selectors.characteristics_table(layout)
    if fmt == "csv":
        return exports.csv_response(table)
    if fmt == "xlsx":
        return exports.xlsx_response(table)
    return _page(request, "extraction/table.html", review, member, "tables", layout=layout, table=table)
