"""Personas (healthchecks style): alice owns the review, bob and carol review it, dave arbitrates,
vera views it, and mallory belongs to no review."""

import os

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from reviewapp.models import Membership

from .factories import ReviewFactory, UserFactory

SHARED_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
if not os.path.isdir(SHARED_DATA):
    SHARED_DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "../shared/data"))

# With CI set, hypothesis loads its built-in "ci" profile (derandomized: the same examples each run, no
# deadline, no example database), so a run on a clean clone is reproducible and a failure there is a failure
# of the change; on a developer's machine each run draws new examples (`HYPOTHESIS_PROFILE=ci` pins them).
if os.environ.get("HYPOTHESIS_PROFILE"):
    hypothesis_settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


def shared(*parts: str) -> str:
    """Path of a file in ../shared/data (read in place, never copied)."""
    return os.path.normpath(os.path.join(SHARED_DATA, *parts))


@pytest.fixture(autouse=True)
def _plain_http(settings, tmp_path):
    """Tests speak plain HTTP to the test server and keep uploads out of the work tree."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.TASKS_MODE = "eager"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from reviewapp import jobs

    jobs._LOCAL.__init__()  # a rolled-back test's job ids come back in the next test


@pytest.fixture
def review(db):
    return ReviewFactory(slug="perinatal-msc", title="Perinatal MSCs in type 2 diabetes")


def _member(review, username, **roles):
    user = UserFactory(username=username)
    Membership.objects.create(review=review, user=user, **roles)
    return user


@pytest.fixture
def alice(review):
    return _member(review, "alice", is_owner=True)


@pytest.fixture
def bob(review):
    return _member(review, "bob", is_reviewer=True)


@pytest.fixture
def carol(review):
    return _member(review, "carol", is_reviewer=True)


@pytest.fixture
def dave(review):
    return _member(review, "dave", is_arbiter=True)


@pytest.fixture
def vera(review):
    return _member(review, "vera", is_viewer=True)


@pytest.fixture
def mallory(db):
    return UserFactory(username="mallory")


@pytest.fixture
def team(alice, bob, carol, dave, vera, mallory):
    return {
        "owner": alice,
        "reviewer": bob,
        "reviewer2": carol,
        "arbiter": dave,
        "viewer": vera,
        "outsider": mallory,
    }


@pytest.fixture
def api():
    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
