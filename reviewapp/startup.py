"""Checks the web server runs before it serves a single request."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def require_production_secret() -> None:
    """Refuse to serve with DEBUG off and no DJANGO_SECRET_KEY: the key signs sessions and CSRF tokens,
    so a development or throw-away key in production is a security hole, not a default."""
    if not settings.DEBUG and not settings.SECRET_KEY_FROM_ENV and not settings._UNDER_PYTEST:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it (e.g. `python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'`) or run with DJANGO_DEBUG=1 for local development."
        )
