import django_filters
from django import forms
from django.db.models import Q
from drf_spectacular.utils import extend_schema_field

from ..models import (
    CandidateStatus,
    DuplicateCandidate,
    ImportBatch,
    Membership,
    Record,
    ReviewRound,
    SearchSource,
    SourceKind,
)
from .fields import MAX_ID


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id: a positive 64-bit integer (anything else is a 400, never an overflow 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999})
class YearFilter(django_filters.NumberFilter):
    """A publication year: a whole number from 1 to 9999."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class RecordFilter(django_filters.FilterSet):
    source = django_filters.CharFilter(method="filter_source", help_text="Source id or name")
    year_min = YearFilter(field_name="year", lookup_expr="gte")
    year_max = YearFilter(field_name="year", lookup_expr="lte")
    has_abstract = django_filters.BooleanFilter(method="filter_has_abstract")
    has_title = django_filters.BooleanFilter(method="filter_has_title")
    status = django_filters.ChoiceFilter(
        method="filter_status",
        choices=[("active", "active"), ("duplicate", "duplicate"), ("removed", "removed")],
        help_text="Duplicate status: active (goes on to screening), duplicate, removed",
    )
    q = django_filters.CharFilter(method="filter_text", help_text="Words in the title or abstract")
    doi = django_filters.CharFilter(field_name="doi", lookup_expr="iexact")
    batch = IdFilter(field_name="batch_id")

    class Meta:
        model = Record
        fields = [
            "source",
            "year_min",
            "year_max",
            "has_abstract",
            "has_title",
            "status",
            "q",
            "doi",
            "batch",
        ]

    def filter_source(self, qs, name, value):
        return qs.filter(source_id=int(value)) if value.isdigit() else qs.filter(source__name__iexact=value)

    def filter_has_abstract(self, qs, name, value):
        return qs.exclude(abstract="") if value else qs.filter(abstract="")

    def filter_has_title(self, qs, name, value):
        return qs.exclude(title="") if value else qs.filter(title="")

    def filter_status(self, qs, name, value):
        if value == "duplicate":
            return qs.filter(duplicate_of__isnull=False)
        if value == "removed":
            return qs.exclude(removed_reason="")
        return qs.filter(duplicate_of__isnull=True, removed_reason="")

    def filter_text(self, qs, name, value):
        for word in value.split()[:10]:
            qs = qs.filter(Q(title__icontains=word) | Q(abstract__icontains=word))
        return qs


class SearchSourceFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices)
    name = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = SearchSource
        fields = ["kind", "name"]


class ImportBatchFilter(django_filters.FilterSet):
    round = django_filters.NumberFilter(method="filter_round", label="Round of searching (number)")

    class Meta:
        model = ImportBatch
        fields = ["status", "source", "format"]

    def filter_round(self, queryset, name, value):
        in_round = Q(round__number=value)
        return queryset.filter(in_round | Q(round__isnull=True) if value == 1 else in_round)


class ReviewRoundFilter(django_filters.FilterSet):
    class Meta:
        model = ReviewRound
        fields = ["number"]


class MembershipFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(
        method="filter_role",
        choices=[("owner", "owner"), ("reviewer", "reviewer"), ("arbiter", "arbiter"), ("viewer", "viewer")],
    )

    class Meta:
        model = Membership
        fields = ["role"]

    def filter_role(self, qs, name, value):
        return qs.filter(**{f"is_{value}": True})


class DuplicateCandidateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CandidateStatus.choices)
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = DuplicateCandidate
        fields = ["status", "score_min"]
