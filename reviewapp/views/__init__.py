"""Browser pages of the core app (server-rendered, htmx for partial updates).

Every view under /reviews/<slug>/ starts with `member_or_404` (via `member_page` / `owner_or_403`):
non-members get 404, members without the needed role 403. Reads go through selectors, writes
through services.
"""

from .common import dashboard_panel

__all__ = ["dashboard_panel"]
