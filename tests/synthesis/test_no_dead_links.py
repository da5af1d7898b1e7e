"""No dead ends: on the seed review as `load_demo` builds it, every link a page shows a person leads to a page
that person may open (no 403, 404 or 500 behind a link, no redirect to the login page), for each of the demo's
roles."""

from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, resolve

from reviewapp import registry
from synthesis.demo import seed_review_build

pytestmark = pytest.mark.django_db

PER_VIEW = 3  # pages opened per view (a record list links hundreds of record pages alike)
SKIP = ("/accounts/logout/",)  # a link that ends the session


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _links(url: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.hrefs:
        target = urlparse(urljoin(url, href))
        if target.scheme in ("http", "https", "") and target.netloc in ("", "testserver"):
            found.append(target.path + (f"?{target.query}" if target.query else ""))
    return found


def _view(path: str) -> str:
    try:
        return resolve(urlparse(path).path).view_name
    except Resolver404:
        return path


def _dead_links(client: Client, start: str) -> tuple[list, Counter]:
    todo, linked_from, per_view, dead = [start], {start: None}, Counter(), []
    while todo:
        url = todo.pop(0)
        response = client.get(url)
        if response.status_code in (301, 302):  # a way on (e.g. to the next record): follow it
            target = urlparse(urljoin(url, response["Location"]))
            link = target.path + (f"?{target.query}" if target.query else "")
            if target.path == resolve_url(settings.LOGIN_URL):  # sent to log in again: a dead end too
                dead.append((url, f"{response.status_code} to {link}", "linked from", linked_from[url]))
            elif link not in linked_from and link.startswith("/reviews/"):
                linked_from[link] = url
                todo.append(link)
            continue
        if response.status_code != 200:
            dead.append((url, response.status_code, "linked from", linked_from[url]))
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for link in _links(url, response.content.decode()):
            skipped = any(link.startswith(s) for s in SKIP) or not link.startswith("/reviews/")
            if link in linked_from or skipped:
                continue
            linked_from[link] = url
            view = _view(link)
            if per_view[view] < PER_VIEW:
                per_view[view] += 1
                todo.append(link)
    return dead, per_view


def test_every_link_on_the_seed_review_opens_for_the_person_shown_it():
    review = seed_review_build()
    for slug, step in registry.DEMO_REVIEW_STEPS:  # what load_demo adds: extraction, tables, the analysis
        if slug == review.slug:
            step(review=review)
    for username in ("viewer", "reviewer1", "arbiter", "owner"):
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        dead, views = _dead_links(client, f"/reviews/{review.slug}/")
        assert len(views) > 15, username  # the crawl reached the review's pages, not only the overview
        assert dead == [], f"{username} is shown links that do not open: {dead}"
    dead, _ = _dead_links(Client(), f"/reviews/{review.slug}/")  # logged out: the crawl sees the bounce
    assert dead and "to /accounts/login/" in dead[0][1]
