"""Browser pages: /, /reviews/new/ and everything under /reviews/<slug>/."""

from django.urls import path
from django.views.generic import RedirectView

from .views import duplicates, records, reviews, sources

review = "reviews/<slug:slug>/"

urlpatterns = [
    path("", reviews.home, name="home"),
    path("reviews/", RedirectView.as_view(pattern_name="home", permanent=False), name="review-list"),
    path("reviews/new/", reviews.review_new, name="review-new"),
    path("reviews/restore/", reviews.review_restore_page, name="review-restore"),
    path("reviews/restore/<int:pk>/", reviews.review_restore_job, name="review-restore-job"),
    path(
        "reviews/restore/<int:pk>/progress/", reviews.review_restore_progress, name="review-restore-progress"
    ),
    path(review, reviews.review_detail, name="review-detail"),
    path(f"{review}settings/", reviews.review_settings, name="review-settings"),
    path(f"{review}members/", reviews.member_list, name="member-list"),
    path(
        f"{review}members/invitations/<int:pk>/revoke/", reviews.invitation_revoke, name="invitation-revoke"
    ),
    path("invitations/<str:token>/", reviews.invitation, name="invitation"),
    path(f"{review}members/new-account/", reviews.member_account_new, name="member-account-new"),
    path(f"{review}members/<int:pk>/roles/", reviews.member_roles, name="member-roles"),
    path(f"{review}members/<int:pk>/remove/", reviews.member_remove, name="member-remove"),
    path(f"{review}sources/", sources.source_list, name="source-list"),
    path(f"{review}sources/<int:pk>/edit/", sources.source_edit, name="source-edit"),
    path(f"{review}rounds/new/", sources.round_new, name="round-new"),
    path(f"{review}imports/new/", sources.import_new, name="import-new"),
    path(f"{review}imports/<int:pk>/", sources.import_detail, name="import-detail"),
    path(f"{review}imports/<int:pk>/progress/", sources.import_progress, name="import-progress"),
    path(f"{review}records/", records.record_list, name="record-list"),
    path(f"{review}records/<int:pk>/", records.record_detail, name="record-detail"),
    path(f"{review}records/<int:pk>/remove/", records.record_remove, name="record-remove"),
    path(f"{review}records/<int:pk>/restore/", records.record_restore, name="record-restore"),
    path(f"{review}duplicates/", duplicates.duplicate_pairs, name="duplicate-queue"),
    path(f"{review}duplicates/find/", duplicates.dedup_start, name="dedup-start"),
    path(f"{review}duplicates/runs/<int:pk>/progress/", duplicates.dedup_progress, name="dedup-progress"),
    path(f"{review}duplicates/<int:pk>/merge/", duplicates.candidate_merge, name="candidate-merge"),
    path(f"{review}duplicates/<int:pk>/reject/", duplicates.candidate_reject, name="candidate-reject"),
    path(f"{review}duplicates/<int:pk>/undo/", duplicates.candidate_undo, name="candidate-undo"),
]
