from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat as format_bytes

from reviewapp.uploads import NO_FILE_WEB

from .models import Decision, PrioritySettings, ReasonMode, Stage, VerdictDecision


class VoteForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices)
    reason = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    decision = forms.ChoiceField(choices=VerdictDecision.choices)
    reason = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class AttachForm(forms.Form):
    file = forms.FileField(
        help_text=f"A PDF, at most {format_bytes(settings.FULLTEXT_MAX_BYTES)}",
        error_messages={"required": NO_FILE_WEB},
    )


class LinkForm(forms.Form):
    url = forms.URLField(max_length=2000, assume_scheme="https")


class NotRetrievedForm(forms.Form):
    reason = forms.CharField(max_length=2000)


class ReasonsForm(forms.Form):
    labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="One reason per line, in the order reviewers should see them.",
    )

    def clean_labels(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["labels"].splitlines() if line.strip()]


class PriorityForm(forms.ModelForm):
    """The owner's prioritised-screening settings (ranges as the model's validators say)."""

    class Meta:
        model = PrioritySettings
        fields = ["rank_by_relevance", "retrain_every", "recall_target", "confidence", "streak"]
        labels = {
            "rank_by_relevance": "Order the title/abstract work lists by predicted relevance",
            "retrain_every": "Retrain after every … votes",
            "recall_target": "Recall target",
            "confidence": "Confidence",
            "streak": "Irrelevant in a row to flag",
        }


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class TitleAbstractReasonsForm(forms.Form):
    mode = forms.ChoiceField(choices=ReasonMode.choices, widget=forms.RadioSelect)
    labels = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One reason per line, in the order reviewers should see them.",
    )

    def clean_labels(self) -> list[str]:
        return _lines(self.cleaned_data["labels"])


class LabelsForm(forms.Form):
    names = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="One label per line."
    )

    def clean_names(self) -> list[str]:
        return _lines(self.cleaned_data["names"])


class AssignmentModeForm(forms.Form):
    assignment = forms.BooleanField(required=False)


class ReviewerChoiceForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)
    reviewers = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args, reviewers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].choices = [(user.pk, user.username) for user in reviewers]


class AssignFilteredForm(ReviewerChoiceForm):
    label = forms.IntegerField(required=False)
    text = forms.CharField(required=False, max_length=200)
    unassigned_only = forms.BooleanField(required=False)


class PilotStartForm(forms.Form):
    size = forms.IntegerField(min_value=1, max_value=500)


class PilotVoteForm(forms.Form):
    record = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=Decision.choices)
    note = forms.CharField(required=False, max_length=5000)
