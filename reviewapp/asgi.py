import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reviewapp.settings")
application = get_asgi_application()

from reviewapp.startup import require_production_secret  # noqa: E402  (needs the settings loaded)

require_production_secret()
