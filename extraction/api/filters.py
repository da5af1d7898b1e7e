import django_filters

from reviewapp.api.filters import IdFilter

from ..models import (
    ConflictStatus,
    Consensus,
    ConsensusMethod,
    Extraction,
    ExtractionConflict,
    ExtractionStatus,
    Form,
    FormKind,
    FormVersion,
    OutcomeMeasure,
    TableLayout,
)
from ..outcomes import DataType


class FormFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=FormKind.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Form
        fields = ["kind", "is_active"]


class FormVersionFilter(django_filters.FilterSet):
    form = IdFilter(field_name="form_id")

    class Meta:
        model = FormVersion
        fields = ["form"]


class OutcomeMeasureFilter(django_filters.FilterSet):
    data_type = django_filters.ChoiceFilter(choices=[(t.value, t.value) for t in DataType])

    class Meta:
        model = OutcomeMeasure
        fields = ["data_type"]


class ExtractionFilter(django_filters.FilterSet):
    study = IdFilter(field_name="study_id")
    form = IdFilter(field_name="form_id")
    status = django_filters.ChoiceFilter(choices=ExtractionStatus.choices)
    reviewer = django_filters.CharFilter(field_name="reviewer__username", help_text="Username")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Only my extractions")

    class Meta:
        model = Extraction
        fields = ["study", "form", "status", "reviewer", "mine"]

    def filter_mine(self, qs, name, value):
        me = self.request.user
        return qs.filter(reviewer=me) if value else qs.exclude(reviewer=me)


class ConsensusFilter(django_filters.FilterSet):
    study = IdFilter(field_name="study_id")
    form = IdFilter(field_name="form_id")
    method = django_filters.ChoiceFilter(choices=ConsensusMethod.choices)

    class Meta:
        model = Consensus
        fields = ["study", "form", "method"]


class ConflictFilter(django_filters.FilterSet):
    study = IdFilter(field_name="study_id")
    form = IdFilter(field_name="form_id")
    status = django_filters.ChoiceFilter(choices=ConflictStatus.choices)

    class Meta:
        model = ExtractionConflict
        fields = ["study", "form", "status"]


class TableLayoutFilter(django_filters.FilterSet):
    form = IdFilter(field_name="form_id")

    class Meta:
        model = TableLayout
        fields = ["form"]
