"""REST API for data extraction: thin viewsets that read through selectors and write through services.

Everything is under /api/v1/reviews/<review_slug>/extraction/. Non-members get 404; reads need membership
(individual extractions also need a team role, and blinding applies; viewers read consensus data only);
every write names the roles that may make it in `action_rules`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from reviewapp.models import Membership, Review, Role
from reviewapp.permissions import ReviewPermission, member_or_404

from .. import selectors
from ..models import Consensus, Extraction, ExtractionConflict, Form, FormVersion, OutcomeMeasure, TableLayout
from ..permissions import may_read_extractions, may_settle
from ..services import consensus as consensus_services
from ..services import extractions as extraction_services
from ..services import forms as form_services
from ..services import measures as measure_services
from ..services import tables as table_services
from ..services.extractions import StaleVersion
from . import filters, serializers

OWNER = (Role.OWNER,)
REVIEWER = (Role.REVIEWER,)


def team_only(review, member) -> bool:
    """Individual extractions and conflicts: owner, reviewers, arbiter (never viewers)."""
    return may_read_extractions(member)


def settler(review, member) -> bool:
    return may_settle(review, member)


class Scoped:
    permission_classes = [IsAuthenticated, ReviewPermission]
    review: Review
    member: Membership


def _stale(error: StaleVersion) -> Response:
    return Response({"detail": error.messages[0], "code": "stale_version"}, status=status.HTTP_409_CONFLICT)


class FormViewSet(Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Extraction forms. Writes (owner) go through the versioning service: editing a definition that has data
    creates a new version; answers keep the version they were entered on."""

    queryset = Form.objects.none()
    serializer_class = serializers.ExtractionFormSerializer
    filterset_class = filters.FormFilter
    ordering_fields = ["title", "id"]

    def get_queryset(self):
        return (
            Form.objects.filter(review=self.review)
            .annotate(latest=Max("versions__number"), extractions_total=Count("extractions", distinct=True))
            .order_by("title", "id")
        )

    @extend_schema(
        request=serializers.ExtractionFormCreateSerializer,
        responses={201: serializers.ExtractionFormSerializer},
    )
    def create(self, request, review_slug=None):
        """A new form from a definition or a ready template ("clinical", "preclinical")."""
        data = serializers.ExtractionFormCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("template"):
            form = form_services.form_from_template(
                review=self.review, actor=request.user, template=values["template"], title=values["title"]
            )
        else:
            form = form_services.form_create(
                review=self.review,
                actor=request.user,
                definition=values["definition"],
                kind=values["kind"],
                title=values["title"],
            )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=form.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.ExtractionDefinitionSerializer,
        responses=serializers.ExtractionFormVersionSerializer,
    )
    @action(detail=True, methods=["post"])
    def definition(self, request, review_slug=None, pk=None):
        """Save an edited definition: in place while unused, else as version N+1."""
        data = serializers.ExtractionDefinitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = form_services.form_definition_update(
            form=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(serializers.ExtractionFormVersionSerializer(version).data)

    @extend_schema(responses=serializers.ExtractionFormExportSerializer)
    @action(detail=True, methods=["get"])
    def export(self, request, review_slug=None, pk=None):
        """The form as portable JSON (import it into any review)."""
        return Response(form_services.form_export(self.get_object()))

    @extend_schema(
        request=serializers.ExtractionFormImportSerializer,
        responses={201: serializers.ExtractionFormSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_form(self, request, review_slug=None):
        data = serializers.ExtractionFormImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = form_services.form_import(review=self.review, actor=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=form.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=serializers.ExtractionFormCopySerializer,
        responses={201: serializers.ExtractionFormSerializer},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, review_slug=None, pk=None):
        """Copy the form into another review you own."""
        data = serializers.ExtractionFormCopySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target, _ = member_or_404(request.user, data.validated_data["to_review"], role=Role.OWNER)
        copied = form_services.form_copy(
            form=self.get_object(), to_review=target, actor=request.user, title=data.validated_data["title"]
        )
        return Response(serializers.ExtractionFormSerializer(copied).data, status=status.HTTP_201_CREATED)


class FormVersionViewSet(Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every version of the review's forms (old versions stay readable)."""

    queryset = FormVersion.objects.none()
    serializer_class = serializers.ExtractionFormVersionSerializer
    filterset_class = filters.FormVersionFilter
    ordering_fields = ["number", "id"]

    def get_queryset(self):
        return (
            FormVersion.objects.filter(form__review=self.review)
            .select_related("created_by")
            .order_by("form_id", "-number")
        )


class OutcomeMeasureViewSet(
    Scoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The review's outcomes (the owner defines them; key and data type are fixed once created)."""

    queryset = OutcomeMeasure.objects.none()
    serializer_class = serializers.ExtractionOutcomeSerializer
    filterset_class = filters.OutcomeMeasureFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.outcome_measures_of(self.review)

    def perform_create(self, serializer):
        values = serializer.validated_data
        serializer.instance = measure_services.outcome_measure_create(
            review=self.review,
            actor=self.request.user,
            name=values["name"],
            data_type=values["data_type"],
            unit=values.get("unit", ""),
            scale=values.get("scale", ""),
            time_points=values.get("time_points", []),
            key=values.get("key", ""),
        )

    def perform_update(self, serializer):
        values = {
            k: v
            for k, v in serializer.validated_data.items()
            if k in ("name", "unit", "scale", "time_points")
        }
        measure_services.outcome_measure_update(
            measure=serializer.instance, actor=self.request.user, **values
        )


class ExtractionViewSet(Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Extractions: yours, and (while the review is blind) others' once their study is complete."""

    queryset = Extraction.objects.none()
    serializer_class = serializers.ExtractionSerializer
    filterset_class = filters.ExtractionFilter
    ordering_fields = ["id", "updated_at"]
    action_rules = {
        "list": team_only,
        "retrieve": team_only,
        "create": REVIEWER,
        "answer": REVIEWER,
        "rows": REVIEWER,
        "submit": REVIEWER,
        "reopen": REVIEWER,
    }

    def get_queryset(self):
        return selectors.extractions_visible_to(self.review, self.member)

    def _mine(self, pk) -> Extraction:
        return get_object_or_404(
            Extraction.objects.filter(review=self.review, reviewer=self.request.user), pk=pk
        )

    def _fresh(self, pk) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        request=serializers.ExtractionStartSerializer, responses={201: serializers.ExtractionSerializer}
    )
    def create(self, request, review_slug=None):
        """Start (or get) your extraction of a study with a form."""
        data = serializers.ExtractionStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extraction = extraction_services.extraction_start(
            review=self.review,
            actor=request.user,
            study_id=data.validated_data["study"],
            form_id=data.validated_data["form"],
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=extraction.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=serializers.ExtractionAnswerSerializer, responses={200: serializers.ExtractionSerializer}
    )
    @action(detail=True, methods=["post"])
    def answer(self, request, review_slug=None, pk=None):
        """Save one field with the version you last read; 409 if it changed meanwhile (nothing saved)."""
        extraction = self._mine(pk)
        data = serializers.ExtractionAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            extraction_services.extraction_answer_set(
                extraction_id=extraction.pk,
                actor=request.user,
                path=values["path"],
                value=values["value"],
                expected_version=values["version"],
            )
        except StaleVersion as error:
            return _stale(error)
        return self._fresh(pk)

    @extend_schema(
        request=serializers.ExtractionRowSerializer, responses={200: serializers.ExtractionSerializer}
    )
    @action(detail=True, methods=["post"])
    def rows(self, request, review_slug=None, pk=None):
        """Add or remove a row of a repeatable group ("section"), an outcome row or an arm."""
        extraction = self._mine(pk)
        data = serializers.ExtractionRowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        common = {"extraction_id": extraction.pk, "actor": request.user, "expected_version": v["version"]}
        try:
            if v["action"] == "add":
                extraction_services.extraction_row_add(section_key=v["section"], values=v["values"], **common)
            elif v["action"] == "remove":
                extraction_services.extraction_row_remove(
                    section_key=v["section"], index=v.get("index", -1), **common
                )
            elif v["action"] == "add_outcome":
                extraction_services.extraction_outcome_add(
                    measure_id=v.get("outcome") or 0, time_point=v["time_point"], **common
                )
            else:
                extraction_services.extraction_arm_add(row_index=v.get("index", -1), arm=v["arm"], **common)
        except StaleVersion as error:
            return _stale(error)
        return self._fresh(pk)

    @extend_schema(
        request=serializers.ExtractionVersionSerializer, responses={200: serializers.ExtractionSerializer}
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, review_slug=None, pk=None):
        """Submit (required fields and valid outcome data); the study settles when enough are submitted."""
        return self._state(request, pk, extraction_services.extraction_submit)

    @extend_schema(
        request=serializers.ExtractionVersionSerializer, responses={200: serializers.ExtractionSerializer}
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, review_slug=None, pk=None):
        return self._state(request, pk, extraction_services.extraction_reopen)

    def _state(self, request, pk, service):
        extraction = self._mine(pk)
        data = serializers.ExtractionVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            service(
                extraction_id=extraction.pk,
                actor=request.user,
                expected_version=data.validated_data.get("version"),
            )
        except StaleVersion as error:
            return _stale(error)
        return self._fresh(pk)


def _comparison_response(record) -> Response:
    data = []
    for ci in selectors.comparison(record):
        row = {**vars(ci.item), "settlement": ci.settlement}
        row.pop("field", None)
        data.append(row)
    return Response(serializers.ExtractionDifferenceSerializer(data, many=True).data)


class ConsensusViewSet(Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Consensus records (every member, viewers included) and how each difference behind them was settled."""

    queryset = Consensus.objects.none()
    serializer_class = serializers.ExtractionConsensusSerializer
    filterset_class = filters.ConsensusFilter
    ordering_fields = ["id", "created_at"]
    action_rules = {"comparison": team_only}

    def get_queryset(self):
        return selectors.consensus_visible_to(self.review, self.member)

    @extend_schema(responses=serializers.ExtractionDifferenceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def comparison(self, request, review_slug=None, pk=None):
        """The differences of the two extractions behind the record and who settled each (team only)."""
        return _comparison_response(self.get_object())


class ConflictViewSet(Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Submitted extractions that differ: the comparison, settling each difference, resolving into the
    consensus record. The team only (viewers read consensus records)."""

    queryset = ExtractionConflict.objects.none()
    serializer_class = serializers.ExtractionConflictSerializer
    filterset_class = filters.ConflictFilter
    ordering_fields = ["id", "created_at"]
    action_rules = {
        "list": team_only,
        "retrieve": team_only,
        "comparison": team_only,
        "settle": settler,
        "resolve": settler,
    }

    def get_queryset(self):
        return selectors.conflicts_visible_to(self.review, self.member)

    @extend_schema(responses=serializers.ExtractionDifferenceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def comparison(self, request, review_slug=None, pk=None):
        """Every differing field, row, arm and outcome row of the two extractions, and how it was settled."""
        return _comparison_response(self.get_object())

    @extend_schema(
        request=serializers.ExtractionSettleSerializer, responses=serializers.ExtractionConflictSerializer
    )
    @action(detail=True, methods=["post"])
    def settle(self, request, review_slug=None, pk=None):
        data = serializers.ExtractionSettleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            consensus_services.conflict_settle(
                conflict_id=self.get_object().pk,
                actor=request.user,
                path=v["path"],
                choice=v["choice"],
                value=v.get("value"),
                expected_version=v.get("version"),
            )
        except StaleVersion as error:
            return _stale(error)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        request=serializers.ExtractionResolveSerializer,
        responses={201: serializers.ExtractionConsensusSerializer},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, review_slug=None, pk=None):
        """Every difference settled: save the consensus record (by consensus or arbitration)."""
        data = serializers.ExtractionResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            consensus = consensus_services.conflict_resolve(
                conflict_id=self.get_object().pk,
                actor=request.user,
                expected_version=data.validated_data.get("version"),
                note=data.validated_data["note"],
            )
        except StaleVersion as error:
            return _stale(error)
        record = selectors.consensus_of(self.review).get(pk=consensus.pk)
        return Response(
            serializers.ExtractionConsensusSerializer(record).data, status=status.HTTP_201_CREATED
        )


class OutcomeDataViewSet(Scoped, viewsets.GenericViewSet):
    """Consensus outcome data for one outcome at one time point, as synthesis reads it."""

    serializer_class = serializers.ExtractionOutcomeDataQuerySerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("outcome", str, required=True),
            OpenApiParameter("time_point", str, required=True),
        ],
        responses={200: {"type": "array", "items": {"type": "object"}}},
    )
    def list(self, request, review_slug=None):
        data = serializers.ExtractionOutcomeDataQuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        rows = selectors.outcome_data_for_analysis(
            self.review, data.validated_data["outcome"], data.validated_data["time_point"]
        )
        return Response(rows)


class TableViewSet(
    Scoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Characteristics tables: layouts (owner creates) and their rows (`rows` action)."""

    queryset = TableLayout.objects.none()
    serializer_class = serializers.CharacteristicsTableLayoutSerializer
    filterset_class = filters.TableLayoutFilter

    def get_queryset(self):
        return TableLayout.objects.filter(review=self.review).order_by("title")

    def perform_create(self, serializer):
        values = serializer.validated_data
        if values["form"].review_id != self.review.pk:
            raise PermissionDenied("No such form in this review.")
        serializer.instance = table_services.table_create(
            review=self.review,
            actor=self.request.user,
            form=values["form"],
            title=values["title"],
            columns=values["columns"],
            source=values.get("source", "consensus"),
        )

    @extend_schema(responses=serializers.CharacteristicsTableSerializer)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def rows(self, request, review_slug=None, pk=None):
        layout = self.get_object()
        if layout.source == "any" and not may_read_extractions(self.member):
            layout.source = "consensus"
        table = selectors.characteristics_table(layout)
        return Response(
            {"title": table.title, "columns": [list(c) for c in table.columns], "rows": table.rows}
        )
