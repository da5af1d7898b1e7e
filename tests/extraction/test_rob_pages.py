"""Risk-of-bias pages: who sees what (outsiders 404), the live assessment form, Moderate/serious refused
in the form, comparison and consensus, the Table 3 page, figures and downloads; query counts bounded."""

import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from extraction.rob.models import Assessment, ConsensusAssessment, RobItem

from .rob_app import CHIN_REASON, SEED_DOMAINS, enter_table3, seed_studies
from .rob_seed import seed_table3

pytestmark = pytest.mark.django_db
BASE = "/reviews/perinatal-msc/risk-of-bias"


@pytest.fixture
def studies(review):
    return seed_studies(review)


@pytest.fixture
def settled(review, bob, carol, dave, studies):
    """Table 3 by bob (Chin D7 Serious) and carol (Chin D7 Moderate); dave settled Chin D7 as Serious."""
    from extraction.rob import services

    enter_table3(review, bob, studies, choice="serious")
    enter_table3(review, carol, studies, choice="moderate")
    chin = RobItem.objects.get(study=studies[1])
    services.consensus_settle(
        review=review, actor=dave, item_id=chin.pk, domains={"d7": {"judgement": "serious"}}
    )
    return chin


def _client(client, user):
    client.force_login(user)
    return client


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    "who, code", [("owner", 200), ("reviewer", 200), ("arbiter", 200), ("viewer", 200), ("outsider", 404)]
)
def test_index_for_every_role(client, team, settled, who, code, django_assert_max_num_queries):
    _client(client, team[who])
    with django_assert_max_num_queries(20):
        response = client.get(f"{BASE}/")
    assert response.status_code == code
    if code == 200:
        html = response.content.decode()
        assert html.count('data-testid="rob-item"') == 3
        assert 'data-testid="rob-traffic-light"><svg' in html and "Chin et al., 2025" in html
        assert ('data-testid="rob-start"' in html) == (who == "reviewer")


def test_index_query_count_does_not_grow_with_studies(
    client, review, bob, carol, studies, django_assert_max_num_queries
):
    from reviewapp.models import Study

    enter_table3(review, bob, studies)
    for n in range(10):
        Study.objects.create(review=review, label=f"Extra {n}")
    _client(client, bob)
    with django_assert_max_num_queries(20):
        assert client.get(f"{BASE}/").status_code == 200


@pytest.mark.parametrize("who, code", [("owner", 403), ("viewer", 403), ("arbiter", 403), ("outsider", 404)])
def test_only_reviewers_start(client, team, studies, who, code):
    response = _client(client, team[who]).post(f"{BASE}/start/", {"study": studies[0].pk, "tool": "robins_i"})
    assert response.status_code == code and not Assessment.objects.exists()


def test_reviewer_starts_and_fills_the_form(client, bob, studies, django_assert_max_num_queries):
    _client(client, bob)
    response = client.post(
        f"{BASE}/start/", {"study": studies[0].pk, "tool": "robins_i", "effect": "assignment"}
    )
    a = Assessment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}/assessments/{a.pk}/"
    with django_assert_max_num_queries(12):
        page = client.get(f"{BASE}/assessments/{a.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="q-d1-1_1"' in html
    assert re.search(r'data-testid="q-d1-1_2"[^>]*hidden', html)  # 1.2 shows only after 1.1 Y/PY

    form = {
        "answer-d6-6.1": "N",
        "answer-d6-6.2": "Y",
        "answer-d6-6.3": "Y",
        "answer-d6-6.4": "N",
        "support-d6-6.1": "p. 5: 'HbA1c measured centrally'",
        "judgement-d6": "Moderate",
        "action": "save",
    }
    refused = client.post(f"{BASE}/assessments/{a.pk}/", form)
    assert refused.status_code == 422
    assert "the tool proposes Low; give a reason for Moderate" in _text(refused.content.decode())
    form["reason-d6"] = "HbA1c assay changed mid-study."
    assert client.post(f"{BASE}/assessments/{a.pk}/", form).status_code == 302
    a.refresh_from_db()
    assert a.domains["d6"] == {
        "proposed": "low",
        "judgement": "moderate",
        "reason": "HbA1c assay changed mid-study.",
        "support": "",
    }
    assert a.support["d6"]["6.1"] == "p. 5: 'HbA1c measured centrally'"


def test_live_proposals_follow_the_answers_without_saving(client, bob, studies):
    _client(client, bob)
    client.post(f"{BASE}/start/", {"study": studies[0].pk, "tool": "robins_i"})
    a = Assessment.objects.get()
    html = client.post(f"{BASE}/assessments/{a.pk}/propose/", {"answer-d1-1.1": "Y"}).content.decode()
    box = re.search(r'<div id="proposal-d1"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in box and 'data-visible="1.1 1.2"' in box
    html = client.post(f"{BASE}/assessments/{a.pk}/propose/", {"answer-d1-1.1": "N"}).content.decode()
    assert 'data-visible="1.1"' in html and 'data-level="low"' in html
    a.refresh_from_db()
    assert a.answers == {}


def test_moderate_serious_is_refused_in_the_form_and_the_choice_keeps_its_reason(client, bob, studies):
    _client(client, bob)
    client.post(f"{BASE}/start/", {"study": studies[1].pk, "tool": "robins_i"})
    a = Assessment.objects.get()
    form = {
        "judgement-d7": "Moderate/serious",
        "dsupport-d7": "retrospective analysis, partial reporting",
        "action": "save",
    }
    refused = client.post(f"{BASE}/assessments/{a.pk}/", form)
    text = _text(refused.content.decode())
    assert refused.status_code == 422
    assert (
        "'Moderate/serious' names more than one level; choose one (Moderate or Serious) and record why."
        in text
    )
    assert 'data-testid="choice-d7-serious"' in refused.content.decode()
    form.update({"choice-d7": "serious", "reason-d7": CHIN_REASON})
    assert client.post(f"{BASE}/assessments/{a.pk}/", form).status_code == 302
    a.refresh_from_db()
    assert a.domains["d7"]["judgement"] == "serious" and a.domains["d7"]["reason"] == CHIN_REASON


@pytest.mark.parametrize(
    "who, code", [("reviewer2", 404), ("viewer", 403), ("owner", 403), ("outsider", 404)]
)
def test_an_assessment_page_is_its_assessors_only(client, review, team, studies, who, code):
    (a,) = enter_table3(review, team["reviewer"], studies[:1], submit=False)
    assert _client(client, team[who]).get(f"{BASE}/assessments/{a.pk}/").status_code == code


def test_consensus_page_settles_a_conflict(client, review, team, studies, django_assert_max_num_queries):
    enter_table3(review, team["reviewer"], studies[1:2], choice="serious")
    enter_table3(review, team["reviewer2"], studies[1:2], choice="moderate")
    chin = RobItem.objects.get(study=studies[1])
    url = f"{BASE}/items/{chin.pk}/"
    _client(client, team["arbiter"])
    with django_assert_max_num_queries(15):
        html = client.get(url).content.decode()
    assert re.search(r'data-testid="compare-d7" data-differs="yes"', html)
    assert 'data-testid="compare-d1" data-differs="no"' in html and 'data-testid="settle-d7"' in html
    assert client.post(url, {"judgement-d7": "", "note": "x"}).status_code == 422
    assert (
        client.post(url, {"judgement-d7": "serious", "reason-d7": "No protocol.", "note": "Met."}).status_code
        == 302
    )
    consensus = ConsensusAssessment.objects.get()
    assert consensus.domains["d7"]["settled_by"] == "dave" and consensus.overall == "serious"

    client.force_login(team["viewer"])
    viewer = client.get(url).content.decode()
    assert 'data-testid="consensus"' in viewer and 'data-testid="comparison"' not in viewer
    assert client.post(url, {"judgement-d7": "moderate"}).status_code == 403
    client.force_login(team["reviewer"])
    assert 'data-testid="settle-d7"' not in client.get(url).content.decode()
    client.force_login(team["outsider"])
    assert client.get(url).status_code == 404


def test_blind_item_page_shows_a_reviewer_only_their_own_until_complete(client, review, bob, carol, studies):
    enter_table3(review, bob, studies[:1])
    enter_table3(review, carol, studies[:1], submit=False)
    html = _client(client, carol).get(f"{BASE}/items/{RobItem.objects.get().pk}/").content.decode()
    assert re.findall(r'data-testid="assessor">(\w+)', html) == ["carol"]


def test_table_page_matches_table3_domain_by_domain(client, vera, settled, django_assert_max_num_queries):
    _client(client, vera)
    with django_assert_max_num_queries(10):
        html = client.get(f"{BASE}/table/robins_i/").content.decode()
    rows = re.findall(r'<tr data-testid="rob-table-row">(.*?)</tr>', html, re.S)
    cells = [[unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]
    seed = seed_table3()
    assert len(cells) == len(SEED_DOMAINS) + 1
    for ours, theirs in zip(cells, seed[1:]):
        assert ours[1:] == [c.replace("Moderate/serious", "Serious") for c in theirs[1:]], theirs[0]
    assert cells[-1] == ["Overall risk of bias", "Serious", "Serious", "Serious"]


def test_downloads_csv_and_xlsx(client, vera, mallory, settled):
    _client(client, vera)
    csv = client.get(f"{BASE}/export/robins_i.csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0] == "Study,D1,D2,D3,D4,D5,D6,D7,Overall"
    assert (
        lines[2]
        == '"Chin et al., 2025 [25] (n=218)",Serious,Serious,Low,Moderate,Serious,Low,Serious,Serious'
    )
    book = load_workbook(io.BytesIO(client.get(f"{BASE}/export/robins_i.xlsx").content))
    assert book["Traffic light"]["I2"].value == "Serious"
    client.force_login(mallory)
    assert client.get(f"{BASE}/export/robins_i.csv").status_code == 404


def test_overview_panel_counts_items(client, review, alice, settled):
    html = _client(client, alice).get(f"/reviews/{review.slug}/").content.decode()
    assert 'data-testid="rob-panel"' in html and "3 settled" in html


def test_study_labels_are_escaped_in_the_list_and_the_inline_figures(client, review, bob, carol):
    from extraction.rob import services
    from reviewapp.models import Study

    study = Study.objects.create(review=review, label='<script>alert("x")</script> 2020')
    for who in (bob, carol):
        a = services.assessment_start(review=review, actor=who, study_id=study.pk, tool="syrcle")
        judgements = {f"i{n}": {"judgement": "Low"} for n in range(1, 11)}
        services.assessment_save(review=review, actor=who, assessment_id=a.pk, judgements=judgements)
        services.assessment_submit(review=review, actor=who, assessment_id=a.pk)
    html = _client(client, bob).get(f"{BASE}/").content.decode()
    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert") >= 2  # the study list, and the SVG's text
    assert 'data-tool="syrcle"' in html
