"""REST endpoints of this app, mounted under /api/v1/ by reviewapp/urls.py."""

from django.urls import path

from reviewapp.api.routers import NestedRouter

from . import analyses, views

router = NestedRouter()
nested = r"reviews/(?P<review_slug>[-\w]+)"
router.register(f"{nested}/analyses", analyses.AnalysisViewSet, basename="analysis")
router.register(f"{nested}/analysis-runs", analyses.AnalysisRunViewSet, basename="analysis-run")

urlpatterns = [
    path("reviews/<slug:review_slug>/prisma/", views.PrismaView.as_view(), name="prisma-counts"),
    path(
        "reviews/<slug:review_slug>/prisma/records/", views.PrismaRecordsView.as_view(), name="prisma-records"
    ),
    *router.urls,
]
