"""Full text: exclusion reasons, report retrieval (and its PDFs), studies."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from reviewapp.models import Record, Review, Study
from reviewapp.permissions import OWNER_OR_REVIEWER
from reviewapp.services import studies as study_services

from ... import selectors
from ...models import ExclusionReason, Stage
from ...services import fulltext as fulltext_services
from .. import filters, serializers
from ._common import ScreeningScoped


class ExclusionReasonViewSet(
    ScreeningScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The review's exclusion reasons (the owner configures them; used ones are deactivated, not deleted)."""

    queryset = ExclusionReason.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.ExclusionReasonSerializer
    filterset_class = filters.ExclusionReasonFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.exclusion_reasons_of(self.review, stage=None, active_only=False)

    def perform_create(self, serializer):
        serializer.instance = fulltext_services.exclusion_reason_create(
            review=self.review,
            actor=self.request.user,
            label=serializer.validated_data["label"],
            stage=serializer.validated_data.get("stage", Stage.FULL_TEXT),
        )

    def perform_update(self, serializer):
        values = {
            k: v for k, v in serializer.validated_data.items() if k in ("label", "is_active", "position")
        }
        fulltext_services.exclusion_reason_update(
            reason=serializer.instance, actor=self.request.user, **values
        )

    def perform_destroy(self, instance):
        fulltext_services.exclusion_reason_update(reason=instance, actor=self.request.user, is_active=False)

    @extend_schema(
        request=serializers.ExclusionReasonsSetSerializer,
        responses=serializers.ExclusionReasonSerializer(many=True),
    )
    @action(detail=False, methods=["post"], url_path="set", pagination_class=None, filter_backends=[])
    def set_list(self, request, review_slug=None):
        """Make these labels the active reasons, in this order."""
        data = serializers.ExclusionReasonsSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reasons = fulltext_services.exclusion_reasons_set(
            review=self.review, actor=request.user, **data.validated_data
        )
        return Response(self.get_serializer(reasons, many=True).data)


class RetrievalViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Reports sought for retrieval (included at title/abstract), by record id; attach a PDF, link, or
    mark not retrieved."""

    queryset = Record.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.RetrievalSerializer
    filterset_class = filters.RetrievalFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    action_rules = {
        "attach": OWNER_OR_REVIEWER,
        "link": OWNER_OR_REVIEWER,
        "not_retrieved": OWNER_OR_REVIEWER,
    }
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.sought_reports(self.review)

    def _answer(self, pk):
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        request={"multipart/form-data": serializers.RetrievalAttachSerializer},
        responses=serializers.RetrievalSerializer,
    )
    @action(detail=True, methods=["post"])
    def attach(self, request, review_slug=None, pk=None):
        data = serializers.RetrievalAttachSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulltext_services.retrieval_attach_pdf(
            review=self.review, actor=request.user, record_id=int(pk), upload=data.validated_data["file"]
        )
        return self._answer(pk)

    @extend_schema(request=serializers.RetrievalLinkSerializer, responses=serializers.RetrievalSerializer)
    @action(detail=True, methods=["post"])
    def link(self, request, review_slug=None, pk=None):
        data = serializers.RetrievalLinkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulltext_services.retrieval_link(
            review=self.review, actor=request.user, record_id=int(pk), url=data.validated_data["url"]
        )
        return self._answer(pk)

    @extend_schema(
        request=serializers.RetrievalNotRetrievedSerializer, responses=serializers.RetrievalSerializer
    )
    @action(detail=True, methods=["post"], url_path="not-retrieved")
    def not_retrieved(self, request, review_slug=None, pk=None):
        data = serializers.RetrievalNotRetrievedSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fulltext_services.retrieval_not_retrieved(
            review=self.review, actor=request.user, record_id=int(pk), reason=data.validated_data["reason"]
        )
        return self._answer(pk)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, review_slug=None, pk=None):
        """The stored PDF (members only)."""
        return pdf_response(self.review, int(pk))


def pdf_response(review: Review, record_id: int) -> FileResponse:
    retrieval = selectors.retrieval_of(review, record_id)
    if retrieval is None or not retrieval.file:
        raise Http404("No PDF for this record.")
    response = FileResponse(retrieval.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="record-{record_id}.pdf"'
    response["Cache-Control"] = "private, max-age=300"
    return response


class StudyViewSet(
    ScreeningScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Studies and their reports; group reports, merge and split studies; suggestions from shared ids."""

    queryset = Study.objects.none()  # for the schema; get_queryset scopes to the review
    serializer_class = serializers.StudySerializer
    filterset_class = filters.StudyFilter
    ordering_fields = ["label", "created_at"]
    action_rules = {"create": OWNER_OR_REVIEWER, "merge": OWNER_OR_REVIEWER, "split": OWNER_OR_REVIEWER}

    def get_queryset(self):
        return selectors.studies_of(self.review)

    def _answer(self, study, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=study.pk)).data, status=code)

    @extend_schema(request=serializers.StudyGroupSerializer, responses={201: serializers.StudySerializer})
    def create(self, request, review_slug=None):
        """Group reports into one study: a new one, the one some of them are in, or their studies merged."""
        data = serializers.StudyGroupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_services.study_group(
            review=self.review,
            actor=request.user,
            record_ids=data.validated_data["records"],
            label=data.validated_data["label"],
        )
        return self._answer(study, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.StudyMergeSerializer, responses=serializers.StudySerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, review_slug=None, pk=None):
        data = serializers.StudyMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_services.study_merge(
            review=self.review,
            actor=request.user,
            target_id=self.get_object().pk,
            other_ids=data.validated_data["studies"],
        )
        return self._answer(study)

    @extend_schema(request=serializers.StudyGroupSerializer, responses={201: serializers.StudySerializer})
    @action(detail=True, methods=["post"])
    def split(self, request, review_slug=None, pk=None):
        """Move some reports of this study into a new study."""
        data = serializers.StudyGroupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        study = study_services.study_split(
            review=self.review,
            actor=request.user,
            study_id=self.get_object().pk,
            record_ids=data.validated_data["records"],
            label=data.validated_data["label"],
        )
        return self._answer(study, status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.SuggestionSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], filter_backends=[])
    def suggestions(self, request, review_slug=None):
        """Included reports that share an NCT (or other registry) id or a DOI and are not yet one study."""
        page = self.paginate_queryset(selectors.study_suggestions(self.review))
        return self.get_paginated_response(serializers.SuggestionSerializer(page, many=True).data)
