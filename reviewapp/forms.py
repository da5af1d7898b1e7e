"""Browser forms: they validate and shape input; the services do the writing."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify

from .importers.base import FORMATS
from .models import RemovalReason, Review, Role, SearchSource, SourceKind
from .uploads import NO_FILE_WEB, upload_name

User = get_user_model()

ROLE_CHOICES = Role.choices
FORMAT_LABELS = {
    "ris": "RIS (PubMed, Embase, Scopus, CENTRAL, EndNote, ...)",
    "medline": "PubMed MEDLINE / .nbib",
    "endnote-xml": "EndNote XML",
    "bibtex": "BibTeX",
    "csv": "CSV (Scopus, WoS tab-delimited, ClinicalTrials.gov)",
    "wos": "Web of Science plain text",
}
FORMAT_CHOICES = [("auto", "Detect automatically")] + [(fmt, FORMAT_LABELS.get(fmt, fmt)) for fmt in FORMATS]


def split_keywords(text: str) -> list[str]:
    """'a, b\\nc' -> ['a', 'b', 'c']: commas or new lines separate, blanks and repeats dropped."""
    seen: dict[str, None] = {}
    for word in re.split(r"[,\n;]", text or ""):
        word = word.strip()
        if word and word.casefold() not in {w.casefold() for w in seen}:
            seen[word] = None
    return list(seen)


class ReviewCreateForm(forms.Form):
    title = forms.CharField(max_length=500)
    slug = forms.SlugField(
        max_length=80,
        required=False,
        help_text="Short name used in web addresses, e.g. perinatal-msc. Made from the title if left empty.",
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("slug") and data.get("title"):
            data["slug"] = slugify(data["title"])[:80].strip("-")
        return data


class RestoreForm(forms.Form):
    backup = forms.FileField(
        label="Backup file",
        help_text=(
            "A review's backup: the .zip or .json file from its Exports page or the backup_review command."
        ),
    )
    slug = forms.SlugField(
        max_length=80,
        required=False,
        label="Slug of the restored review",
        help_text="Leave empty to keep the backup's; it must not be in use on this server.",
    )
    join_as_owner = forms.BooleanField(
        required=False,
        initial=True,
        label="Make me an owner of the restored review",
        help_text="Otherwise only the members the backup lists can open it.",
    )

    # size and slug are checked by restores.restore_start, whose errors the page puts next to the fields


class ReviewSettingsForm(forms.Form):
    title = forms.CharField(max_length=500)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    votes_required = forms.IntegerField(
        min_value=1, max_value=5, help_text="Independent votes each record needs in screening (1–5)."
    )
    blind = forms.BooleanField(required=False, help_text=Review._meta.get_field("blind").help_text)
    allow_consensus = forms.BooleanField(
        required=False, help_text=Review._meta.get_field("allow_consensus").help_text
    )
    owner_can_resolve = forms.BooleanField(
        required=False, help_text=Review._meta.get_field("owner_can_resolve").help_text
    )
    inclusion_criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    exclusion_criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    include_keywords = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Highlighted in green while screening. Separate with commas or new lines.",
    )
    exclude_keywords = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Highlighted in red while screening. Separate with commas or new lines.",
    )

    @classmethod
    def for_review(cls, review: Review, data=None) -> ReviewSettingsForm:
        initial = {name: getattr(review, name) for name in cls.base_fields}
        initial["include_keywords"] = "\n".join(review.include_keywords)
        initial["exclude_keywords"] = "\n".join(review.exclude_keywords)
        return cls(data, initial=initial)

    def clean_include_keywords(self) -> list[str]:
        return split_keywords(self.cleaned_data["include_keywords"])

    def clean_exclude_keywords(self) -> list[str]:
        return split_keywords(self.cleaned_data["exclude_keywords"])


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", ROLE_CHOICES)
        kwargs.setdefault("error_messages", {"required": "Tick at least one role."})
        super().__init__(**kwargs)


class InviteForm(forms.Form):
    """Invite someone by e-mail address or username; they become a member once they accept."""

    to = forms.CharField(
        max_length=254,
        label="E-mail address or username",
        help_text="They get a link to accept; nobody is added without accepting.",
    )
    roles = RolesField(initial=[Role.REVIEWER])


class AccountCreateForm(forms.Form):
    """Staff only: create an account for someone new and add them to the review."""

    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=True),
        strip=False,
        help_text="Tell the new member; they can change it after logging in.",
    )
    roles = RolesField(initial=[Role.REVIEWER])

    prefix = "new"


class MemberRolesForm(forms.Form):
    roles = RolesField()


class SourceForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="e.g. PubMed/MEDLINE, Scopus, ClinicalTrials.gov, Citation searching"
    )
    kind = forms.ChoiceField(choices=SourceKind.choices, initial=SourceKind.DATABASE)
    date_searched = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    search_string = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="The search exactly as run, for the report's appendix.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    @classmethod
    def for_source(cls, source: SearchSource, data=None) -> SourceForm:
        return cls(data, initial={name: getattr(source, name) for name in cls.base_fields})


class RoundForm(forms.Form):
    """Start an update: the searches were run again; the imports that follow form the new round."""

    label = forms.CharField(max_length=200, help_text="e.g. Update 2026")
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), help_text="When the searches were run again."
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more uploaded files, each checked against settings.IMPORT_MAX_BYTES."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(NO_FILE_WEB, code="required")
        for item in files:
            try:
                upload_name(getattr(item, "name", ""))
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["file"]) from None
        single = super().clean
        cleaned = [single(item, initial) for item in files]
        limit = settings.IMPORT_MAX_BYTES
        too_big = [
            f"{item.name} is {filesizeformat(item.size)}; the limit is {filesizeformat(limit)}."
            for item in cleaned
            if item.size > limit
        ]
        if too_big:
            raise forms.ValidationError(too_big)
        return cleaned


class ImportForm(forms.Form):
    source = forms.ModelChoiceField(
        queryset=SearchSource.objects.none(),
        empty_label=None,
        help_text="The database, register or method these records came from.",
    )
    files = MultipleFileField(
        label="File(s)",
        help_text="Exported search results. Several files may be chosen at once (e.g. an export in parts).",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="auto")
    force = forms.BooleanField(required=False, label="Import again even if this file was imported before")

    def __init__(self, *args, sources=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources if sources is not None else SearchSource.objects.none()


class RecordRemoveForm(forms.Form):
    reason = forms.ChoiceField(choices=RemovalReason.choices)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Required when the reason is 'Other reason'.",
    )


def style_record_filter_form(form: forms.Form, sources) -> forms.Form:
    """Dress RecordFilter's form (shared with the API, so both filter identically) for the browser."""
    choices = [("", "All sources")] + [(source.pk, source.name) for source in sources]
    form.fields["source"].widget = forms.Select(choices=choices)
    form.fields["has_abstract"].widget = forms.Select(
        choices=[("", "Any"), ("true", "With abstract"), ("false", "Without abstract")]
    )
    form.fields["has_title"].widget = forms.Select(
        choices=[("", "Any"), ("true", "With title"), ("false", "Without title")]
    )
    form.fields["status"].widget = forms.Select(
        choices=[
            ("", "Any status"),
            ("active", "Active (goes to screening)"),
            ("duplicate", "Duplicate"),
            ("removed", "Removed"),
        ]
    )
    labels = {
        "source": "Source",
        "year_min": "Year from",
        "year_max": "Year to",
        "has_abstract": "Abstract",
        "has_title": "Title",
        "status": "Status",
        "q": "Search title and abstract",
    }
    for name, label in labels.items():
        form.fields[name].label, form.fields[name].help_text = label, ""
    form.fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": "words…"})
    for name in ("year_min", "year_max"):
        form.fields[name].widget.attrs.update({"placeholder": "yyyy", "min": 1800, "max": 2100})
    for name in ("doi", "batch"):
        form.fields[name].widget = forms.HiddenInput()
    return form
