"""Extraction pages: roles, the builder, autosave (htmx) with the optimistic version, comparison, tables."""

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from extraction.models import Consensus, Extraction, ExtractionConflict, Form, FormVersion, TableLayout
from extraction.services import extractions as extraction_services
from extraction.services import tables as table_services

PAGES = "/reviews/perinatal-msc/extraction"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def browser():
    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    return client_for


@pytest.fixture
def draft(review, bob, form, studies, fill):
    e = extraction_services.extraction_start(
        review=review, actor=bob, study_id=studies[0].pk, form_id=form.pk
    )
    return fill(e, bob, {"design.country": "China"}, arms=("UC-MSC", "Placebo"))


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("reviewer", 200), ("arbiter", 200), ("viewer", 200), ("outsider", 404)],
)
@pytest.mark.parametrize("path", ["/forms/", "/outcomes/", "/consensus/", "/tables/", "/forms/{form}/"])
def test_members_read_forms_and_consensus_outsiders_get_404(browser, team, form, path, persona, status):
    assert browser(team[persona]).get(PAGES + path.format(form=form.pk)).status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [("owner", 200), ("reviewer", 200), ("arbiter", 200), ("viewer", 403), ("outsider", 404)],
)
def test_viewers_do_not_see_the_study_board(browser, team, form, studies, persona, status):
    assert browser(team[persona]).get(f"{PAGES}/forms/{form.pk}/studies/").status_code == status


def test_only_its_reviewer_opens_an_extraction(browser, team, draft):
    url = f"{PAGES}/x/{draft.pk}/"
    assert browser(team["reviewer"]).get(url).status_code == 200
    assert browser(team["reviewer2"]).get(url).status_code == 404
    assert browser(team["owner"]).get(url).status_code == 403
    assert browser(team["outsider"]).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, review):
    response = client.get(PAGES + "/forms/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- builder --------------------------------------------------------------------------------------


def test_owner_builds_a_repeatable_arms_group_in_the_builder(browser, alice, form):
    client = browser(alice)
    url = f"{PAGES}/forms/{form.pk}/edit/"
    response = client.post(
        url,
        {
            "action": "add_section",
            "key": "groups",
            "title": "Groups",
            "repeatable": "on",
            "row_label": "Group",
        },
        **HTMX,
    )
    assert response.status_code == 200
    response = client.post(
        url,
        {
            "action": "add_field",
            "section": "groups",
            "key": "name",
            "label": "Group name",
            "type": "text",
            "required": "on",
            "row_key": "on",
        },
        **HTMX,
    )
    assert response.status_code == 200
    schema = FormVersion.objects.get(form=form).schema
    groups = schema.section("groups")
    assert groups.repeatable and groups.row_key == ("name",) and groups.field("name").required
    assert b'data-section="groups"' in response.content


def test_builder_errors_are_shown_and_nothing_is_saved(browser, alice, form):
    response = browser(alice).post(
        f"{PAGES}/forms/{form.pk}/edit/",
        {"action": "add_field", "section": "design", "key": "type", "label": "Again", "type": "text"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "field key &#x27;type&#x27; is used twice" in response.content.decode()


def test_reviewers_cannot_edit_forms(browser, bob, form):
    response = browser(bob).post(
        f"{PAGES}/forms/{form.pk}/edit/", {"action": "remove_section", "section": "arms"}
    )
    assert response.status_code == 403


def test_new_form_from_the_clinical_template(browser, alice, review):
    response = browser(alice).post(f"{PAGES}/forms/", {"start": "clinical", "title": ""})
    assert response.status_code == 302
    page = browser(alice).get(response["Location"]).content.decode()
    assert "Perinatal MSC source" in page and "Daily insulin dose" in page


def test_export_is_json_download(browser, vera, form):
    response = browser(vera).get(f"{PAGES}/forms/{form.pk}/json/")
    assert (
        response["Content-Type"] == "application/json"
        and response.json()["definition"]["title"] == "Trial form"
    )


# --- autosave ---------------------------------------------------------------------------------------


def test_extraction_page_renders_the_answers(browser, bob, draft):
    page = browser(bob).get(f"{PAGES}/x/{draft.pk}/").content.decode()
    assert 'name="design.country" value="China"' in page
    assert 'name="arms.1.label" value="Placebo"' in page
    assert f'id="x-version" value="{draft.version}"' in page


def test_autosave_one_field_answers_the_new_version(browser, bob, draft):
    response = browser(bob).post(
        f"{PAGES}/x/{draft.pk}/save/",
        {"path": "arms.0.n", "arms.0.n": "61", "version": draft.version, "design.country": "ignored"},
        **HTMX,
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.answers["arms"][0]["n"] == 61 and draft.answers["design"]["country"] == "China"
    assert f'id="x-version" value="{draft.version}" hx-swap-oob="true"' in response.content.decode()


def test_autosave_from_a_stale_tab_is_refused_with_a_message(browser, bob, draft):
    client = browser(bob)
    old = draft.version
    client.post(
        f"{PAGES}/x/{draft.pk}/save/",
        {"path": "design.country", "design.country": "Indonesia", "version": old},
        **HTMX,
    )
    response = client.post(
        f"{PAGES}/x/{draft.pk}/save/",
        {"path": "design.country", "design.country": "Malaysia", "version": old},
        **HTMX,
    )
    assert response.status_code == 409
    assert "changed in another tab or window" in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers["design"]["country"] == "Indonesia"


def test_bad_value_gets_422_naming_the_field(browser, bob, draft):
    response = browser(bob).post(
        f"{PAGES}/x/{draft.pk}/save/", {"path": "design.follow_up", "design.follow_up": "soon"}, **HTMX
    )
    assert response.status_code == 422
    assert "Design: Follow-up must be a number." in response.content.decode()


def test_multiple_choice_and_units_are_posted_as_one_value(browser, review, alice, bob, studies):
    from extraction.services import forms as form_services

    clinical = form_services.form_from_template(review=review, actor=alice, template="clinical")
    e = extraction_services.extraction_start(
        review=review, actor=bob, study_id=studies[1].pk, form_id=clinical.pk
    )
    client = browser(bob)
    client.post(
        f"{PAGES}/x/{e.pk}/save/",
        {
            "path": "population.diabetes_type",
            "population.diabetes_type__multi": "1",
            "population.diabetes_type": ["t2dm", "t1dm"],
        },
        **HTMX,
    )
    client.post(
        f"{PAGES}/x/{e.pk}/save/",
        {"path": "baseline.hba1c", "baseline.hba1c": "75", "baseline.hba1c__unit": "mmol/mol"},
        **HTMX,
    )
    e.refresh_from_db()
    assert e.answers["population"]["diabetes_type"] == ["t1dm", "t2dm"]
    assert e.answers["baseline"]["hba1c"] == {"value": 75, "unit": "mmol/mol"}


def test_rows_are_added_and_removed_by_htmx(browser, bob, draft):
    client = browser(bob)
    response = client.post(
        f"{PAGES}/x/{draft.pk}/rows/", {"action": "add", "section": "arms", "version": draft.version}, **HTMX
    )
    assert response.status_code == 200 and response.content.decode().count('data-testid="row-arms"') == 3
    draft.refresh_from_db()
    client.post(
        f"{PAGES}/x/{draft.pk}/rows/",
        {"action": "remove", "section": "arms", "index": "0", "version": draft.version},
        **HTMX,
    )
    draft.refresh_from_db()
    assert [r.get("label") for r in draft.answers["arms"]] == ["Placebo", None]


def test_page_and_autosave_cost_a_constant_number_of_queries(
    browser, bob, draft, django_assert_max_num_queries
):
    client = browser(bob)
    client.get(f"{PAGES}/x/{draft.pk}/")
    with django_assert_max_num_queries(10):
        client.get(f"{PAGES}/x/{draft.pk}/")
    draft.refresh_from_db()
    with django_assert_max_num_queries(11):
        client.post(
            f"{PAGES}/x/{draft.pk}/save/",
            {"path": "design.country", "design.country": "Laos", "version": draft.version},
            **HTMX,
        )


# --- comparison, consensus, tables ----------------------------------------------------------------


def test_comparison_page_highlights_differences_and_settles_them(browser, bob, carol, dave, studies, extract):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia", n_uc=60)
    conflict = ExtractionConflict.objects.get()
    page = browser(dave).get(f"{PAGES}/conflicts/{conflict.pk}/").content.decode()
    assert page.count('data-testid="difference"') == 3  # country, arm n, outcome arm n
    response = browser(dave).post(
        f"{PAGES}/conflicts/{conflict.pk}/settle/",
        {"path": "design.country", "choice": "b", "version": conflict.version},
        **HTMX,
    )
    assert response.status_code == 200 and "took B · dave" in response.content.decode()
    stale = browser(dave).post(
        f"{PAGES}/conflicts/{conflict.pk}/settle/",
        {"path": "arms[UC-MSC].n", "choice": "a", "version": conflict.version},
        **HTMX,
    )
    assert (
        stale.status_code == 422 and "Somebody else settled a difference meanwhile" in stale.content.decode()
    )


def test_viewer_sees_consensus_records_but_never_the_two_extractions(
    browser, bob, carol, vera, studies, extract
):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia")
    extract(bob, studies[1])
    extract(carol, studies[1])
    conflict, consensus = ExtractionConflict.objects.get(), Consensus.objects.get()
    assert browser(vera).get(f"{PAGES}/conflicts/{conflict.pk}/").status_code == 403
    assert browser(vera).get(f"{PAGES}/x/{conflict.extraction_a_id}/view/").status_code == 404
    page = browser(vera).get(f"{PAGES}/consensus/{consensus.pk}/").content.decode()
    assert "Lian 2022" in page and "China" in page
    listing = browser(vera).get(f"{PAGES}/consensus/").content.decode()
    assert 'data-testid="conflict-row"' not in listing and listing.count('data-testid="consensus-row"') == 1


def test_characteristics_table_html_csv_xlsx_neutralise_formulas(
    browser, review, alice, bob, carol, vera, studies, extract, form
):
    extract(bob, studies[0], country='=HYPERLINK("http://x")')
    extract(carol, studies[0], country='=HYPERLINK("http://x")')
    table = table_services.table_create(
        review=review,
        actor=alice,
        form=form,
        title="Table 1",
        columns=["design.type", "design.country", "arms.label"],
    )
    page = browser(vera).get(f"{PAGES}/tables/{table.pk}/").content.decode()
    assert "Zang 2022" in page and "UC-MSC; Placebo" in page
    # the page heads the fields with their sections (one cell spanning the section's columns), the flat
    # files keep "Section: Field" in their one header row
    head = page[page.index('data-testid="characteristics"') :].split("</thead>")[0]
    assert '<th colspan="2" scope="colgroup" class="section-head">Design</th>' in head
    assert '<th colspan="1" scope="colgroup" class="section-head">Arms</th>' in head
    assert '<th scope="col">Study type</th><th scope="col">Country</th><th scope="col">Arm</th>' in head
    assert "Design: " not in head
    csv = browser(vera).get(f"{PAGES}/tables/{table.pk}/csv/").content.decode("utf-8-sig")
    assert csv.splitlines()[0] == "Study,Design: Study type,Design: Country,Arms: Arm"
    assert "'=HYPERLINK" in csv
    book = load_workbook(io.BytesIO(browser(vera).get(f"{PAGES}/tables/{table.pk}/xlsx/").content))
    rows = list(book.active.values)
    assert rows[1][:2] == ("Zang 2022", "RCT") and rows[1][2].startswith("'=")
    assert TableLayout.objects.count() == 1 and Extraction.objects.count() == 2


def _n_studies(review, n):
    from reviewapp.models import Study

    start = Study.objects.filter(review=review).count()
    return [Study.objects.create(review=review, label=f"Study {start + i}") for i in range(n)]


def test_study_board_costs_the_same_for_more_studies(
    browser, review, bob, form, studies, django_assert_max_num_queries
):
    client = browser(bob)
    url = f"{PAGES}/forms/{form.pk}/studies/"
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        client.get(url)
    for study in _n_studies(review, 20):
        extraction_services.extraction_start(review=review, actor=bob, study_id=study.pk, form_id=form.pk)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).content.decode().count('data-testid="study-row"') == 23


def test_comparison_and_lists_cost_a_constant_number_of_queries(
    browser, review, bob, carol, dave, studies, extract, form, alice, django_assert_max_num_queries
):
    extract(bob, studies[0])
    extract(carol, studies[0], country="Indonesia", n_uc=60, mean_uc=7.4)
    conflict = ExtractionConflict.objects.get()
    table = table_services.table_create(
        review=review, actor=alice, form=form, title="T1", columns=["design.country", "arms.n"]
    )
    client = browser(dave)
    for url in (f"{PAGES}/conflicts/{conflict.pk}/", f"{PAGES}/consensus/", f"{PAGES}/tables/{table.pk}/"):
        client.get(url)
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200
    extract(bob, studies[1])
    extract(carol, studies[1])
    extract(bob, studies[2])
    extract(carol, studies[2], country="Laos")
    with django_assert_max_num_queries(10):
        page = client.get(f"{PAGES}/tables/{table.pk}/").content.decode()
    # only completed consensus records make table rows: Lian agreed; Zang and Jiang still have differences
    assert "Lian 2022" in page and "Zang 2022" not in page and "Jiang 2011" not in page
    with django_assert_max_num_queries(10):
        listing = client.get(f"{PAGES}/consensus/").content.decode()
    assert (
        listing.count('data-testid="consensus-row"') == 1 and listing.count('data-testid="conflict-row"') == 2
    )
    agreed = Consensus.objects.get()
    with django_assert_max_num_queries(10):
        assert client.get(f"{PAGES}/consensus/{agreed.pk}/").status_code == 200


def test_typed_values_are_escaped_on_the_page(browser, bob, draft, fill):
    evil = '"><script>alert(1)</script>'
    fill(draft, bob, {"design.country": evil, "arms.0.label": evil})
    page = browser(bob).get(f"{PAGES}/x/{draft.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_the_study_board_offers_no_extraction_of_a_settled_study(
    browser, review, alice, bob, carol, form, studies, extract
):
    from extraction.services import forms as form_services

    from .conftest import SMALL_FORM

    animal = form_services.form_create(
        review=review, actor=alice, definition={**SMALL_FORM, "title": "Animal"}
    )
    extract(bob, studies[0])
    extract(carol, studies[0])  # settled by agreement with the trial form
    client = browser(carol)
    board = client.get(f"{PAGES}/forms/{form.pk}/studies/").content.decode()
    row = board.split(f'data-study="{studies[0].pk}"')[1].split("</tr>")[0]
    assert 'data-testid="my-extraction"' in row  # carol's own, submitted
    bobs_view = browser(bob).get(f"{PAGES}/forms/{form.pk}/studies/").content.decode()
    assert f'data-testid="start-{studies[1].pk}"' in bobs_view  # not settled: still offered
    other = client.get(f"{PAGES}/forms/{animal.pk}/studies/").content.decode()
    row = other.split(f'data-study="{studies[0].pk}"')[1].split("</tr>")[0]
    assert "Settled with Trial form" in row and "waiting for submissions" not in row
    assert "Extract with this form too" in row  # possible, but not pressed on the reviewer
    assert "Start extraction" in other.split(f'data-study="{studies[1].pk}"')[1].split("</tr>")[0]


def test_a_third_reviewer_is_not_offered_a_settled_study(browser, review, bob, carol, form, studies, extract):
    from reviewapp.models import Membership
    from tests.factories import UserFactory

    erin = UserFactory(username="erin")
    Membership.objects.create(review=review, user=erin, is_reviewer=True)
    extract(bob, studies[0])
    extract(carol, studies[0])
    board = browser(erin).get(f"{PAGES}/forms/{form.pk}/studies/").content.decode()
    row = board.split(f'data-study="{studies[0].pk}"')[1].split("</tr>")[0]
    assert 'data-testid="settled"' in row and f"start-{studies[0].pk}" not in row


def _json_upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("form.json", data, content_type="application/json")


def test_a_form_file_is_imported_from_the_page(browser, alice, form):
    exported = browser(alice).get(f"{PAGES}/forms/{form.pk}/json/").content
    upload = {"file": _json_upload(exported), "title": "Copy"}
    response = browser(alice).post(f"{PAGES}/forms/import/", upload)
    assert response.status_code == 302
    assert Form.objects.filter(review=form.review, title="Copy").exists()


def test_a_form_file_over_the_size_limit_is_refused_unread(browser, alice, form, settings, monkeypatch):
    from extraction.services import forms as form_services

    exported = browser(alice).get(f"{PAGES}/forms/{form.pk}/json/").content
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = len(exported) + 10  # the limit JSON request bodies have
    monkeypatch.setattr(form_services, "form_import", lambda **kw: pytest.fail("an oversized file was read"))
    padded = exported + b" " * 20
    response = browser(alice).post(
        f"{PAGES}/forms/import/", {"file": _json_upload(padded), "title": "Big"}, follow=True
    )
    text = response.content.decode()
    assert "larger than the limit" in text
    assert not Form.objects.filter(review=form.review, title="Big").exists()
