"""Extraction forms and the form builder (edit, JSON, import, copy), and the review's outcome measures."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reviewapp.models import Review, Role
from reviewapp.permissions import member_or_404

from .. import selectors
from ..forms import FieldForm, ImportFormForm, NewFormForm, OutcomeMeasureForm, SectionForm
from ..models import FormVersion
from ..services import forms as form_services
from ..services import measures as measure_services
from ._common import _errors, _form, _page

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
