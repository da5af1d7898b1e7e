"""The router every app's API uses: ids in URLs are digits, so /records/abc/ is a 404, never a 500."""

from rest_framework.routers import DefaultRouter, SimpleRouter


class _DigitsLookup:
    def get_lookup_regex(self, viewset, lookup_prefix=""):
        declared = getattr(viewset, "lookup_value_regex", None)
        if declared is None and getattr(viewset, "lookup_field", "pk") in ("pk", "id"):
            viewset.lookup_value_regex = r"\d+"
        return super().get_lookup_regex(viewset, lookup_prefix)


class ReviewRouter(_DigitsLookup, DefaultRouter):
    """DefaultRouter (with the API root view) whose integer ids accept only digits."""


class NestedRouter(_DigitsLookup, SimpleRouter):
    """SimpleRouter for an app's endpoints nested under /reviews/<review_slug>/."""
