"""Browser forms of the extraction pages (thin: the services validate again and own the rules)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat

from .forms_schema import KEY_RE, FieldType
from .models import FormKind
from .outcomes import DataType

FIELD_TYPE_CHOICES = [
    (FieldType.TEXT.value, "Text"),
    (FieldType.LONG_TEXT.value, "Long text"),
    (FieldType.INTEGER.value, "Integer"),
    (FieldType.DECIMAL.value, "Decimal (with unit)"),
    (FieldType.DATE.value, "Date"),
    (FieldType.YES_NO.value, "Yes / no"),
    (FieldType.SINGLE_CHOICE.value, "Single choice"),
    (FieldType.MULTIPLE_CHOICE.value, "Multiple choice"),
]


def _key(value: str) -> str:
    value = (value or "").strip()
    if not KEY_RE.match(value):
        raise forms.ValidationError("Lower-case letters, digits and _; start with a letter.")
    return value


class NewFormForm(forms.Form):
    start = forms.ChoiceField(
        choices=[
            ("blank", "Blank form"),
            ("clinical", "Template: Clinical study"),
            ("preclinical", "Template: Preclinical study"),
        ],
        initial="clinical",
    )
    title = forms.CharField(
        max_length=200, required=False, help_text="Leave empty to use the template's title"
    )


class ImportFormForm(forms.Form):
    file = forms.FileField(help_text="A form exported as JSON from this or another review")
    title = forms.CharField(max_length=200, required=False)

    def clean_file(self):
        """A form definition is a few kilobytes: refuse a file larger than a JSON request body may be
        (DATA_UPLOAD_MAX_MEMORY_SIZE, which bounds the API's import) before the import parses it into
        memory. Django has spooled the upload to a temporary file by then: the size of a request body as
        such is bounded by the proxy in front (client_max_body_size), as for every upload."""
        upload = self.cleaned_data["file"]
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and upload.size > limit:
            raise forms.ValidationError(
                f"{upload.name} is {filesizeformat(upload.size)}, larger than the limit of "
                f"{filesizeformat(limit)} for a form file.",
                code="too_large",
            )
        return upload


class SectionForm(forms.Form):
    key = forms.CharField(max_length=63)
    title = forms.CharField(max_length=200)
    help = forms.CharField(required=False, max_length=1000)
    repeatable = forms.BooleanField(required=False, help_text="Rows, e.g. study arms, outcomes × time points")
    row_label = forms.CharField(required=False, max_length=40, help_text="What one row is called, e.g. Arm")

    def clean_key(self):
        return _key(self.cleaned_data["key"])


class FieldForm(forms.Form):
    section = forms.CharField(widget=forms.HiddenInput)
    key = forms.CharField(max_length=63)
    label = forms.CharField(max_length=300)
    type = forms.ChoiceField(choices=FIELD_TYPE_CHOICES)
    required = forms.BooleanField(required=False)
    row_key = forms.BooleanField(
        required=False,
        label="Identifies the row",
        help_text="Rows of the two reviewers are matched on it (e.g. the arm's name)",
    )
    help = forms.CharField(required=False, max_length=1000)
    unit = forms.CharField(required=False, max_length=64)
    units = forms.CharField(required=False, max_length=300, help_text="Other units allowed, comma separated")
    min = forms.FloatField(required=False)
    max = forms.FloatField(required=False)
    choices = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One choice per line"
    )

    def clean_key(self):
        return _key(self.cleaned_data["key"])

    def definition(self) -> dict:
        data = self.cleaned_data
        out = {"key": data["key"], "label": data["label"], "type": data["type"], "required": data["required"]}
        for name in ("help", "unit"):
            if data[name]:
                out[name] = data[name]
        if data["units"]:
            out["units"] = [u.strip() for u in data["units"].split(",") if u.strip()]
        for name in ("min", "max"):
            if data[name] is not None:
                out[name] = data[name]
        if data["choices"]:
            out["choices"] = [line.strip() for line in data["choices"].splitlines() if line.strip()]
        return out


class OutcomeMeasureForm(forms.Form):
    name = forms.CharField(max_length=200)
    data_type = forms.ChoiceField(choices=[(t.value, t.value.title()) for t in DataType])
    unit = forms.CharField(required=False, max_length=64)
    scale = forms.CharField(
        required=False, max_length=32, help_text="Generic estimates: MD, SMD, log OR, HR, ..."
    )
    time_points = forms.CharField(
        required=False, max_length=500, help_text="Comma separated, e.g. 3 months, 12 months"
    )


class TableLayoutForm(forms.Form):
    title = forms.CharField(max_length=200)
    form = forms.IntegerField(widget=forms.HiddenInput)
    columns = forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple)
    source = forms.ChoiceField(
        choices=[("consensus", "Consensus records"), ("any", "Consensus, else a submitted extraction")]
    )

    def __init__(self, *args, column_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = list(column_choices)


class FormKindForm(forms.Form):
    kind = forms.ChoiceField(choices=FormKind.choices)
