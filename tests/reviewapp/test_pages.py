"""Browser pages of the core app: who sees what, what the owner can do, and what the pages show."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviewapp.models import (
    AuditEvent,
    CandidateStatus,
    DedupRun,
    DuplicateCandidate,
    ImportBatch,
    ImportStatus,
    Membership,
    Record,
    Review,
    SearchSource,
)
from reviewapp.views.common import DASHBOARD_PANELS

from ..conftest import shared
from ..factories import ImportBatchFactory, RecordFactory, SearchSourceFactory, UserFactory

pytestmark = pytest.mark.django_db
SLUG = "perinatal-msc"
PUBMED_46 = shared("formats", "ris_by_database", "citesource_pubmed_46.ris")
XSS = "<script>alert(1)</script>"


def url(name, *args):
    return reverse(name, args=[SLUG, *args])


@pytest.fixture
def world(review, team):
    """A review with one source, one import of two records, a pending duplicate pair and a dedup run."""
    source = SearchSourceFactory(review=review, name="PubMed")
    batch = ImportBatchFactory(source=source, file_name="pubmed.ris", records_count=2)
    a = RecordFactory(batch=batch, title="Cord MSCs in type 2 diabetes", doi="10.1/x", journal="Stem Cells")
    b = RecordFactory(
        batch=batch, title="Cord MSCs in type 2 diabetes.", doi="10.1/x", journal="Stem Cells J"
    )
    pair = DuplicateCandidate.objects.create(
        review=review, record_a=a, record_b=b, score=0.8, reasons=["title", "doi"]
    )
    run = DedupRun.objects.create(review=review, status=ImportStatus.SUCCEEDED)
    bob_member = Membership.objects.get(review=review, user=team["reviewer"])
    return {"source": source, "batch": batch, "a": a, "b": b, "pair": pair, "run": run, "member": bob_member}


def _get_pages(world):
    return [
        url("review-detail"),
        url("member-list"),
        url("source-list"),
        url("import-detail", world["batch"].pk),
        url("import-progress", world["batch"].pk),
        url("record-list"),
        url("record-detail", world["a"].pk),
        url("duplicate-queue"),
        url("dedup-progress", world["run"].pk),
    ]


def _owner_pages(world):
    return [url("review-settings"), url("source-edit", world["source"].pk), url("import-new")]


def _owner_posts(world):
    """(url, data) of every owner-only action."""
    return [
        (url("review-settings"), {"title": "Hijacked", "votes_required": 3}),
        (url("member-list"), {"to": "mallory", "roles": ["owner"]}),
        (
            url("member-account-new"),
            {"new-username": "eve", "new-password": "a-long-Passw0rd!", "new-roles": ["owner"]},
        ),
        (url("member-roles", world["member"].pk), {"roles": ["owner"]}),
        (url("member-remove", world["member"].pk), {}),
        (url("source-list"), {"name": "Scopus", "kind": "database"}),
        (url("source-edit", world["source"].pk), {"name": "Renamed", "kind": "other"}),
        (url("import-new"), {"source": world["source"].pk, "format": "auto"}),
        (url("record-remove", world["a"].pk), {"reason": "incomplete"}),
        (url("record-restore", world["a"].pk), {}),
        (url("dedup-start"), {}),
        (url("candidate-merge", world["pair"].pk), {}),
        (url("candidate-reject", world["pair"].pk), {}),
        (url("candidate-undo", world["pair"].pk), {}),
    ]


def _snapshot(review):
    """Everything an owner action could change."""
    review = Review.objects.get(pk=review.pk)
    return {
        "review": (review.title, review.votes_required),
        "members": sorted((m.user_id, tuple(m.roles)) for m in Membership.objects.filter(review=review)),
        "sources": sorted(SearchSource.objects.filter(review=review).values_list("name", "kind")),
        "imports": ImportBatch.objects.filter(review=review).count(),
        "records": sorted(
            Record.objects.filter(review=review).values_list("id", "duplicate_of", "removed_reason")
        ),
        "pairs": sorted(DuplicateCandidate.objects.filter(review=review).values_list("id", "status")),
        "runs": DedupRun.objects.filter(review=review).count(),
        "events": AuditEvent.objects.filter(review=review).count(),
    }


def _login(client, user):
    client.force_login(user)
    return client


# --- Who may see and do what ------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    for page_url in [reverse("home"), reverse("review-new")] + _get_pages(world):
        response = client.get(page_url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_outsider_gets_404_for_every_page_and_action_and_changes_nothing(client, world, mallory, review):
    _login(client, mallory)
    before = _snapshot(review)
    for page_url in _get_pages(world) + _owner_pages(world):
        assert client.get(page_url).status_code == 404, page_url
    for action_url, data in _owner_posts(world):
        assert client.post(action_url, data).status_code == 404, action_url
    assert _snapshot(review) == before


@pytest.mark.parametrize("persona", ["owner", "reviewer", "arbiter", "viewer"])
def test_every_member_sees_the_review_pages(client, world, team, persona):
    _login(client, team[persona])
    for page_url in _get_pages(world):
        assert client.get(page_url).status_code == 200, page_url


@pytest.mark.parametrize("persona", ["reviewer", "arbiter", "viewer"])
def test_owner_only_pages_are_forbidden_to_other_roles(client, world, team, persona):
    _login(client, team[persona])
    for page_url in _owner_pages(world):
        assert client.get(page_url).status_code == 403, page_url


@pytest.mark.parametrize("persona", ["reviewer", "arbiter", "viewer"])
def test_owner_actions_are_forbidden_to_other_roles_and_change_nothing(client, world, team, persona, review):
    _login(client, team[persona])
    before = _snapshot(review)
    for action_url, data in _owner_posts(world):
        assert client.post(action_url, data).status_code == 403, action_url
    assert _snapshot(review) == before


@pytest.mark.parametrize("persona", ["reviewer", "arbiter", "viewer"])
def test_other_roles_are_not_shown_owner_controls(client, world, team, persona):
    _login(client, team[persona])
    pages = {
        name: client.get(url(name)).content.decode()
        for name in ("source-list", "duplicate-queue", "member-list", "review-detail")
    }
    assert "Add a source" not in pages["source-list"]
    assert "Find duplicates</button>" not in pages["duplicate-queue"]
    assert "Not a duplicate <kbd>N</kbd></button>" not in pages["duplicate-queue"]
    assert "Create an account" not in pages["member-list"]
    assert url("review-settings") not in pages["review-detail"]


def test_owner_sees_owner_controls(client, world, alice):
    _login(client, alice)
    assert "Add a source" in client.get(url("source-list")).content.decode()
    queue = client.get(url("duplicate-queue")).content.decode()
    assert "Find duplicates</button>" in queue and "Not a duplicate <kbd>N</kbd></button>" in queue
    assert url("review-settings") in client.get(url("review-detail")).content.decode()


# --- Home, creating and configuring a review ----------------------------------------------------------------


def test_home_lists_only_my_reviews_with_my_roles(client, world, bob):
    Review.objects.create(slug="someone-elses", title="Someone else's review")
    _login(client, bob)
    page = client.get(reverse("home")).content.decode()
    assert "Perinatal MSCs in type 2 diabetes" in page
    assert "Someone else" not in page
    assert "reviewer" in page


def test_any_user_can_create_a_review_and_becomes_its_owner_and_reviewer(client, mallory):
    _login(client, mallory)
    response = client.post(reverse("review-new"), {"title": "Exercise for knee osteoarthritis", "slug": ""})
    review = Review.objects.get(slug="exercise-for-knee-osteoarthritis")
    assert response.status_code == 302
    assert response["Location"] == reverse("review-detail", args=[review.slug])
    assert Membership.objects.get(review=review, user=mallory).roles == ["owner", "reviewer"]


@pytest.mark.parametrize("title", ["New", "Restore"])
def test_a_slug_that_names_a_page_of_the_site_is_refused(client, review, mallory, title):
    _login(client, mallory)  # reviews/new/ and reviews/restore/ come before reviews/<slug>/
    response = client.post(reverse("review-new"), {"title": title, "slug": ""})
    assert response.status_code == 400 and "names a page of the site" in response.content.decode()
    assert Review.objects.count() == 1


def test_a_taken_slug_is_shown_next_to_the_field_and_the_input_is_kept(client, review, mallory):
    _login(client, mallory)
    response = client.post(reverse("review-new"), {"title": "My own title", "slug": SLUG})
    page = response.content.decode()
    assert response.status_code == 400
    assert "exists already" in page and 'value="My own title"' in page
    assert Review.objects.count() == 1


def test_owner_saves_settings_and_keywords_become_lists(client, review, alice):
    Review.objects.filter(pk=review.pk).update(created_by=alice)  # as review_create leaves it
    _login(client, alice)
    response = client.post(
        url("review-settings"),
        {
            "title": "New title",
            "description": "",
            "votes_required": 3,
            "blind": "on",
            "inclusion_criteria": "RCTs in adults",
            "exclusion_criteria": "",
            "include_keywords": "mesenchymal, umbilical\nWharton's jelly",
            "exclude_keywords": "mice;rats",
        },
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.title, review.votes_required) == ("New title", 3)
    assert (review.blind, review.allow_consensus, review.owner_can_resolve) == (True, False, False)
    assert review.include_keywords == ["mesenchymal", "umbilical", "Wharton's jelly"]
    assert review.exclude_keywords == ["mice", "rats"]
    page = client.get(url("review-settings")).content.decode()
    assert "Wharton&#x27;s jelly" in page


def test_settings_errors_show_next_to_the_field_and_keep_the_input(client, review, alice):
    _login(client, alice)
    response = client.post(url("review-settings"), {"title": "Typed title", "votes_required": 9})
    assert response.status_code == 400
    page = response.content.decode()
    assert "less than or equal to 5" in page and 'value="Typed title"' in page
    review.refresh_from_db()
    assert review.votes_required == 2


# --- Members ------------------------------------------------------------------------------------------------


def test_inviting_an_existing_user_adds_nobody_until_they_accept(client, review, alice):
    newcomer = UserFactory(username="nina")
    _login(client, alice)
    response = client.post(url("member-list"), {"to": "Nina", "roles": ["reviewer", "arbiter"]})
    assert response.status_code == 302
    assert not Membership.objects.filter(review=review, user=newcomer).exists()
    assert 'data-invitee="Nina"' in client.get(url("member-list")).content.decode()


def test_staff_create_an_account_and_add_it(client, review, alice):
    alice.is_staff = True
    alice.save()
    _login(client, alice)
    response = client.post(
        url("member-account-new"),
        {
            "new-username": "oscar",
            "new-email": "oscar@example.org",
            "new-password": "Lantern-Harbour-72",
            "new-roles": ["viewer"],
        },
    )
    assert response.status_code == 302
    member = Membership.objects.get(review=review, user__username="oscar")
    assert member.roles == ["viewer"] and member.user.check_password("Lantern-Harbour-72")


def test_a_weak_password_is_refused_next_to_the_field_and_no_account_is_made(client, review, alice):
    alice.is_staff = True
    alice.save()
    _login(client, alice)
    response = client.post(
        url("member-account-new"), {"new-username": "oscar", "new-password": "123", "new-roles": ["viewer"]}
    )
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not Membership.objects.filter(user__username="oscar").exists()
    assert not get_user_model().objects.filter(username="oscar").exists()


def test_owner_changes_a_members_roles(client, review, alice, bob):
    membership = Membership.objects.get(review=review, user=bob)
    _login(client, alice)
    client.post(url("member-roles", membership.pk), {"roles": ["reviewer", "arbiter"]})
    membership.refresh_from_db()
    assert membership.roles == ["reviewer", "arbiter"]


def test_owner_removes_a_member(client, review, alice, bob):
    membership = Membership.objects.get(review=review, user=bob)
    _login(client, alice)
    client.post(url("member-remove", membership.pk))
    assert not Membership.objects.filter(pk=membership.pk).exists()


@pytest.mark.parametrize("action", ["remove", "demote"])
def test_the_last_owner_cannot_be_removed_or_demoted(client, review, alice, action):
    membership = Membership.objects.get(review=review, user=alice)
    _login(client, alice)
    if action == "remove":
        response = client.post(url("member-remove", membership.pk), follow=True)
    else:
        response = client.post(url("member-roles", membership.pk), {"roles": ["reviewer"]}, follow=True)
    assert "needs at least one owner" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_owner


# --- Sources and imports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,kind",
    [
        ("PubMed/MEDLINE", "database"),
        ("ClinicalTrials.gov", "register"),
        ("Citation searching", "other"),
    ],
)
def test_owner_adds_a_source_of_each_kind(client, review, alice, name, kind):
    _login(client, alice)
    response = client.post(
        url("source-list"),
        {
            "name": name,
            "kind": kind,
            "date_searched": "2023-05-12",
            "search_string": '"umbilical cord" AND MSC',
        },
    )
    assert response.status_code == 302
    source = SearchSource.objects.get(review=review, name=name)
    assert (source.kind, str(source.date_searched)) == (kind, "2023-05-12")
    page = client.get(url("source-list")).content.decode()
    assert name in page and "&quot;umbilical cord&quot; AND MSC" in page


def test_a_second_source_with_the_same_name_is_refused_next_to_the_field(client, review, alice):
    SearchSourceFactory(review=review, name="Scopus")
    _login(client, alice)
    response = client.post(url("source-list"), {"name": "scopus", "kind": "database"})
    assert response.status_code == 400
    assert "has a source named" in response.content.decode()
    assert SearchSource.objects.filter(review=review).count() == 1


def test_owner_edits_a_source(client, review, alice):
    source = SearchSourceFactory(review=review, name="WoS")
    _login(client, alice)
    assert 'value="WoS"' in client.get(url("source-edit", source.pk)).content.decode()
    client.post(
        url("source-edit", source.pk),
        {"name": "Web of Science Core Collection", "kind": "database", "search_string": "TS=(MSC)"},
    )
    source.refresh_from_db()
    assert (source.name, source.search_string) == ("Web of Science Core Collection", "TS=(MSC)")


def _upload(client, source, path=PUBMED_46, **extra):
    with open(path, "rb") as handle:
        data = {"source": source.pk, "format": "auto", "files": handle, **extra}
        return client.post(url("import-new"), data)


def test_uploading_a_real_export_imports_its_records_and_shows_the_result(
    client, review, alice, django_capture_on_commit_callbacks
):
    source = SearchSourceFactory(review=review, name="PubMed")
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, source)
    batch = ImportBatch.objects.get(review=review)
    assert response.status_code == 302 and response["Location"] == url("import-detail", batch.pk)
    assert batch.status == ImportStatus.SUCCEEDED and Record.objects.filter(batch=batch).count() == 46
    page = client.get(url("import-detail", batch.pk)).content.decode()
    assert "Imported 46 records" in page and "hx-trigger" not in page
    assert f"{url('record-list')}?batch={batch.pk}" in page
    listed = client.get(url("record-list"), {"batch": batch.pk}).content.decode()
    assert "46 records" in listed and "citesource_pubmed_46.ris" in listed


def test_uploading_the_same_file_again_is_refused_with_a_message_unless_forced(
    client, review, alice, django_capture_on_commit_callbacks
):
    source = SearchSourceFactory(review=review, name="PubMed")
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, source)
    before = _snapshot(review)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, source)
    assert response.status_code == 400
    assert "was already imported into" in response.content.decode()
    assert _snapshot(review) == before
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, source, force="on")
    assert response.status_code == 302
    assert Record.objects.filter(review=review).count() == 92


def test_a_file_over_the_size_limit_is_refused(client, review, alice, settings):
    settings.IMPORT_MAX_BYTES = 1000
    source = SearchSourceFactory(review=review, name="PubMed")
    _login(client, alice)
    response = _upload(client, source)
    assert response.status_code == 400
    assert "the limit is 1000" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_uploading_without_a_file_asks_for_one(client, review, alice):
    source = SearchSourceFactory(review=review, name="PubMed")
    _login(client, alice)
    response = client.post(url("import-new"), {"source": source.pk, "format": "auto"})
    assert response.status_code == 400 and "Choose at least one file" in response.content.decode()


def test_import_progress_partial_polls_while_running_and_stops_when_finished(client, review, alice):
    batch = ImportBatchFactory(
        source=SearchSourceFactory(review=review),
        status=ImportStatus.RUNNING,
        size=1000,
        progress={"bytes": 420, "records": 120},
    )
    _login(client, alice)
    running = client.get(url("import-progress", batch.pk)).content.decode()
    assert f'hx-get="{url("import-progress", batch.pk)}"' in running and "hx-trigger" in running
    assert "width: 42%" in running and "120 records so far" in running
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.SUCCEEDED, records_count=1234)
    done = client.get(url("import-progress", batch.pk)).content.decode()
    assert "hx-trigger" not in done and "width: 100%" in done and "Imported 1234 records" in done


def test_a_failed_import_shows_its_whole_error(client, review, alice, bob):
    message = "broken.ris (line 17, entry 3): a tag outside an entry <TY missing>"
    batch = ImportBatchFactory(
        source=SearchSourceFactory(review=review), status=ImportStatus.FAILED, error=message
    )
    _login(client, bob)
    escaped = message.replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in client.get(url("import-detail", batch.pk)).content.decode()
    assert escaped in client.get(url("source-list")).content.decode()
    assert "hx-trigger" not in client.get(url("import-progress", batch.pk)).content.decode()


# --- Records ------------------------------------------------------------------------------------------------


@pytest.fixture
def shelf(review):
    """Records from two sources with different years, abstracts and states."""
    pubmed = ImportBatchFactory(source=SearchSourceFactory(review=review, name="PubMed"))
    scopus = ImportBatchFactory(source=SearchSourceFactory(review=review, name="Scopus"))
    records = {
        "old": RecordFactory(batch=pubmed, title="Islet transplantation outcomes", year=2005, abstract=""),
        "new": RecordFactory(batch=pubmed, title="Umbilical cord MSC infusion", year=2022),
        "scopus": RecordFactory(batch=scopus, title="Wharton jelly cells and insulin", year=2019),
        "untitled": RecordFactory(batch=scopus, title="", year=2020),
    }
    records["dup"] = RecordFactory(
        batch=scopus, title="Umbilical cord MSC infusion (dup)", year=2022, duplicate_of=records["new"]
    )
    records["gone"] = RecordFactory(
        batch=pubmed, title="Conference abstract only", year=2021, removed_reason="incomplete"
    )
    return records


@pytest.mark.parametrize(
    "query,expected",
    [
        ({}, {"old", "new", "scopus", "untitled", "dup", "gone"}),
        ({"source": "scopus"}, {"scopus", "untitled", "dup"}),
        ({"year_min": 2019, "year_max": 2021}, {"scopus", "untitled", "gone"}),
        ({"has_abstract": "false"}, {"old"}),
        ({"status": "active"}, {"old", "new", "scopus", "untitled"}),
        ({"status": "duplicate"}, {"dup"}),
        ({"status": "removed"}, {"gone"}),
        ({"q": "umbilical infusion"}, {"new", "dup"}),
        ({"has_title": "false"}, {"untitled"}),
    ],
)
def test_record_filters_narrow_the_list(client, review, vera, shelf, query, expected):
    if query.get("source") == "scopus":
        query = {"source": shelf["scopus"].source_id}
    _login(client, vera)
    response = client.get(url("record-list"), query)
    listed = {record.pk for record, _ in response.context["rows"]}
    assert {key for key, record in shelf.items() if record.pk in listed} == expected


def test_a_mistyped_filter_is_explained_and_the_rest_still_applies(client, review, vera, shelf):
    _login(client, vera)
    response = client.get(url("record-list"), {"year_min": "twenty", "status": "removed"})
    assert response.status_code == 200
    assert (
        "Enter a whole number" in response.content.decode() and 'value="twenty"' in response.content.decode()
    )
    assert [record.pk for record, _ in response.context["rows"]] == [shelf["gone"].pk]


def test_record_list_shows_a_no_title_badge_sources_and_status(client, review, bob, shelf):
    _login(client, bob)
    page = client.get(url("record-list")).content.decode()
    assert '<span class="badge warn">No title</span>' in page
    assert "duplicate of" in page and "removed: incomplete bibliographic data" in page
    assert "Smith, J.; Doe, A." in page


def test_record_list_is_paginated_by_50(client, review, bob):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review))
    RecordFactory.create_batch(51, batch=batch)
    _login(client, bob)
    first = client.get(url("record-list"))
    second = client.get(url("record-list"), {"page": 2})
    assert len(first.context["rows"]) == 50 and len(second.context["rows"]) == 1
    assert "Page 1 of 2" in first.content.decode()


def _add_records(review, count):
    sources = [SearchSourceFactory(review=review, name=f"Source {n}") for n in range(5)]
    batches = [ImportBatchFactory(source=source) for source in sources]
    return [RecordFactory(batch=batches[number % 5]) for number in range(count)]


def test_record_list_costs_the_same_number_of_queries_for_5_and_50_records(
    client, review, bob, django_assert_max_num_queries
):
    records = _add_records(review, 5)
    _login(client, bob)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url("record-list")).context["rows"]) == 5
    more = ImportBatchFactory(source=records[0].source)
    RecordFactory.create_batch(40, batch=more)
    RecordFactory.create_batch(3, batch=more, duplicate_of=records[0])
    RecordFactory.create_batch(2, batch=more, removed_reason="incomplete")
    with django_assert_max_num_queries(len(five)):
        assert len(client.get(url("record-list")).context["rows"]) == 50


def test_imported_text_is_escaped_on_the_list_and_detail_pages(client, review, bob):
    record = RecordFactory(
        batch=ImportBatchFactory(source=SearchSourceFactory(review=review)),
        title=XSS,
        authors=[XSS],
        journal=XSS,
        abstract=XSS,
        url="javascript:alert(1)",
    )
    _login(client, bob)
    for page_url in (url("record-list"), url("record-detail", record.pk)):
        page = client.get(page_url).content.decode()
        assert XSS not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="javascript:' not in client.get(url("record-detail", record.pk)).content.decode()


def test_record_detail_shows_raw_entry_sources_duplicates_and_history(client, review, alice, bob, shelf):
    from reviewapp.services.audit import event_log

    event_log(
        review=review, actor=alice, verb="duplicate.merged", record=shelf["dup"], other_record=shelf["new"]
    )
    _login(client, bob)
    page = client.get(url("record-detail", shelf["new"].pk)).content.decode()
    assert '<pre class="raw">TY  - JOUR\nTI  - Umbilical cord MSC infusion\nER  - </pre>' in page
    assert "PubMed" in page and "Scopus" in page  # its own source and the duplicate's
    assert url("record-detail", shelf["dup"].pk) in page
    assert "Merged as a duplicate by a person" in page and "alice" in page
    dup_page = client.get(url("record-detail", shelf["dup"].pk)).content.decode()
    assert "This record is a duplicate of" in dup_page and url("record-detail", shelf["new"].pk) in dup_page


def test_a_record_of_another_review_is_not_found(client, review, bob):
    other = RecordFactory()
    _login(client, bob)
    assert client.get(url("record-detail", other.pk)).status_code == 404


def test_owner_removes_a_record_with_a_reason_and_restores_it(client, review, alice, shelf):
    record = shelf["old"]
    _login(client, alice)
    response = client.post(url("record-remove", record.pk), {"reason": "automation", "note": ""})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.removed_reason == "automation"
    page = client.get(url("record-detail", record.pk)).content.decode()
    assert "Marked ineligible by automation tools" in page and "Restore record" in page
    client.post(url("record-restore", record.pk))
    record.refresh_from_db()
    assert record.removed_reason == ""
    verbs = list(AuditEvent.objects.filter(record=record).values_list("verb", flat=True))
    assert verbs == ["record.removed", "record.restored"]


def test_removing_for_another_reason_needs_a_note(client, review, alice, shelf):
    _login(client, alice)
    response = client.post(url("record-remove", shelf["old"].pk), {"reason": "other", "note": ""})
    assert response.status_code == 400 and "Say why the record is removed" in response.content.decode()
    shelf["old"].refresh_from_db()
    assert shelf["old"].removed_reason == ""


# --- Duplicates ---------------------------------------------------------------------------------------------


def test_queue_shows_the_pair_side_by_side_with_differences_highlighted(client, world, bob):
    _login(client, bob)
    response = client.get(url("duplicate-queue"))
    rows = {row["label"]: row["differs"] for row in response.context["pairs"][0]["rows"]}
    assert rows["Title"] is False  # only a trailing full stop differs
    assert rows["Journal"] is True and rows["DOI"] is False
    page = response.content.decode()
    assert '<td class="diff">Stem Cells J</td>' in page and "0.80" in page


def test_owner_merges_a_pair_from_the_queue(client, world, alice):
    _login(client, alice)
    response = client.post(url("candidate-merge", world["pair"].pk), {"next": url("duplicate-queue")})
    assert response.status_code == 302 and response["Location"] == url("duplicate-queue")
    world["pair"].refresh_from_db()
    assert world["pair"].status == CandidateStatus.MERGED
    merged = Record.objects.filter(pk__in=[world["a"].pk, world["b"].pk], duplicate_of__isnull=False)
    assert merged.count() == 1
    decided = client.get(url("duplicate-queue"), {"status": "merged"}).content.decode()
    assert "Undo merge" in decided


def test_owner_says_a_pair_is_not_a_duplicate(client, world, alice):
    _login(client, alice)
    client.post(url("candidate-reject", world["pair"].pk))
    world["pair"].refresh_from_db()
    assert world["pair"].status == CandidateStatus.REJECTED
    assert not Record.objects.filter(duplicate_of__isnull=False).exists()


def test_owner_undoes_a_merge(client, world, alice):
    _login(client, alice)
    client.post(url("candidate-merge", world["pair"].pk))
    client.post(url("candidate-undo", world["pair"].pk))
    world["pair"].refresh_from_db()
    assert world["pair"].status == CandidateStatus.PENDING  # back to "to decide" (issue 13 item 2)
    assert not Record.objects.filter(duplicate_of__isnull=False).exists()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"duplicate.merged", "duplicate.unmerged"} <= verbs


def test_an_htmx_merge_answers_with_the_decided_pair(client, world, alice):
    _login(client, alice)
    response = client.post(
        url("candidate-merge", world["pair"].pk), {"next": url("duplicate-queue")}, HTTP_HX_REQUEST="true"
    )
    page = response.content.decode()
    assert response.status_code == 200 and f'id="pair-{world["pair"].pk}"' in page
    assert "Merged by a person" in page and "Undo merge" in page and "<html" not in page


def test_merging_a_pair_with_a_removed_record_explains_why_not(client, world, alice):
    Record.objects.filter(pk=world["a"].pk).update(removed_reason="incomplete")
    _login(client, alice)
    response = client.post(url("candidate-merge", world["pair"].pk), follow=True)
    assert "restore it first" in response.content.decode()
    world["pair"].refresh_from_db()
    assert world["pair"].status == CandidateStatus.PENDING


def test_find_duplicates_runs_and_merges_exact_doi_matches(
    client, review, alice, django_capture_on_commit_callbacks
):
    batch = ImportBatchFactory(source=SearchSourceFactory(review=review))
    for journal in ("Stem Cell Res Ther", "Stem Cell Research & Therapy"):
        RecordFactory(
            batch=batch,
            title="Umbilical cord MSCs for type 2 diabetes: a randomised trial",
            doi="10.1186/s13287-021-02111-1",
            journal=journal,
            pages="101-110",
            volume="12",
        )
    _login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("dedup-start"))
    assert response.status_code == 302
    run = DedupRun.objects.get(review=review)
    assert run.status == ImportStatus.SUCCEEDED
    assert Record.objects.filter(review=review, duplicate_of__isnull=False).count() == 1
    page = client.get(url("duplicate-queue")).content.decode()
    assert "1 merged automatically" in page and "hx-trigger" not in page


def test_dedup_progress_partial_polls_until_the_run_has_finished(client, review, alice):
    run = DedupRun.objects.create(review=review, status=ImportStatus.RUNNING)
    _login(client, alice)
    running = client.get(url("dedup-progress", run.pk), {"polling": 1}, HTTP_HX_REQUEST="true")
    assert "hx-trigger" in running.content.decode() and "HX-Refresh" not in running
    DedupRun.objects.filter(pk=run.pk).update(status=ImportStatus.SUCCEEDED, auto_merged=3)
    done = client.get(url("dedup-progress", run.pk), {"polling": 1}, HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode() and done["HX-Refresh"] == "true"


# --- The overview -------------------------------------------------------------------------------------------


def test_overview_counts_records_by_state_and_source(client, review, vera, shelf):
    _login(client, vera)
    response = client.get(url("review-detail"))
    expected = {"total": 6, "duplicates": 1, "removed": 1, "untitled": 1, "active": 4}
    assert response.context["states"] == expected
    assert response.context["by_kind"]["database"] == 6
    page = response.content.decode()
    assert "Records identified" in page and "PubMed" in page and "Scopus" in page


def test_other_apps_can_add_a_panel_to_the_overview(client, review, vera, monkeypatch):
    def panel(request, review, member):
        return {"template": "reviewapp/_panel.html", "title": "Screening", "stats": [("Screened", 17)]}

    monkeypatch.setattr("reviewapp.views.common.DASHBOARD_PANELS", [*DASHBOARD_PANELS, panel])
    _login(client, vera)
    page = client.get(url("review-detail")).content.decode()
    assert "Screening</h2>" in page and '<div class="stat">17</div>' in page


def test_queue_shows_why_a_pair_is_uncertain_what_agrees_and_what_conflicts_escaped(client, world, alice):
    world["a"].title = '<script>alert("x")</script> Cord MSCs'
    world["a"].save(update_fields=["title"])
    pair = world["pair"]
    pair.reasons = ["same title", "same first author", "same year", "different DOI"]
    pair.guard = "identifiers conflict: different DOI"
    pair.save(update_fields=["reasons", "guard"])
    _login(client, alice)

    page = client.get(url("duplicate-queue")).content.decode()

    assert "Why a person decides:</strong> identifiers conflict: different DOI" in page
    assert '<span class="badge ok" data-testid="pair-agree">same first author</span>' in page
    assert '<span class="badge bad" data-testid="pair-conflict">different DOI</span>' in page
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;alert(&quot;x&quot;)" in page
    assert 'data-dup-key="m"' in page and 'data-dup-key="n"' in page and 'id="dup-key-legend"' in page


def test_an_undone_merge_is_back_in_to_decide_with_its_buttons(client, world, alice):
    _login(client, alice)
    client.post(url("candidate-merge", world["pair"].pk))
    client.post(url("candidate-undo", world["pair"].pk))

    page = client.get(url("duplicate-queue")).content.decode()

    assert f'id="pair-{world["pair"].pk}"' in page
    assert "Not a duplicate <kbd>N</kbd></button>" in page and "Merges undone" not in page


def test_deciding_by_htmx_returns_the_pair_with_its_new_state(client, world, alice):
    _login(client, alice)
    response = client.post(url("candidate-reject", world["pair"].pk), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div class="card pair"')
    assert "Marked as not a duplicate." in body and 'data-open="1"' not in body
