"""/favicon.ico: browsers ask for it on every page whatever the <link rel="icon"> says. It redirects to
the SVG icon under STATIC_URL, so whitenoise (and its hashed, long-cached name with the manifest storage
of production) serves the file; nothing is read from the database and no sign-in is needed."""

from __future__ import annotations

from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

ICON = "favicon.svg"


@require_GET
@cache_control(max_age=24 * 3600, public=True)
def favicon(request) -> HttpResponseRedirect:
    return HttpResponseRedirect(static(ICON))
