"""REST API for the core: thin viewsets that read through selectors and write through services."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import selectors
from ..models import (
    AuditEvent,
    DedupRun,
    DuplicateCandidate,
    ImportBatch,
    Membership,
    Record,
    Review,
    ReviewRound,
    Role,
    SearchSource,
)
from ..permissions import ReviewPermission
from ..services import duplicates as dup_services
from ..services import imports as import_services
from ..services import invitations as invitation_services
from ..services import reviews as review_services
from ..services import rounds as round_services
from . import filters, serializers

User = get_user_model()


class ReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Reviews the user is a member of. Create with POST; settings are the owner's."""

    serializer_class = serializers.ReviewSerializer
    lookup_field = "slug"
    lookup_url_kwarg = "review_slug"  # the same name as in every nested path: /reviews/{review_slug}/...
    filterset_fields = ["slug"]
    ordering_fields = ["created_at", "title"]

    def get_queryset(self):
        return selectors.reviews_for(self.request.user).prefetch_related("memberships")

    def get_object(self):
        from ..permissions import member_or_404

        role = Role.OWNER if self.request.method not in ("GET", "HEAD", "OPTIONS") else None
        review, _ = member_or_404(self.request.user, self.kwargs["review_slug"], role=role)
        return review

    @extend_schema(request=serializers.ReviewCreateSerializer, responses=serializers.ReviewSerializer)
    def create(self, request):
        data = serializers.ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_services.review_create(owner=request.user, **data.validated_data)
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        review_services.review_update(
            review=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


class ReviewScoped:
    """Everything under /reviews/<review_slug>/: membership checked, writes need the owner role."""

    permission_classes = [IsAuthenticated, ReviewPermission]
    review: Review
    member: Membership

    def get_queryset(self):
        # Schema generation has no request or review: answer with the (empty) class-level queryset.
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.scoped_queryset()


class MembershipViewSet(
    ReviewScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = serializers.MembershipSerializer
    filterset_class = filters.MembershipFilter

    queryset = Membership.objects.none()

    def scoped_queryset(self):
        return selectors.members_of(self.review)

    @extend_schema(
        request=serializers.MembershipWriteSerializer,
        responses={202: serializers.InvitationSerializer, 201: serializers.MembershipSerializer},
    )
    def create(self, request, review_slug=None):
        """Invite someone (by `username` or `email`): 202 with the invitation, the same answer whether or
        not the account exists; they become a member when they accept the link. Staff may instead create
        an account and add it at once by giving a `password` (201)."""
        data = serializers.MembershipWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("password"):
            return self._create_account(request, values)
        url = request.build_absolute_uri(reverse("invitation", args=["TOKEN"])).replace("TOKEN", "{token}")
        sent = invitation_services.invitation_create(
            review=self.review,
            actor=request.user,
            to=values.get("email") or values.get("username", ""),
            roles=values["roles"],
            accept_url=url,
        )
        body = serializers.InvitationSerializer(sent.invitation).data
        body["accept_url"] = url.replace("{token}", sent.token)
        return Response(body, status=status.HTTP_202_ACCEPTED)

    def _create_account(self, request, values):
        if not request.user.is_staff:
            raise PermissionDenied(
                "Only staff create accounts; invite the person instead (leave out password)."
            )
        member = review_services.member_create_account(
            review=self.review,
            actor=request.user,
            username=values.get("username", ""),
            password=values["password"],
            email=values.get("email", ""),
            roles=values["roles"],
        )
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        review_services.member_remove(review=self.review, actor=self.request.user, member=instance)


class SearchSourceViewSet(ReviewScoped, viewsets.ModelViewSet):
    serializer_class = serializers.SearchSourceSerializer
    filterset_class = filters.SearchSourceFilter
    ordering_fields = ["name", "date_searched"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    queryset = SearchSource.objects.none()

    def scoped_queryset(self):
        return selectors.sources_of_review(self.review)

    def perform_create(self, serializer):
        serializer.instance = review_services.source_create(
            review=self.review, actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        review_services.source_update(
            source=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


class ImportBatchViewSet(
    ReviewScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Upload an export (multipart) → 202 with the import id; poll it for progress."""

    serializer_class = serializers.ImportBatchSerializer
    filterset_class = filters.ImportBatchFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    ordering_fields = ["created_at"]

    queryset = ImportBatch.objects.none()

    def scoped_queryset(self):
        return selectors.imports_of(self.review)

    @extend_schema(
        request=serializers.ImportUploadSerializer, responses={202: serializers.ImportBatchSerializer}
    )
    def create(self, request, review_slug=None):
        data = serializers.ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        source = self._source(values)
        upload = values["file"]
        batch = import_services.import_start(
            review=self.review,
            source=source,
            actor=request.user,
            fileobj=upload,
            file_name=upload.name,
            fmt=values["format"],
            force=values["force"],
        )
        batch.refresh_from_db()
        return Response(self.get_serializer(batch).data, status=status.HTTP_202_ACCEPTED)

    def _source(self, values) -> SearchSource:
        if values.get("source"):
            return get_object_or_404(SearchSource, review=self.review, pk=values["source"])
        if values.get("source_name"):
            return review_services.source_get_or_create(
                review=self.review, actor=self.request.user, name=values["source_name"]
            )
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"source": ["Give a source id or a source_name."]})


class ReviewRoundViewSet(
    ReviewScoped,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Rounds of searching. POST (owner) starts an update: the searches were run again on `date`; the
    imports that follow join it and are de-duplicated against every record already in the review."""

    serializer_class = serializers.ReviewRoundSerializer
    filterset_class = filters.ReviewRoundFilter

    queryset = ReviewRound.objects.none()

    def scoped_queryset(self):
        return selectors.rounds_of(self.review)

    def perform_create(self, serializer):
        started = round_services.round_start(
            review=self.review, actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = selectors.rounds_of(self.review).get(pk=started.pk)


class RecordViewSet(ReviewScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = filters.RecordFilter
    ordering_fields = ["id", "year", "title", "sort_key"]

    queryset = Record.objects.none()

    def scoped_queryset(self):
        qs = selectors.records_of(self.review)
        return qs.defer(None) if self.action == "retrieve" else qs

    def get_serializer_class(self):
        return (
            serializers.RecordDetailSerializer if self.action == "retrieve" else serializers.RecordSerializer
        )

    @extend_schema(responses=serializers.AuditEventSerializer(many=True))
    @action(detail=True, filter_backends=[])  # the record-list filters are not for one record's timeline
    def events(self, request, review_slug=None, pk=None):
        """The record's timeline: import, merges, removals, votes, decisions."""
        record = self.get_object()
        page = self.paginate_queryset(selectors.record_timeline(record, request.user))
        return self.get_paginated_response(serializers.AuditEventSerializer(page, many=True).data)

    @extend_schema(request=serializers.RecordRemoveSerializer, responses=serializers.RecordSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, review_slug=None, pk=None):
        data = serializers.RecordRemoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = dup_services.record_remove(
            record=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(serializers.RecordSerializer(record).data)

    @extend_schema(request=None, responses=serializers.RecordSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, review_slug=None, pk=None):
        record = dup_services.record_restore(record=self.get_object(), actor=request.user)
        return Response(serializers.RecordSerializer(record).data)


class DuplicateCandidateViewSet(
    ReviewScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Candidate duplicate pairs; the uncertain ones (status=pending) are the pairs people decide."""

    serializer_class = serializers.DuplicateCandidateSerializer
    filterset_class = filters.DuplicateCandidateFilter
    ordering_fields = ["score", "id"]

    queryset = DuplicateCandidate.objects.none()

    def scoped_queryset(self):
        return selectors.candidates_of(self.review, status=None)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def merge(self, request, review_slug=None, pk=None):
        candidate = dup_services.candidate_merge(candidate=self.get_object(), actor=request.user)
        return Response(
            self.get_serializer(selectors.candidates_of(self.review, None).get(pk=candidate.pk)).data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def reject(self, request, review_slug=None, pk=None):
        candidate = dup_services.candidate_reject(candidate=self.get_object(), actor=request.user)
        return Response(
            self.get_serializer(selectors.candidates_of(self.review, None).get(pk=candidate.pk)).data
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def undo(self, request, review_slug=None, pk=None):
        candidate = dup_services.candidate_undo(candidate=self.get_object(), actor=request.user)
        return Response(
            self.get_serializer(selectors.candidates_of(self.review, None).get(pk=candidate.pk)).data
        )


class DedupRunViewSet(
    ReviewScoped, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Runs of duplicate detection; POST starts one (a task) and returns it with progress."""

    serializer_class = serializers.DedupRunSerializer
    filterset_fields = ["status"]

    queryset = DedupRun.objects.none()

    def scoped_queryset(self):
        return self.review.dedup_runs.all()

    @extend_schema(request=None, responses={202: serializers.DedupRunSerializer})
    def create(self, request, review_slug=None):
        run = dup_services.dedup_run_start(review=self.review, actor=request.user)
        run.refresh_from_db()
        return Response(self.get_serializer(run).data, status=status.HTTP_202_ACCEPTED)


class AuditEventViewSet(ReviewScoped, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = serializers.AuditEventSerializer
    filterset_fields = ["verb", "record", "batch"]

    queryset = AuditEvent.objects.none()

    def scoped_queryset(self):
        return selectors.review_events(self.review, self.request.user)
