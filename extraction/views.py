"""Extraction pages (server-rendered, htmx for autosave and the form builder). Thin: selectors read, services
write, reviewapp.permissions.member_or_404 decides who may see what (outsiders 404, wrong role 403)."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.models import Review, Role
from reviewapp.permissions import member_or_404

from . import exports, pages, selectors
from .forms import FieldForm, ImportFormForm, NewFormForm, OutcomeMeasureForm, SectionForm, TableLayoutForm
from .models import ExtractionStatus, Form, FormVersion, TableLayout
from .permissions import may_read_extractions, may_settle
from .services import consensus as consensus_services
from .services import extractions as extraction_services
from .services import forms as form_services
from .services import measures as measure_services
from .services import tables as table_services
from .services.extractions import StaleVersion


def _page(request, template, review, member, nav, status=200, **extra):
    context = {"review": review, "member": member, "nav": "extraction", "sub": nav, **extra}
    return render(request, template, context, status=status)


def _errors(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _form(review, pk) -> Form:
    return get_object_or_404(Form, review=review, pk=pk)


# --- forms and the builder -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def form_list(request, slug):
    review, member = member_or_404(request.user, slug)
    new_form = NewFormForm(request.POST or None)
    if request.method == "POST":
        if not member.is_owner:
            raise PermissionDenied("Only the owner builds forms.")
        if new_form.is_valid():
            start, title = new_form.cleaned_data["start"], new_form.cleaned_data["title"]
            try:
                if start == "blank":
                    form = form_services.form_create(
                        review=review,
                        actor=request.user,
                        definition={
                            "title": title or "New form",
                            "sections": [
                                {
                                    "key": "study",
                                    "title": "Study",
                                    "fields": [{"key": "design", "label": "Design", "type": "text"}],
                                }
                            ],
                        },
                    )
                else:
                    form = form_services.form_from_template(
                        review=review, actor=request.user, template=start, title=title
                    )
            except ValidationError as error:
                _errors(request, error)
            else:
                messages.success(request, f"Form “{form.title}” created.")
                return redirect("extraction:form", slug=slug, pk=form.pk)
    return _page(
        request,
        "extraction/forms.html",
        review,
        member,
        "forms",
        forms=selectors.forms_of(review),
        new_form=new_form,
        import_form=ImportFormForm(),
        owned=_owned_reviews(request.user, review),
    )


def _owned_reviews(user, review):
    return Review.objects.filter(memberships__user=user, memberships__is_owner=True).exclude(pk=review.pk)


@login_required
@require_POST
def form_import(request, slug):
    review, _ = member_or_404(request.user, slug, role=Role.OWNER)
    upload = ImportFormForm(request.POST, request.FILES)
    if not upload.is_valid():
        too_large = upload.has_error("file", "too_large")
        messages.error(request, upload.errors["file"][0] if too_large else "Choose a JSON file to import.")
        return redirect("extraction:forms", slug=slug)
    try:
        form = form_services.form_import(
            review=review,
            actor=request.user,
            data=upload.cleaned_data["file"].read(),
            title=upload.cleaned_data["title"],
        )
    except ValidationError as error:
        messages.error(request, f"{upload.cleaned_data['file'].name}: nothing was imported.")
        _errors(request, error)
        return redirect("extraction:forms", slug=slug)
    messages.success(request, f"Imported “{form.title}”.")
    return redirect("extraction:form", slug=slug, pk=form.pk)


def _builder_context(review, member, form, version=None, **extra):
    latest = form_services.latest_version(form)
    version = version or latest
    return {
        "review": review,
        "member": member,
        "nav": "extraction",
        "sub": "forms",
        "form": form,
        "definition_json": json.dumps(latest.definition, indent=1, ensure_ascii=False),
        "version": version,
        "latest": latest,
        "schema": version.schema,
        "versions": selectors.form_versions(form),
        "in_use": form_services.version_in_use(latest),
        "section_form": SectionForm(),
        "field_types": FieldForm.base_fields["type"].choices,
        "editable": member.is_owner and version.pk == latest.pk,
        **extra,
    }


@login_required
@require_GET
def form_detail(request, slug, pk):
    review, member = member_or_404(request.user, slug)
    form = _form(review, pk)
    version = None
    if request.GET.get("version", "").isdigit():
        version = get_object_or_404(FormVersion, form=form, number=int(request.GET["version"]))
    return render(request, "extraction/form_builder.html", _builder_context(review, member, form, version))


def _save_definition(request, review, member, form, definition, note):
    """Save through the service; answer the builder (htmx partial or page) with any errors shown."""
    errors, notice = [], ""
    previous = form_services.latest_version(form).number
    try:
        version = form_services.form_definition_update(
            form=form, actor=request.user, definition=definition, note=note
        )
    except ValidationError as error:
        errors = error.messages
    else:
        if version.number > previous:
            notice = f"Saved as version {version.number}: answers entered on version {previous} keep it."
    form.refresh_from_db()
    context = _builder_context(review, member, form, builder_errors=errors, notice=notice)
    template = "extraction/_builder.html" if request.htmx else "extraction/form_builder.html"
    return render(request, template, context, status=422 if errors else 200)


@login_required
@require_POST
def form_edit(request, slug, pk):
    """One builder edit: add a section or a field, remove one, or move one; saved as a whole definition."""
    review, member = member_or_404(request.user, slug, role=Role.OWNER)
    form = _form(review, pk)
    definition = copy.deepcopy(form_services.latest_version(form).definition)
    action = request.POST.get("action")
    try:
        note = _apply_edit(definition, action, request.POST)
    except ValidationError as error:
        context = _builder_context(review, member, form, builder_errors=error.messages)
        return render(
            request,
            "extraction/_builder.html" if request.htmx else "extraction/form_builder.html",
            context,
            status=422,
        )
    return _save_definition(request, review, member, form, definition, note)


def _section_of(definition, key):
    section = next((s for s in definition["sections"] if s["key"] == key), None)
    if section is None:
        raise ValidationError(f"No section {key!r} (reload the page).")
    return section


def _apply_edit(definition: dict, action: str, data) -> str:
    if action == "add_section":
        form = SectionForm(data)
        if not form.is_valid():
            raise ValidationError([f"{k}: {', '.join(v)}" for k, v in form.errors.items()])
        values = form.cleaned_data
        section = {"key": values["key"], "title": values["title"], "help": values["help"], "fields": []}
        if values["repeatable"]:
            section.update(repeatable=True, row_label=values["row_label"] or "Row", row_key=[])
        definition["sections"].append(section)
        return f"Added section {values['title']}"
    if action == "add_field":
        form = FieldForm(data)
        if not form.is_valid():
            raise ValidationError([f"{k}: {', '.join(v)}" for k, v in form.errors.items()])
        section = _section_of(definition, form.cleaned_data["section"])
        section["fields"].append(form.definition())
        if form.cleaned_data["row_key"] and section.get("repeatable"):
            section.setdefault("row_key", []).append(form.cleaned_data["key"])
        return f"Added field {form.cleaned_data['label']}"
    if action == "remove_field":
        section = _section_of(definition, data.get("section"))
        section["fields"] = [f for f in section["fields"] if f["key"] != data.get("key")]
        section["row_key"] = [k for k in section.get("row_key", []) if k != data.get("key")]
        return f"Removed field {data.get('key')}"
    if action == "remove_section":
        definition["sections"] = [s for s in definition["sections"] if s["key"] != data.get("section")]
        return f"Removed section {data.get('section')}"
    if action == "move_section":
        keys = [s["key"] for s in definition["sections"]]
        i = keys.index(data.get("section")) if data.get("section") in keys else -1
        j = i + (1 if data.get("direction") == "down" else -1)
        if i >= 0 and 0 <= j < len(keys):
            definition["sections"][i], definition["sections"][j] = (
                definition["sections"][j],
                definition["sections"][i],
            )
        return "Reordered sections"
    if action == "title":
        definition["title"] = (data.get("title") or "").strip()
        definition["description"] = data.get("description", "")
        return "Renamed"
    raise ValidationError("Unknown builder action.")


@login_required
@require_http_methods(["GET", "POST"])
def form_json(request, slug, pk):
    """GET: the form exported as JSON (download). POST (owner): save an edited JSON definition."""
    review, member = member_or_404(request.user, slug)
    form = _form(review, pk)
    if request.method == "GET":
        data = form_services.form_export(form)
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="form-{form.pk}-v{data["version"]}.json"'
        return response
    if not member.is_owner:
        raise PermissionDenied("Only the owner builds forms.")
    try:
        definition = json.loads(request.POST.get("definition", ""))
    except json.JSONDecodeError as error:
        context = _builder_context(review, member, form, builder_errors=[f"Not valid JSON: {error}."])
        return render(request, "extraction/form_builder.html", context, status=422)
    return _save_definition(
        request, review, member, form, definition, request.POST.get("note", "Edited JSON")
    )


@login_required
@require_POST
def form_copy(request, slug, pk):
    review, _ = member_or_404(request.user, slug, role=Role.OWNER)
    form = _form(review, pk)
    target, _ = member_or_404(request.user, request.POST.get("to_review", ""), role=Role.OWNER)
    copied = form_services.form_copy(form=form, to_review=target, actor=request.user)
    messages.success(request, f"Copied to {target.title} as “{copied.title}”.")
    return redirect("extraction:form", slug=slug, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def outcome_list(request, slug):
    review, member = member_or_404(request.user, slug)
    form = OutcomeMeasureForm(request.POST or None)
    if request.method == "POST":
        if not member.is_owner:
            raise PermissionDenied("Only the owner defines the review's outcomes.")
        if form.is_valid():
            try:
                measure_services.outcome_measure_create(
                    review=review, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _errors(request, error)
            else:
                messages.success(request, f"Outcome “{form.cleaned_data['name']}” added.")
                return redirect("extraction:outcomes", slug=slug)
    return _page(
        request,
        "extraction/outcomes.html",
        review,
        member,
        "outcomes",
        measures=selectors.outcome_measures_of(review),
        measure_form=form,
    )


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


def _expected(request) -> int | None:
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


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


# --- comparison and consensus ----------------------------------------------------------------------------


@login_required
@require_GET
def consensus_list(request, slug):
    review, member = member_or_404(request.user, slug)
    return _page(
        request,
        "extraction/consensus_list.html",
        review,
        member,
        "consensus",
        records=selectors.consensus_visible_to(review, member),
        conflicts=selectors.conflicts_visible_to(review, member),
    )


@login_required
@require_GET
def consensus_detail(request, slug, pk):
    """A consensus record, and (for the team) how each difference behind it was settled."""
    review, member = member_or_404(request.user, slug)
    consensus = selectors.consensus_for_page(review, pk)
    if consensus is None:
        raise Http404("No such consensus record.")
    names = {m.key: m.name for m in selectors.outcome_measures_of(review)}
    items = selectors.comparison(consensus) if may_read_extractions(member) else []
    return _page(
        request,
        "extraction/consensus.html",
        review,
        member,
        "consensus",
        c=consensus,
        items=items,
        sections=pages.sections(consensus.form_version.schema, consensus.answers),
        outcome_rows=pages.outcome_rows(consensus.outcomes, names),
    )


def _conflict_context(review, member, conflict, **extra):
    items = selectors.comparison(conflict)
    return {
        "review": review,
        "member": member,
        "nav": "extraction",
        "sub": "consensus",
        "c": conflict,
        "items": items,
        "open_items": sum(1 for i in items if i.settlement is None),
        "may_settle": may_settle(review, member) and conflict.is_open,
        "consensus": conflict.study.extraction_consensus.filter(form=conflict.form).first()
        if not conflict.is_open
        else None,
        **extra,
    }


@login_required
@require_GET
def conflict_detail(request, slug, pk):
    """The comparison: every differing field, arm and outcome row of the two extractions, to settle."""
    review, member = member_or_404(request.user, slug)
    if not may_read_extractions(member):
        raise PermissionDenied("Viewers read consensus records only.")
    conflict = selectors.conflict_for_page(review, pk)
    if conflict is None:
        raise Http404("No such conflict.")
    return render(request, "extraction/conflict.html", _conflict_context(review, member, conflict))


@login_required
@require_POST
def conflict_settle(request, slug, pk):
    review, member = member_or_404(request.user, slug)
    if not may_read_extractions(member):
        raise PermissionDenied("Viewers read consensus data, not the conflicts behind it.")
    conflict = selectors.conflict_for_page(review, pk)
    if conflict is None:
        raise Http404("No such conflict.")
    error = None
    try:
        if request.POST.get("action") == "resolve":
            consensus = consensus_services.conflict_resolve(
                conflict_id=conflict.pk,
                actor=request.user,
                expected_version=_expected(request),
                note=request.POST.get("note", ""),
            )
            messages.success(request, "Consensus record saved.")
            return redirect("extraction:consensus", slug=slug, pk=consensus.pk)
        consensus_services.conflict_settle(
            conflict_id=conflict.pk,
            actor=request.user,
            path=request.POST.get("path", ""),
            choice=request.POST.get("choice", ""),
            value=request.POST.get("value"),
            expected_version=_expected(request),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if not request.htmx:
            messages.error(request, error)
    if not request.htmx:
        return redirect("extraction:conflict", slug=slug, pk=pk)
    conflict = selectors.conflict_for_page(review, pk)
    context = _conflict_context(review, member, conflict, settle_error=error)
    return render(request, "extraction/_comparison.html", context, status=422 if error else 200)


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
