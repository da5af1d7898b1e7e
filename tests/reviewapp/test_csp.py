"""Content-Security-Policy on every response, and API docs that need nothing from another host."""

import re

import pytest
from django.urls import reverse


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/api/docs/", "/api/schema/"])
def test_responses_carry_a_policy_without_inline_or_foreign_scripts(client, alice, path):
    client.force_login(alice)
    response = client.get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert policy["script-src"] == "script-src 'self'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    assert policy["frame-ancestors"] == "frame-ancestors 'self'"


@pytest.mark.django_db
def test_the_api_docs_page_loads_swagger_ui_from_our_own_static_files(client, alice):
    client.force_login(alice)
    html = client.get(reverse("api-docs")).content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui" in src for src in sources)
    assert all(src.startswith("/") for src in sources), sources  # nothing from a CDN
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html), "inline script on the docs page"


@pytest.mark.django_db
def test_no_template_contains_an_inline_script_or_event_handler():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    offenders = []
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text):
            offenders.append(str(template.relative_to(root)))
    assert offenders == []
