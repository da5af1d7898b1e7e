import django_filters

from reviewapp.api.filters import IdFilter
from reviewapp.dualwork.models import ResolutionMethod

from ..models import Assessment, AssessmentStatus, ConsensusAssessment, Effect, RobItem, ToolKey


class ItemFilter(django_filters.FilterSet):
    tool = django_filters.ChoiceFilter(choices=ToolKey.choices)
    effect = django_filters.ChoiceFilter(choices=Effect.choices)
    study = IdFilter(field_name="study_id")
    in_conflict = django_filters.BooleanFilter(
        method="filter_conflict", help_text="Only items in open conflict"
    )

    class Meta:
        model = RobItem
        fields = ["tool", "effect", "study", "in_conflict"]

    def filter_conflict(self, qs, name, value):
        return qs.filter(conflict__status="open") if value else qs.exclude(conflict__status="open")


class AssessmentFilter(django_filters.FilterSet):
    tool = django_filters.ChoiceFilter(field_name="item__tool", choices=ToolKey.choices)
    study = IdFilter(field_name="item__study_id")
    item = IdFilter(field_name="item_id")
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices)
    assessor = django_filters.CharFilter(field_name="assessor__username", help_text="Username")
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Only my assessments")

    class Meta:
        model = Assessment
        fields = ["tool", "study", "item", "status", "assessor", "mine"]

    def filter_mine(self, qs, name, value):
        me = self.request.user
        return qs.filter(assessor=me) if value else qs.exclude(assessor=me)


class ConsensusFilter(django_filters.FilterSet):
    tool = django_filters.ChoiceFilter(field_name="item__tool", choices=ToolKey.choices)
    study = IdFilter(field_name="item__study_id")
    method = django_filters.ChoiceFilter(choices=ResolutionMethod.choices)

    class Meta:
        model = ConsensusAssessment
        fields = ["tool", "study", "method"]
