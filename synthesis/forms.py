"""Browser forms for analyses (the services validate again)."""

from __future__ import annotations

from django import forms

from .models import Analysis
from .selectors import outcomes_of, subgroup_choices
from .services import FIELDS


class AnalysisForm(forms.ModelForm):
    subgroup_field = forms.ChoiceField(required=False, label="Subgroup variable")

    class Meta:
        model = Analysis
        fields = list(FIELDS)
        labels = {
            "tau2_method": "τ² estimator",
            "hksj": "Hartung-Knapp-Sidik-Jonkman adjustment",
            "fixed_method": "Fixed-effect method",
            "favours_treatment": "Left label (favours…)",
            "favours_control": "Right label (favours…)",
        }
        help_texts = {
            "time_point": "As extracted, e.g. “12 months” (case and spacing are ignored).",
            "model": "Random effects use the τ² estimator below; fixed effect the method below.",
        }

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].queryset = outcomes_of(review)
        self.fields["outcome"].empty_label = None
        self.fields["subgroup_field"].choices = [("", "None")] + subgroup_choices(review)
        self.fields["time_point"].widget.attrs["list"] = "time-points"
        self.time_points = sorted({p for o in self.fields["outcome"].queryset for p in o.time_points or []})
        for name in ("hksj",):
            self.fields[name].widget.attrs["class"] = "check"

    def service_values(self) -> dict:
        return {name: self.cleaned_data[name] for name in FIELDS}

    def _post_clean(self):  # the service validates (and reports errors back onto the fields)
        return None
