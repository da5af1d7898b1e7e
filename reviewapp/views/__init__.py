"""Browser pages of the core app (server-rendered, htmx for partial updates).

Every view under /reviews/<slug>/ starts with `review_for` (via `member_or_404` / `owner_or_403`):
non-members get 404, members without the needed role 403. Reads go through selectors, writes
through services.
"""

from .common import dashboard_panel

__all__ = ["dashboard_panel"]
