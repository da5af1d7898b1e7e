"""REST endpoints of this app, mounted under /api/v1/ by reviewapp/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("reviews/<slug:review_slug>/prisma/", views.PrismaView.as_view(), name="prisma-counts"),
    path(
        "reviews/<slug:review_slug>/prisma/records/", views.PrismaRecordsView.as_view(), name="prisma-records"
    ),
]
