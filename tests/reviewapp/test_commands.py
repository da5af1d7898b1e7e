"""Management commands: thin wrappers over services, one-line JSON with --json, clear errors."""

import csv
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reviewapp.models import Record, Review

from ..conftest import shared
from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def run(capsys, *args):
    call_command(*args, "--json")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_create_import_dedup_export_round_trip(capsys, tmp_path):
    UserFactory(username="owner")
    assert run(capsys, "create_review", "msc", "--title", "MSC review", "--owner", "owner")["slug"] == "msc"
    pubmed = run(
        capsys,
        "import_records",
        "msc",
        shared("formats", "ris_by_database", "citesource_pubmed_46.ris"),
        "--source",
        "PubMed",
    )
    wos = run(
        capsys,
        "import_records",
        "msc",
        shared("formats", "ris_by_database", "citesource_WoS_79.ris"),
        "--source",
        "Web of Science",
    )
    assert (pubmed["records"], wos["records"]) == (46, 79)
    dedup = run(capsys, "find_duplicates", "msc")
    assert dedup["records_checked"] == 125
    assert dedup["auto_merged"] > 0
    out = tmp_path / "msc.csv"
    summary = run(capsys, "export_review", "msc", "--format", "csv", "--out", str(out))
    assert summary["records"] == 125
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    duplicates = [r for r in rows if r["status"] == "duplicate"]
    assert len(duplicates) == dedup["auto_merged"]
    keys = {r["source_key"] for r in rows}
    assert all(r["duplicate_of"] in keys for r in duplicates)
    canonical = {r["source_key"]: r for r in rows if r["status"] == "active"}
    assert any(set(c["sources"].split("; ")) == {"PubMed", "Web of Science"} for c in canonical.values())


def test_import_records_creates_the_source_with_a_guessed_kind(capsys):
    owner = UserFactory(username="owner")
    call_command("create_review", "r1", "--title", "R", "--owner", owner.username)
    run(
        capsys,
        "import_records",
        "r1",
        shared("formats", "ctgov", "ctg-studies_urology.csv"),
        "--source",
        "ClinicalTrials.gov",
    )
    review = Review.objects.get(slug="r1")
    assert review.sources.get().kind == "register"
    ids = list(Record.objects.values_list("registry_ids", "source_key"))
    assert len(ids) == 635
    assert all(reg and reg[0].startswith("NCT") and key == reg[0] for reg, key in ids)


def test_import_of_an_empty_file_fails_with_the_file_name(tmp_path):
    owner = UserFactory(username="owner")
    call_command("create_review", "r2", "--title", "R", "--owner", owner.username)
    empty = tmp_path / "empty.ris"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty.ris"):
        call_command("import_records", "r2", str(empty), "--source", "Scopus")
    assert Record.objects.count() == 0


def test_unknown_review_is_a_clear_error():
    with pytest.raises(CommandError, match="No review with the slug 'nope'"):
        call_command("find_duplicates", "nope")


def test_export_json_lists_every_record(capsys, tmp_path):
    owner = UserFactory(username="owner")
    call_command("create_review", "r3", "--title", "R", "--owner", owner.username)
    call_command(
        "import_records", "r3", shared("formats", "scopus", "asysd_scopus.ris"), "--source", "Scopus"
    )
    out = tmp_path / "r3.json"
    run(capsys, "export_review", "r3", "--format", "json", "--out", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data["records"]) == 10
    assert all(r["sources"] == ["Scopus"] for r in data["records"])


def test_load_demo_is_idempotent_and_prints_logins(capsys):
    first = run(capsys, "load_demo")
    second = run(capsys, "load_demo")
    assert first["created"] is True and second["created"] is False
    assert first["records"] == 380
    assert {login["username"] for login in first["logins"]} >= {"owner", "reviewer1", "reviewer2", "arbiter"}
    from screening.models import Conflict, ExclusionReason, Verdict

    demo = {"review__slug": "demo-gambling-covid"}  # load_demo also builds the seed review (synthesis.demo)
    assert Conflict.objects.filter(status="open", **demo).count() == 6  # the arbiter has work waiting
    assert Verdict.objects.filter(stage="title_abstract", **demo).count() == 10
    assert ExclusionReason.objects.filter(stage="full_text", **demo).count() == 4


def test_long_commands_print_their_progress_on_stderr_and_keep_json_on_stdout(capsys, monkeypatch):
    from reviewapp.services import imports

    UserFactory(username="owner")
    run(capsys, "create_review", "msc", "--title", "MSC review", "--owner", "owner")
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 5)
    path = shared("formats", "ris_by_database", "citesource_WoS_79.ris")
    call_command("import_records", "msc", path, "--source", "WoS", "--json")
    out, err = capsys.readouterr()
    assert json.loads(out)["records"] == 79  # stdout: the one JSON line only
    lines = err.strip().splitlines()
    assert lines[0].startswith("Importing citesource_WoS_79.ris: 5 records read (")
    shares = [int(line.rsplit("(", 1)[1].split("%")[0]) for line in lines if "records read" in line]
    # lines as the share read grows (the parser reads this small file in two chunks), not one per report
    assert 2 <= len(shares) <= 11 and shares == sorted(shares) and len(lines) < 79 / 5

    call_command("find_duplicates", "msc", "--json")
    out, err = capsys.readouterr()
    assert json.loads(out)["records_checked"] == 79
    assert "Finding duplicates: " in err and err.strip().splitlines()[-1].endswith("%")

    call_command("find_duplicates", "msc", "--json", "--verbosity", "0")
    assert capsys.readouterr().err == ""


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _printer(stream, monkeypatch):
    from django.core.management.base import OutputWrapper

    from reviewapp.management import base

    clock = _Clock()
    monkeypatch.setattr(base.time, "monotonic", clock)
    describe = lambda job, p: (p["f"], f"{p['f']:.1%}")  # noqa: E731
    return base.ProgressPrinter(OutputWrapper(stream), "Finding duplicates", describe), clock


def test_off_a_terminal_progress_prints_a_line_each_time_the_next_tenth_is_passed(monkeypatch):
    import io

    log = io.StringIO()
    printer, clock = _printer(log, monkeypatch)
    for f in (0.0, 0.05, 0.096, 0.1, 0.15, 0.31, 0.99, 1.0):
        clock.now += 0.01
        printer(None, {"f": f})
    # a job's next phase (an update import's comparison after the file is read) starts again from 0
    for f in (0.0, 0.02, 0.5):
        printer(None, {"f": f})
    printer.close()
    shown = [line.split(": ")[1] for line in log.getvalue().splitlines()]
    assert shown == ["0.0%", "10.0%", "31.0%", "99.0%", "100.0%", "0.0%", "50.0%"]


def test_a_broken_console_does_not_fail_the_job_it_watches(review, alice, caplog):
    from reviewapp import jobs
    from reviewapp.models import DedupRun

    run = jobs.job_claim(DedupRun, DedupRun.objects.create(review=review, created_by=alice).pk)

    calls = []

    def gone(job, progress):
        calls.append(progress)
        raise BrokenPipeError("stderr closed")

    with jobs.job_watch(gone):
        jobs.job_progress(run, done=1, total=2)
        jobs.job_progress(run, done=2, total=2)
    assert jobs.progress_of(run) == {"done": 2, "total": 2}
    assert len(calls) == 1 and caplog.text.count("progress watcher") == 1  # dropped after it failed


def test_on_a_terminal_progress_rewrites_one_line_and_ends_on_the_last_state(monkeypatch):
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    printer, clock = _printer(screen, monkeypatch)
    for step, f in ((0.0, 0.0), (0.1, 0.3), (0.2, 0.6), (0.1, 1.0)):  # redrawn at most every 0.2 s
        clock.now += step
        printer(None, {"f": f})
    printer.close()  # draws the last state, 1.0, skipped above, and ends the line
    drawn = "".join(f"\rFinding duplicates: {p}\033[K" for p in ("0.0%", "60.0%", "100.0%"))
    assert screen.getvalue() == drawn + "\n"
    assert "\n" not in screen.getvalue()[:-1]  # one line, rewritten in place
