"""REST endpoints of this app, mounted under /api/v1/ by reviewapp/urls.py."""

from reviewapp.api.routers import NestedRouter

from . import views

router = NestedRouter()
nested = r"reviews/(?P<review_slug>[-\w]+)/extraction"
router.register(f"{nested}/forms", views.FormViewSet, basename="extraction-form")
router.register(f"{nested}/form-versions", views.FormVersionViewSet, basename="extraction-form-version")
router.register(f"{nested}/outcomes", views.OutcomeMeasureViewSet, basename="extraction-outcome")
router.register(f"{nested}/extractions", views.ExtractionViewSet, basename="extraction-extraction")
router.register(f"{nested}/consensus", views.ConsensusViewSet, basename="extraction-consensus")
router.register(f"{nested}/conflicts", views.ConflictViewSet, basename="extraction-conflict")
router.register(f"{nested}/outcome-data", views.OutcomeDataViewSet, basename="extraction-outcome-data")
router.register(f"{nested}/tables", views.TableViewSet, basename="extraction-table")

urlpatterns = [*router.urls]
