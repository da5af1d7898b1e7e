from django.urls import path

from reviewapp.api.routers import NestedRouter

from . import views

router = NestedRouter()
nested = r"reviews/(?P<review_slug>[-\w]+)/screening"
router.register(f"{nested}/queue", views.WorklistViewSet, basename="screening-queue")
router.register(f"{nested}/votes", views.VoteViewSet, basename="screening-vote")
router.register(f"{nested}/conflicts", views.ConflictViewSet, basename="screening-conflict")
router.register(f"{nested}/verdicts", views.VerdictViewSet, basename="screening-verdict")
router.register(f"{nested}/exclusion-reasons", views.ExclusionReasonViewSet, basename="screening-reason")
router.register(f"{nested}/retrievals", views.RetrievalViewSet, basename="screening-retrieval")
router.register(f"{nested}/studies", views.StudyViewSet, basename="screening-study")
router.register(f"{nested}/labels", views.LabelViewSet, basename="screening-label")
router.register(f"{nested}/assignments", views.AssignmentViewSet, basename="screening-assignment")
router.register(f"{nested}/pilots", views.PilotViewSet, basename="screening-pilot")

urlpatterns = [
    *router.urls,
    path(
        "reviews/<slug:review_slug>/screening/agreement/",
        views.AgreementView.as_view(),
        name="screening-agreement",
    ),
    path(
        "reviews/<slug:review_slug>/screening/progress/",
        views.ProgressView.as_view(),
        name="screening-progress",
    ),
    path(
        "reviews/<slug:review_slug>/screening/priority/",
        views.PriorityView.as_view(),
        name="screening-priority",
    ),
    path(
        "reviews/<slug:review_slug>/screening/stopping/",
        views.StoppingView.as_view(),
        name="screening-stopping",
    ),
    path(
        "reviews/<slug:review_slug>/screening/stopping/stop/",
        views.StopView.as_view(),
        name="screening-stopping-stop",
    ),
    path(
        "reviews/<slug:review_slug>/screening/stopping/undo/",
        views.StopUndoView.as_view(),
        name="screening-stopping-undo",
    ),
]
