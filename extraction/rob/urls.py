"""Browser pages of this app, mounted under /reviews/<slug>/ by reviewapp/urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
