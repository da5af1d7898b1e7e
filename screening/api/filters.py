import django_filters
from django.db.models import TextField
from django.db.models.functions import Cast

from reviewapp.api.filters import IdFilter
from reviewapp.models import Record, Study

from ..models import (
    Assignment,
    Conflict,
    ConflictStatus,
    Decision,
    ExclusionReason,
    Label,
    Pilot,
    PilotStatus,
    RetrievalStatus,
    Stage,
    Verdict,
    VerdictDecision,
    VerdictMethod,
    Vote,
)


class VoteFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    decision = django_filters.ChoiceFilter(choices=Decision.choices)
    record = IdFilter(field_name="record_id")
    reviewer = django_filters.CharFilter(field_name="reviewer__username", help_text="Username")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Only my votes")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Vote
        fields = ["stage", "decision", "record", "reviewer", "mine", "updated_after"]

    def filter_mine(self, qs, name, value):
        me = self.request.user
        return qs.filter(reviewer=me) if value else qs.exclude(reviewer=me)


class ConflictFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    status = django_filters.ChoiceFilter(choices=ConflictStatus.choices)
    record = IdFilter(field_name="record_id")

    class Meta:
        model = Conflict
        fields = ["stage", "status", "record"]


class VerdictFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    decision = django_filters.ChoiceFilter(choices=VerdictDecision.choices)
    method = django_filters.ChoiceFilter(choices=VerdictMethod.choices)
    record = IdFilter(field_name="record_id")

    class Meta:
        model = Verdict
        fields = ["stage", "decision", "method", "record"]


class ExclusionReasonFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = ExclusionReason
        fields = ["stage", "is_active"]


class RetrievalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        method="filter_status", choices=[("sought", "sought (nothing yet)"), *RetrievalStatus.choices]
    )
    q = django_filters.CharFilter(method="filter_text", help_text="Words in the title")

    class Meta:
        model = Record
        fields = ["status", "q"]

    def filter_status(self, qs, name, value):
        if value == "sought":
            return qs.filter(retrieval__isnull=True)
        return qs.filter(retrieval__status=value)

    def filter_text(self, qs, name, value):
        for word in value.split()[:10]:
            qs = qs.filter(title__icontains=word)
        return qs


class StudyFilter(django_filters.FilterSet):
    label = django_filters.CharFilter(lookup_expr="icontains")
    registry_id = django_filters.CharFilter(method="filter_registry_id", help_text="e.g. NCT01234567")

    class Meta:
        model = Study
        fields = ["label", "registry_id"]

    def filter_registry_id(self, qs, name, value):
        ids_text = Cast("registry_ids", TextField())
        return qs.annotate(registry_ids_text=ids_text).filter(
            registry_ids_text__icontains=value.strip().upper()
        )


class LabelFilter(django_filters.FilterSet):
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Label
        fields = ["is_active"]


class AssignmentFilter(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    record = IdFilter(field_name="record_id")
    reviewer = IdFilter(field_name="reviewer_id", help_text="User id")

    class Meta:
        model = Assignment
        fields = ["stage", "record", "reviewer"]


class PilotFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PilotStatus.choices)

    class Meta:
        model = Pilot
        fields = ["status"]
