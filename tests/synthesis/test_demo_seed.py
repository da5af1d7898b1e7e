"""`load_demo` builds the seed review through the real services; its flow diagram is the seed's Figure 1."""

import json

import pytest
from django.core.management import call_command

from reviewapp.models import CandidateStatus, DuplicateCandidate, Review
from screening.models import Conflict, VerdictMethod


@pytest.mark.django_db
def test_load_demo_reproduces_the_seed_flow_diagram(capsys, settings, tmp_path):
    call_command("load_demo", "--json")
    capsys.readouterr()
    call_command("prisma", "perinatal-msc-diabetes", "--json")
    data = json.loads(capsys.readouterr().out)
    # shared/seeds/003, Results ("At the identification stage ...") and Figure 1
    assert [(row["name"], row["n"]) for row in data["database_specific_results"]] == [
        ("PubMed/MEDLINE", 520),
        ("Web of Science Core Collection", 380),
        ("Scopus", 410),
        ("Cochrane CENTRAL", 60),
    ]
    assert (data["database_results"], data["register_results"]) == (1370, 30)
    assert (data["duplicates"], data["excluded_automatic"], data["excluded_other"]) == (420, 0, 20)
    assert (data["records_screened"], data["records_excluded"]) == (960, 870)
    assert (data["dbr_sought_reports"], data["dbr_notretrieved_reports"], data["dbr_assessed"]) == (90, 4, 86)
    assert [row["n"] for row in data["dbr_excluded"]] == [25, 20, 15, 12]
    assert (data["new_studies"], data["new_reports"]) == (14, 14)
    assert data["records_awaiting_screening"] == data["dbr_awaiting_assessment"] == 0

    review = Review.objects.get(slug="perinatal-msc-diabetes")
    merged = DuplicateCandidate.objects.filter(review=review, status=CandidateStatus.AUTO_MERGED)
    assert review.records.filter(duplicate_of__isnull=False).count() == 420 and merged.exists()
    arbitrated = review.verdicts.filter(method=VerdictMethod.ARBITRATION)
    assert arbitrated.count() == Conflict.objects.filter(record__review=review).count() > 0
    labels = set(review.studies.values_list("label", flat=True))
    assert {"Zang 2022", "Jiang 2011", "Kashbour 2025", "Kim 2023"} <= labels

    # the risk-of-bias app's demo step: the seed's Table 3 (ROBINS-I), settled, Serious overall
    from extraction.rob.models import ConsensusAssessment

    table3 = {c.item.study.label: c.overall for c in ConsensusAssessment.objects.filter(item__review=review)}
    assert table3 == {"Lian 2022": "serious", "Chin 2025": "serious", "Jiang 2011": "serious"}


def test_the_committed_exports_are_what_the_generator_writes(tmp_path):
    from synthesis.demo_seed.generate import OUT, generate

    generate(tmp_path)
    for path in OUT.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize(
    ("file_name", "fmt", "records"),
    [
        ("pubmed-perinatal-msc-diabetes.nbib", "medline", 520),
        ("wos-savedrecs.txt", "wos", 380),
        ("scopus.csv", "csv", 410),
        ("cochrane-central.ris", "ris", 60),
        ("ctgov-studies.csv", "csv", 30),
    ],
)
def test_each_export_is_read_by_its_own_importer(file_name, fmt, records):
    from reviewapp.importers import detect_format, parse
    from synthesis.demo_seed.generate import OUT

    path = OUT / file_name
    assert detect_format(path.read_bytes()[:65536], file_name) == fmt
    with path.open("rb") as stream:
        parsed = list(parse(stream, filename=file_name))
    assert len(parsed) == records
    assert all(record.title for record in parsed)
