"""Screening pages at 1366x768 (issue 13, item 9): the vote controls are in view without scrolling, at
title/abstract with a long abstract and at full text beside a large PDF viewer. Screenshots go to
$SCREENSHOT_DIR when it is set (looked at by hand); the assertions hold either way."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from screening.models import Stage
from screening.services import fulltext as fulltext_services
from screening.services import setup as setup_services
from screening.services import votes as vote_services

from ..factories import ImportBatchFactory, RecordFactory
from ..screening.conftest import SEED_REASONS, imported

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLUG = "perinatal-msc"
SCREEN = f"/reviews/{SLUG}/screening/screen/{{}}/"
TA_REASONS = ["Not a perinatal MSC intervention", "Not diabetes", "Review or commentary"]
LONG_ABSTRACT = " ".join(
    ["Background: umbilical cord mesenchymal stromal cells were given to adults with type 2 diabetes."] * 28
)


def one_page_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (so the viewer has something to render)."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def in_view(page, selector: str) -> bool:
    """The element's box lies inside the window (no scrolling needed to reach it)."""
    return page.evaluate(
        """(selector) => { const box = document.querySelector(selector).getBoundingClientRect();
        return box.top >= 0 && box.left >= 0
            && box.bottom <= window.innerHeight && box.right <= window.innerWidth; }""",
        selector,
    )


def screenshot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"))


@pytest.fixture
def small_window(login):
    def open_as(user):
        page = login(user)
        page.set_viewport_size({"width": 1366, "height": 768})
        return page

    return open_as


def test_title_abstract_controls_are_in_view_with_a_long_abstract(small_window, review, alice, bob):
    batch = ImportBatchFactory(source__review=review)
    RecordFactory(batch=batch, abstract=LONG_ABSTRACT)
    # Everything the set-up can add to the panel: labels and required exclusion reasons.
    setup_services.labels_set(review=review, actor=alice, names=["RCT", "Animal study", "Needs translation"])
    fulltext_services.exclusion_reasons_set(
        review=review, actor=alice, labels=TA_REASONS, stage=Stage.TITLE_ABSTRACT
    )
    setup_services.screening_settings_update(review=review, actor=alice, title_abstract_reasons="required")
    imported(review)  # the work lists an import's task builds
    page = small_window(bob)
    page.goto(SCREEN.format(Stage.TITLE_ABSTRACT))
    expect(page.get_by_test_id("record-title")).to_be_visible()
    screenshot(page, "title-abstract-1366x768")
    controls = ("#vote-include", "#vote-maybe", "#vote-exclude", "#vote-note", "#vote-undo", "#record-labels")
    controls += tuple(f"#vote-reason-{n}" for n in range(1, len(TA_REASONS) + 1))
    for control in controls + ("[data-testid=record-title]",):
        assert in_view(page, control), f"{control} is not in view at 1366x768"


def test_full_text_pdf_and_every_control_are_in_view(small_window, review, alice, bob, carol):
    batch = ImportBatchFactory(source__review=review)
    record = RecordFactory(batch=batch, abstract=LONG_ABSTRACT)
    fulltext_services.exclusion_reasons_set(review=review, actor=alice, labels=SEED_REASONS)
    for reviewer in (bob, carol):
        vote_services.vote_cast(
            review=review, actor=reviewer, record_id=record.pk, stage=Stage.TITLE_ABSTRACT, decision="include"
        )
    pdf = one_page_pdf("Full text of the trial")
    upload = SimpleUploadedFile("r.pdf", pdf, content_type="application/pdf")
    fulltext_services.retrieval_attach_pdf(review=review, actor=alice, record_id=record.pk, upload=upload)
    imported(review)  # the work lists an import's task builds

    page = small_window(bob)
    page.goto(SCREEN.format(Stage.FULL_TEXT))
    viewer = page.get_by_test_id("fulltext-pdf")
    expect(viewer).to_be_visible()
    screenshot(page, "full-text-1366x768")
    controls = ["#vote-include", "#vote-exclude", "#vote-note", "#vote-undo", "[data-testid=fulltext-pdf]"]
    controls += [f"#vote-reason-{n}" for n in range(1, len(SEED_REASONS) + 1)]
    for control in controls:
        assert in_view(page, control), f"{control} is not in view at 1366x768"
    box = viewer.bounding_box()
    assert box["width"] >= 700 and box["height"] >= 550, f"the PDF viewer is small: {box}"
    # The frame shows the stored PDF through the membership-checked view (same origin, allowed by the CSP).
    served = page.request.get(viewer.get_attribute("src"))
    assert served.ok and served.headers["content-type"] == "application/pdf" and served.body() == pdf
