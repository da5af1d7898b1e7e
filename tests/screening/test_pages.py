"""The screening pages: keyboard-first panel swapped by htmx, blinding in the HTML, conflicts, full text,
studies and the dashboard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from screening.models import Conflict, ConflictStatus, Retrieval, Stage, Verdict, Vote
from tests.screening.conftest import in_reviewer_order

PAGES = "/reviews/perinatal-msc/screening"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser():
    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    return client_for


@pytest.mark.parametrize("path", ["/screen/title_abstract/", "/screen/full_text/"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 403),
        ("reviewer", 200),
        ("arbiter", 403),
        ("viewer", 403),
        ("outsider", 404),
    ],
)
def test_only_reviewers_open_the_screening_page(browser, team, records, path, persona, status):
    assert browser(team[persona]).get(PAGES + path).status_code == status


@pytest.mark.parametrize(
    "path", ["/conflicts/", "/fulltext/", "/studies/", "/agreement/", "/screen/title_abstract/progress/"]
)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("owner", 200),
        ("reviewer", 200),
        ("arbiter", 200),
        ("viewer", 200),
        ("outsider", 404),
    ],
)
def test_members_see_the_screening_pages_and_outsiders_get_404(browser, team, records, path, persona, status):
    assert browser(team[persona]).get(PAGES + path).status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client, review):
    response = client.get(PAGES + "/screen/title_abstract/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_screening_page_shows_the_record_criteria_keywords_and_keys(browser, review, bob, make_records):
    review.inclusion_criteria = "Perinatal MSCs in type 1 or type 2 diabetes."
    review.exclusion_criteria = "Bone marrow or adipose MSCs only."
    review.include_keywords = ["umbilical cord"]
    review.exclude_keywords = ["adipose"]
    review.save()
    record = make_records(1, abstract="Umbilical cord cells versus adipose <b>tissue</b>.")[0]
    html = browser(bob).get(PAGES + "/screen/title_abstract/").content.decode()
    assert f'data-record="{record.pk}"' in html
    assert '<mark class="kw-include">Umbilical cord</mark>' in html
    assert '<mark class="kw-exclude">adipose</mark>' in html
    assert "&lt;b&gt;tissue&lt;/b&gt;" in html  # imported text is escaped
    assert (
        "Perinatal MSCs in type 1 or type 2 diabetes." in html and "Bone marrow or adipose MSCs only." in html
    )
    assert "Maybe counts as include" in html
    for testid in (
        "vote-include",
        "vote-exclude",
        "vote-maybe",
        "vote-undo",
        "vote-note",
        "key-legend",
        "progress-mine-remaining",
        "progress-team-percent",
    ):
        assert f'data-testid="{testid}"' in html
    for key in ('data-key="i"', 'data-key="e"', 'data-key="m"', 'data-key="u"', 'data-key="n"'):
        assert key in html


def test_voting_swaps_in_the_next_record_without_a_reload(browser, review, bob, records):
    client = browser(bob)
    first = in_reviewer_order(review, bob, records)
    response = client.post(
        PAGES + "/screen/title_abstract/vote/",
        {"record": first[0].pk, "decision": "include", "note": ""},
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "screening-voted"
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="screen-panel"')
    assert f'data-record="{first[1].pk}"' in html
    assert Vote.objects.get(record=first[0], reviewer=bob).decision == "include"


def test_voting_without_javascript_redirects_back(browser, bob, records):
    response = browser(bob).post(
        PAGES + "/screen/title_abstract/vote/", {"record": records[0].pk, "decision": "exclude"}
    )
    assert response.status_code == 302
    assert Vote.objects.filter(record=records[0]).count() == 1


def test_the_page_never_shows_another_reviewers_vote_before_voting_is_complete(
    browser, bob, carol, records, cast
):
    first = min(records, key=lambda r: r.sort_key)
    cast(carol, first, "exclude", note="CAROL-SECRET-NOTE")
    html = browser(bob).get(PAGES + f"/screen/title_abstract/?record={first.pk}").content.decode()
    assert f'data-record="{first.pk}"' in html  # in bob's queue, carol's vote unseen
    assert "carol" not in html and "CAROL-SECRET-NOTE" not in html
    assert 'data-testid="record-outcome"' not in html and 'data-testid="my-vote"' not in html
    after = browser(bob).post(
        PAGES + "/screen/title_abstract/vote/", {"record": first.pk, "decision": "include"}, **HTMX
    )
    assert "CAROL-SECRET-NOTE" not in after.content.decode()
    assert browser(bob).get(PAGES + "/conflicts/").content.decode().count('data-testid="conflict-row"') == 1


def test_a_fulltext_exclusion_without_a_reason_is_refused_on_the_page(
    browser, bob, records, retrieved, reasons
):
    record = retrieved(records[0])
    client = browser(bob)
    page = client.get(PAGES + "/screen/full_text/").content.decode()
    assert 'data-testid="vote-reason-4"' in page and 'data-testid="vote-maybe"' not in page
    assert "only bone marrow- or adipose-derived MSCs without a perinatal component" in page
    refused = client.post(
        PAGES + "/screen/full_text/vote/", {"record": record.pk, "decision": "exclude"}, **HTMX
    )
    assert refused.status_code == 422
    assert 'data-testid="vote-error"' in refused.content.decode()
    assert not Vote.objects.filter(record=record, stage=Stage.FULL_TEXT).exists()
    accepted = client.post(
        PAGES + "/screen/full_text/vote/",
        {"record": record.pk, "decision": "exclude", "reason": reasons[2].pk},
        **HTMX,
    )
    assert accepted.status_code == 200
    assert Vote.objects.get(record=record, stage=Stage.FULL_TEXT).reason == reasons[2]


def test_the_fulltext_page_shows_the_pdf_beside_the_voting_panel(
    browser, review, alice, bob, carol, records, cast
):
    from screening.services import fulltext

    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    fulltext.retrieval_attach_pdf(
        review=review,
        actor=alice,
        record_id=records[0].pk,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.5\n%%EOF\n", content_type="application/pdf"),
    )
    html = browser(bob).get(PAGES + "/screen/full_text/").content.decode()
    assert f'<iframe src="{PAGES}/fulltext/{records[0].pk}/pdf/"' in html


def test_undo_brings_the_last_record_back(browser, bob, records):
    client = browser(bob)
    client.post(
        PAGES + "/screen/title_abstract/vote/", {"record": records[3].pk, "decision": "exclude"}, **HTMX
    )
    response = client.post(PAGES + "/screen/title_abstract/undo/", **HTMX)
    assert f'data-record="{records[3].pk}"' in response.content.decode()
    assert not Vote.objects.filter(record=records[3]).exists()


def test_previous_shows_my_earlier_vote(browser, bob, records, cast):
    cast(bob, records[1], "maybe", note="check the source")
    html = (
        browser(bob).get(PAGES + f"/screen/title_abstract/?record={records[1].pk}", **HTMX).content.decode()
    )
    assert 'data-decision="maybe"' in html and "check the source" in html
    assert 'data-testid="nav-next"' in html


def test_a_record_outside_my_queue_and_history_is_not_shown(browser, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")  # decided: not in carol's... nor bob's queue any more
    html = browser(carol).get(PAGES + f"/screen/title_abstract/?record={records[0].pk}").content.decode()
    assert f'data-record="{records[0].pk}"' in html  # carol voted on it: her history
    cast(bob, records[1], "include")
    cast(carol, records[1], "include")
    from reviewapp.models import Membership
    from tests.factories import UserFactory

    erin = UserFactory(username="erin")
    Membership.objects.create(review=records[0].review, user=erin, is_reviewer=True)
    html = browser(erin).get(PAGES + f"/screen/title_abstract/?record={records[1].pk}").content.decode()
    assert f'data-record="{records[1].pk}"' not in html


def test_the_arbiter_sees_both_votes_side_by_side_and_decides(
    browser, review, bob, carol, dave, records, cast
):
    cast(bob, records[0], "include", note="perinatal")
    conflict = cast(carol, records[0], "exclude", note="no diabetes outcome").conflict
    client = browser(dave)
    html = client.get(f"{PAGES}/conflicts/{conflict.pk}/").content.decode()
    assert html.count('data-testid="conflict-vote"') == 2
    assert "perinatal" in html and "no diabetes outcome" in html
    assert 'data-testid="resolve-include"' in html
    response = client.post(
        f"{PAGES}/conflicts/{conflict.pk}/", {"decision": "include", "note": "outcomes in T2DM"}
    )
    assert response.status_code == 302
    verdict = Verdict.objects.get(record=records[0])
    assert (verdict.method, verdict.note, verdict.decided_by) == ("arbitration", "outcomes in T2DM", dave)
    assert Conflict.objects.get(pk=conflict.pk).status == ConflictStatus.RESOLVED


def test_a_reviewer_cannot_resolve_on_the_page(browser, bob, carol, records, cast):
    cast(bob, records[0], "include")
    conflict = cast(carol, records[0], "exclude").conflict
    client = browser(bob)
    assert (
        'data-testid="resolve-form"' not in client.get(f"{PAGES}/conflicts/{conflict.pk}/").content.decode()
    )
    assert client.post(f"{PAGES}/conflicts/{conflict.pk}/", {"decision": "include"}).status_code == 403


def test_retrieval_from_the_page(browser, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    client = browser(bob)
    assert f'data-testid="attach-{records[0].pk}"' in client.get(PAGES + "/fulltext/").content.decode()
    client.post(
        f"{PAGES}/fulltext/{records[0].pk}/retrieval/",
        {
            "action": "attach",
            "file": SimpleUploadedFile("r.pdf", b"%PDF-1.7\n%%EOF", content_type="application/pdf"),
        },
    )
    assert Retrieval.objects.get(record=records[0]).status == "retrieved"
    assert client.get(f"{PAGES}/fulltext/{records[0].pk}/pdf/").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example/x", "javascript:alert(1)"])
def test_the_retrieval_form_never_redirects_to_another_site(browser, bob, carol, records, cast, target):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    response = browser(bob).post(
        f"{PAGES}/fulltext/{records[0].pk}/retrieval/",
        {"action": "link", "url": "https://example.org/paper", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == PAGES + "/fulltext/"


def test_the_retrieval_form_goes_back_to_a_page_of_this_site(browser, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    response = browser(bob).post(
        f"{PAGES}/fulltext/{records[0].pk}/retrieval/",
        {"action": "link", "url": "https://example.org/paper", "next": PAGES + "/fulltext/?page=2"},
    )
    assert response["Location"] == PAGES + "/fulltext/?page=2"


@pytest.mark.parametrize("study", ["abc", "9" * 30, ""])
def test_a_study_form_with_a_bad_id_is_a_message_not_a_500(browser, bob, records, study):
    response = browser(bob).post(PAGES + "/studies/", {"action": "split", "study": study, "records": ["x"]})
    assert response.status_code in (200, 302)


def test_a_study_label_over_the_column_length_is_refused_with_a_message(
    browser, bob, carol, make_records, retrieved, cast
):
    from reviewapp.models import Study

    record = make_records(1)[0]
    retrieved(record)
    cast(bob, record, "include", stage=Stage.FULL_TEXT)
    cast(carol, record, "include", stage=Stage.FULL_TEXT)
    client = browser(bob)
    response = client.post(
        PAGES + "/studies/", {"action": "group", "records": [str(record.pk)], "label": "L" * 300}, follow=True
    )
    assert response.status_code == 200
    assert "at most 255 characters" in response.content.decode()
    assert not Study.objects.filter(label="L" * 300).exists()


def test_the_owner_sets_the_reasons_on_the_fulltext_page(browser, alice, bob):
    from tests.screening.conftest import SEED_REASONS

    response = browser(alice).post(PAGES + "/fulltext/reasons/", {"labels": "\n".join(SEED_REASONS)})
    assert response.status_code == 302
    html = browser(bob).get(PAGES + "/fulltext/").content.decode()
    assert html.count('data-testid="exclusion-reason"') == 4
    assert browser(bob).post(PAGES + "/fulltext/reasons/", {"labels": "x"}).status_code == 403


def test_grouping_reports_into_a_study_on_the_page(browser, bob, carol, make_records, retrieved, cast):
    a, b = make_records(2, registry_ids=["NCT04219241"])
    for record in (a, b):
        retrieved(record)
        cast(bob, record, "include", stage=Stage.FULL_TEXT)
        cast(carol, record, "include", stage=Stage.FULL_TEXT)
    client = browser(bob)
    html = client.get(PAGES + "/studies/").content.decode()
    assert 'data-testid="study-suggestion"' in html and "NCT04219241" in html
    client.post(PAGES + "/studies/", {"action": "group", "records": [a.pk, b.pk], "label": "Chin 2025"})
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.study_id == b.study_id and a.study.label == "Chin 2025"


def test_the_dashboard_draws_progress_and_agreement(browser, vera, bob, carol, records, cast):
    for record in records:
        cast(bob, record, "include")
        cast(carol, record, "exclude" if record == records[0] else "include")
    html = browser(vera).get(PAGES + "/agreement/").content.decode()
    assert 'data-testid="progress-chart-title_abstract"' in html and "<polyline" in html
    assert 'data-testid="agreement-pair"' in html
    assert 'data-testid="prisma-link"' in html


def test_the_nav_links_to_every_screening_page(browser, bob, records):
    html = browser(bob).get(PAGES + "/conflicts/").content.decode()
    for testid in ("nav-screening", "nav-conflicts", "nav-fulltext", "nav-studies", "nav-agreement"):
        assert f'data-testid="{testid}"' in html


def test_the_screening_page_costs_a_constant_number_of_queries(
    browser, bob, make_records, cast, django_assert_max_num_queries
):
    records = make_records(30)
    client = browser(bob)
    client.get(PAGES + "/screen/title_abstract/")
    for record in records[:5]:
        cast(bob, record, "include")
    # 16, and the team's set-up: its settings, the label set, an undone vote's note, an open pilot round
    with django_assert_max_num_queries(20):
        assert client.get(PAGES + "/screen/title_abstract/").status_code == 200
    with django_assert_max_num_queries(24):
        client.post(
            PAGES + "/screen/title_abstract/vote/", {"record": records[10].pk, "decision": "exclude"}, **HTMX
        )


def test_an_empty_fulltext_stage_is_not_shown_as_complete(browser, vera, bob, carol, records, cast):
    cast(bob, records[0], "include")
    cast(carol, records[0], "include")
    html = browser(vera).get(PAGES + "/agreement/").content.decode()
    assert 'data-testid="stage-empty-full_text"' in html
    assert "100% of 0 records" not in html


def test_an_empty_work_list_says_where_to_go_next(review, bob, make_records, cast):
    from django.test import Client

    (record,) = make_records(1)
    cast(bob, record, "exclude")
    client = Client()
    client.force_login(bob)
    html = client.get(f"/reviews/{review.slug}/screening/screen/title_abstract/").content.decode()
    after = html.split('data-testid="queue-empty-next"')[1].split("</p>")[0]
    assert f"/reviews/{review.slug}/screening/screen/full_text/" in after
    assert f'href="/reviews/{review.slug}/"' in after  # the overview's next tasks
    html = client.get(f"/reviews/{review.slug}/screening/screen/full_text/").content.decode()
    assert "your next tasks" in html.split('data-testid="queue-empty-next"')[1].split("</p>")[0]


def _tag(html: str, testid: str) -> str:
    """The opening tag of the element with this data-testid."""
    before, _, after = html.partition(f'data-testid="{testid}"')
    assert after, f"no {testid} on the page"
    return before[before.rindex("<") :] + after.split(">", 1)[0]


def test_undo_is_disabled_with_a_reason_until_i_have_voted_at_the_stage(browser, bob, records, cast):
    client = browser(bob)
    html = client.get(PAGES + "/screen/title_abstract/").content.decode()
    assert " disabled" in _tag(html, "vote-undo")
    assert "No vote of yours to undo" in html.split('data-testid="vote-undo-why"')[1].split("</span>")[0]
    cast(bob, records[0], "include")
    html = client.get(PAGES + "/screen/title_abstract/").content.decode()
    assert " disabled" not in _tag(html, "vote-undo")
    assert 'data-testid="vote-undo-why"' not in html
    # my votes at the other stage do not make this one's undo live
    html = client.get(PAGES + "/screen/full_text/").content.decode()
    assert " disabled" in _tag(html, "vote-undo")


def test_progress_with_nothing_to_screen_is_an_empty_state_not_a_full_bar(browser, bob, records):
    html = browser(bob).get(PAGES + "/screen/full_text/progress/").content.decode()  # nothing up at full text
    assert "Nothing to screen for you at this stage." in html
    assert 'data-testid="progress-mine-done"' not in html
    assert "width: 100%" not in html
    html = browser(bob).get(PAGES + "/screen/title_abstract/progress/").content.decode()
    assert 'data-testid="progress-mine-empty"' not in html
    assert _tag(html, "progress-mine-remaining") and f">{len(records)}</strong> left for you" in html
