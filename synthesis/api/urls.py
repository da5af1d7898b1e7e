"""REST endpoints of this app, mounted under /api/v1/ by reviewapp/urls.py."""

from reviewapp.api.routers import NestedRouter

from . import analyses

router = NestedRouter()
nested = r"reviews/(?P<review_slug>[-\w]+)"
router.register(f"{nested}/analyses", analyses.AnalysisViewSet, basename="analysis")
router.register(f"{nested}/analysis-runs", analyses.AnalysisRunViewSet, basename="analysis-run")

urlpatterns = router.urls
