"""REST endpoints of this app, mounted under /api/v1/ by reviewapp/urls.py."""

from reviewapp.api.routers import NestedRouter

from . import views

router = NestedRouter()
nested = r"reviews/(?P<review_slug>[-\w]+)/risk-of-bias"
router.register(f"{nested}/tools", views.ToolViewSet, basename="rob-tool")
router.register(f"{nested}/items", views.ItemViewSet, basename="rob-item")
router.register(f"{nested}/assessments", views.AssessmentViewSet, basename="rob-assessment")
router.register(f"{nested}/proposals", views.ProposalViewSet, basename="rob-proposal")
router.register(f"{nested}/comparisons", views.ComparisonViewSet, basename="rob-comparison")
router.register(f"{nested}/consensus", views.ConsensusViewSet, basename="rob-consensus")

urlpatterns = router.urls
