"""Building forms: create (blank, from a ready template, from imported JSON), edit (versioned), copy, export.

A version that has extractions or consensus records is frozen: saving an edited definition then creates
version N+1, and the existing answers keep pointing at the version they were entered on (still readable,
never silently re-mapped). A version nobody has used yet is edited in place.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from reviewapp.models import Review, Role
from reviewapp.services.audit import event_log

from ..forms_schema import SchemaError, schema_from_dict, schema_to_dict
from ..models import Consensus, Extraction, Form, FormKind, FormVersion
from ..permissions import require

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "forms"
TEMPLATES = {
    "clinical": ("clinical_study.json", FormKind.CLINICAL),
    "preclinical": ("preclinical_study.json", FormKind.PRECLINICAL),
}
EXPORT_FORMAT = "reviewapp.extraction-form"


def _owner(review: Review, actor) -> None:
    require(review, actor, Role.OWNER, "Only the review's owner builds extraction forms.")


def _canonical(definition) -> dict:
    """The definition validated and in canonical form; ValidationError lists every bad path."""
    try:
        return schema_to_dict(schema_from_dict(definition))
    except SchemaError as error:
        raise ValidationError([p.message for p in error.problems]) from None


def template_definition(name: str) -> dict:
    """A ready template's definition ("clinical" or "preclinical"), read from its JSON fixture."""
    if name not in TEMPLATES:
        raise ValidationError({"template": f"No template {name!r}; choose one of {', '.join(TEMPLATES)}."})
    return json.loads((TEMPLATES_DIR / TEMPLATES[name][0]).read_text(encoding="utf-8"))


def _unique_title(review: Review, title: str) -> str:
    taken = set(Form.objects.filter(review=review, title__startswith=title).values_list("title", flat=True))
    candidate, n = title, 2
    while candidate in taken:
        candidate, n = f"{title} ({n})", n + 1
    return candidate


@transaction.atomic
def form_create(
    *, review: Review, actor, definition: dict, kind: str = FormKind.OTHER, title: str = "", note: str = ""
) -> Form:
    """A new form with version 1 of `definition` (validated)."""
    _owner(review, actor)
    definition = _canonical(definition)
    title = _unique_title(review, (title or definition["title"]).strip())
    definition["title"] = title
    form = Form.objects.create(
        review=review, title=title, kind=kind, description=definition.get("description", ""), created_by=actor
    )
    version = FormVersion.objects.create(
        form=form, number=1, definition=definition, note=note, created_by=actor
    )
    event_log(
        review=review,
        actor=actor,
        verb="extraction.form_created",
        form=form.pk,
        version=version.number,
        title=title,
        fields=schema_from_dict(definition).field_count,
    )
    return form


def form_from_template(*, review: Review, actor, template: str, title: str = "") -> Form:
    definition = template_definition(template)
    return form_create(
        review=review,
        actor=actor,
        definition=definition,
        kind=TEMPLATES[template][1],
        title=title,
        note=f"From the ready template “{definition['title']}”",
    )


def latest_version(form: Form) -> FormVersion:
    return FormVersion.objects.filter(form=form).order_by("-number").first()


def version_in_use(version: FormVersion) -> bool:
    return (
        Extraction.objects.filter(form_version=version).exists()
        or Consensus.objects.filter(form_version=version).exists()
    )


@transaction.atomic
def form_definition_update(*, form: Form, actor, definition: dict, note: str = "") -> FormVersion:
    """Save an edited definition: in place if the latest version is unused, else as a new version."""
    _owner(form.review, actor)
    form = Form.objects.select_for_update().get(pk=form.pk)
    definition = _canonical(definition)
    current = latest_version(form)
    if current.definition == definition:
        return current
    if version_in_use(current):
        version = FormVersion.objects.create(
            form=form, number=current.number + 1, definition=definition, note=note, created_by=actor
        )
        verb = "extraction.form_versioned"
    else:
        before = current.definition
        current.definition, current.note = definition, note or current.note
        current.save(update_fields=["definition", "note", "updated_at"])
        version, verb = current, "extraction.form_edited"
    if definition["title"] != form.title:
        form.title = _unique_title(form.review, definition["title"])
    form.description = definition.get("description", "")
    form.save(update_fields=["title", "description", "updated_at"])
    data = {"form": form.pk, "version": version.number}
    if verb == "extraction.form_edited":
        data["before"] = before
    event_log(review=form.review, actor=actor, verb=verb, **data)
    return version


@transaction.atomic
def form_update(*, form: Form, actor, is_active: bool | None = None, kind: str | None = None) -> Form:
    _owner(form.review, actor)
    changed = {}
    if is_active is not None and is_active != form.is_active:
        changed["is_active"] = [form.is_active, is_active]
        form.is_active = is_active
    if kind is not None and kind != form.kind:
        if kind not in FormKind.values:
            raise ValidationError({"kind": f"kind must be one of {', '.join(FormKind.values)}."})
        changed["kind"] = [form.kind, kind]
        form.kind = kind
    if changed:
        form.save(update_fields=[*changed, "updated_at"])
        event_log(
            review=form.review, actor=actor, verb="extraction.form_updated", form=form.pk, changes=changed
        )
    return form


def form_export(form: Form, version: FormVersion | None = None) -> dict:
    """A form as portable JSON (import it into any review)."""
    version = version or latest_version(form)
    return {
        "format": EXPORT_FORMAT,
        "kind": form.kind,
        "version": version.number,
        "definition": version.definition,
    }


def form_import(*, review: Review, actor, data, title: str = "") -> Form:
    """Create a form from exported JSON (or from a bare definition); clear messages for bad files."""
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValidationError(f"The file is not JSON: {error}.") from None
    if not isinstance(data, dict):
        raise ValidationError("The file must hold a JSON object (an exported form).")
    definition = data.get("definition", data) if data.get("format") == EXPORT_FORMAT else data
    kind = data.get("kind") if data.get("kind") in FormKind.values else FormKind.OTHER
    return form_create(
        review=review, actor=actor, definition=definition, kind=kind, title=title, note="Imported from JSON"
    )


def form_copy(*, form: Form, to_review: Review, actor, title: str = "") -> Form:
    """Copy a form's latest definition into another review (the actor must own both)."""
    _owner(form.review, actor)
    copy = form_create(
        review=to_review,
        actor=actor,
        definition=latest_version(form).definition,
        kind=form.kind,
        title=title or form.title,
        note=f"Copied from “{form.title}” of review {form.review.slug}",
    )
    event_log(
        review=form.review,
        actor=actor,
        verb="extraction.form_copied",
        form=form.pk,
        to_review=to_review.slug,
        to_form=copy.pk,
    )
    return copy
