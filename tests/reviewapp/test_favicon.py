"""The site icon: linked from every page's head, and /favicon.ico (asked for by browsers regardless) is a
redirect to it under STATIC_URL, not a 404 - with the development finders and with production's
collected, hashed files served by whitenoise."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client, override_settings


def test_every_page_links_the_svg_icon_and_it_is_a_static_file(client):
    html = client.get("/accounts/login/").content.decode()
    link = html.split('<link rel="icon"')[1].split(">")[0]
    assert 'href="/static/favicon.svg"' in link and 'type="image/svg+xml"' in link
    path = finders.find("favicon.svg")
    assert path and Path(path).read_text().startswith("<svg")


def test_favicon_ico_redirects_to_the_icon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    assert client.post("/favicon.ico").status_code == 405


def test_favicon_ico_finds_the_hashed_icon_whitenoise_serves_in_production(tmp_path, db):
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    only_ours = ["django.contrib.staticfiles.finders.FileSystemFinder"]  # not every app's files: quick
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages, STATICFILES_FINDERS=only_ours):
        call_command("collectstatic", "--noinput", verbosity=0)
        client = Client()  # a new handler: whitenoise scans the collected files when it starts
        location = client.get("/favicon.ico")["Location"]
        assert location.startswith("/static/favicon.") and location != "/static/favicon.svg"  # hashed
        served = client.get(location)
        assert served.status_code == 200 and served["Content-Type"].startswith("image/svg+xml")
        assert b"".join(served.streaming_content).startswith(b"<svg")
