from . import views
from .routers import ReviewRouter

router = ReviewRouter()
router.register("reviews", views.ReviewViewSet, basename="review")
nested = r"reviews/(?P<review_slug>[-\w]+)"
router.register(f"{nested}/members", views.MembershipViewSet, basename="member")
router.register(f"{nested}/sources", views.SearchSourceViewSet, basename="source")
router.register(f"{nested}/rounds", views.ReviewRoundViewSet, basename="round")
router.register(f"{nested}/imports", views.ImportBatchViewSet, basename="import")
router.register(f"{nested}/records", views.RecordViewSet, basename="record")
router.register(f"{nested}/duplicates", views.DuplicateCandidateViewSet, basename="duplicate")
router.register(f"{nested}/dedup-runs", views.DedupRunViewSet, basename="dedup-run")
router.register(f"{nested}/events", views.AuditEventViewSet, basename="event")

urlpatterns = router.urls
