"""Template context every page gets."""

from .jobs import background_paused


def background(request) -> dict:
    """`background_paused` for the banner in base.html: a callable, so only pages that show it ask."""
    return {"background_paused": background_paused}
