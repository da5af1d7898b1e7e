"""Security defaults: how the settings react to the environment, login throttling, e-mail, secrets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from ..factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]

_PRINT = (
    "import json, django; from django.conf import settings; django.setup();"
    "d = settings.DATABASES['default'];"
    "print(json.dumps({'engine': d['ENGINE'], 'options': d.get('OPTIONS', {}),"
    " 'proxy': getattr(settings, 'SECURE_PROXY_SSL_HEADER', None), 'email': settings.EMAIL_BACKEND,"
    " 'key_from_env': settings.SECRET_KEY_FROM_ENV, 'key': settings.SECRET_KEY[:26]}))"
)


def _settings_in_a_fresh_process(**env_overrides) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "EMAIL_"))}
    env.pop("DATABASE_URL", None)
    env.update(DJANGO_SETTINGS_MODULE="reviewapp.settings", **env_overrides)
    out = subprocess.run(
        [sys.executable, "-c", _PRINT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("how", ["default", "url"])
def test_sqlite_gets_the_same_protections_however_it_is_chosen(tmp_path, how):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"} if how == "url" else {}
    found = _settings_in_a_fresh_process(**env)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert found["options"]["timeout"] == 30
    assert "journal_mode=WAL" in found["options"]["init_command"]


def test_the_forwarded_proto_header_is_trusted_only_when_configured():
    assert _settings_in_a_fresh_process()["proxy"] is None
    trusted = _settings_in_a_fresh_process(DJANGO_TRUST_X_FORWARDED_PROTO="1")
    assert trusted["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_email_goes_to_the_console_unless_an_smtp_host_is_set():
    assert _settings_in_a_fresh_process()["email"] == "django.core.mail.backends.console.EmailBackend"
    smtp = _settings_in_a_fresh_process(EMAIL_HOST="smtp.example.org")
    assert smtp["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_commands_without_a_secret_key_get_a_throwaway_one_not_the_development_key():
    found = _settings_in_a_fresh_process()
    assert found["key_from_env"] is False
    assert found["key"].startswith("django-insecure-ephemeral-")


def test_the_web_server_refuses_to_start_without_a_secret_key_when_debug_is_off():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    out = subprocess.run(
        [sys.executable, "-c", "import reviewapp.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in out.stderr
    ok = subprocess.run(
        [sys.executable, "-c", "import reviewapp.wsgi"],
        cwd=ROOT,
        env=dict(env, DJANGO_SECRET_KEY="x" * 60, DJANGO_ALLOWED_HOSTS="example.org"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ok.returncode == 0, ok.stderr


def _try_login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_the_login_even_for_the_right_password(client):
    UserFactory(username="target", password="the-right-password-1")
    for _ in range(4):
        response = _try_login(client, "target", "wrong")
        assert response.status_code == 200  # the form again, with its error
    assert _try_login(client, "target", "wrong").status_code == 429  # the fifth failure locks
    locked = _try_login(client, "target", "the-right-password-1")
    assert locked.status_code == 429
    assert b"Too many failed log-ins" in locked.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_admin_login_is_throttled_too(client):
    UserFactory(username="boss", password="the-right-password-1", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/admin/login/", {"username": "boss", "password": "wrong"})
    locked = client.post("/admin/login/", {"username": "boss", "password": "the-right-password-1"})
    assert locked.status_code == 429


@pytest.mark.django_db
def test_a_right_password_before_the_limit_logs_in_and_resets_the_count(client):
    UserFactory(username="target", password="the-right-password-1")
    for _ in range(4):
        _try_login(client, "target", "wrong")
    response = _try_login(client, "target", "the-right-password-1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_password_reset_sends_a_link_that_sets_a_new_password(client):
    user = UserFactory(username="forgetful", email="f@example.org", password="old-password-123")
    page = client.get(reverse("password_reset"))
    assert page.status_code == 200 and b"Reset your password" in page.content
    response = client.post(reverse("password_reset"), {"email": "f@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["f@example.org"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line).strip()
    path = link[link.index("/accounts/") :]
    form = client.get(path, follow=True)
    assert b"Set a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-new-pass-42", "new_password2": "brand-new-pass-42"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-pass-42")


@pytest.mark.django_db
def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert b"If an account uses that address" in response.content
    assert mail.outbox == []
