"""Phone-width pages (375 px): a wide table scrolls inside its card, the page itself never gets wider
than the screen (no sideways scrolling of the whole page, no card cut off at the right edge)."""

import pytest

from ..factories import ImportBatchFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 375
OVERFLOW = """(width) => ({
  page: document.documentElement.scrollWidth,
  cards: [...document.querySelectorAll('.card')].map(c => Math.round(c.getBoundingClientRect().right))
           .filter(right => right > width),
})"""


def test_the_overview_home_and_sources_fit_a_phone_and_tables_scroll_in_their_cards(login, review, alice):
    ImportBatchFactory(
        source__review=review,
        source__name="Cochrane Central Register of Controlled Trials (CENTRAL), Wiley",
        file_name="central-perinatal-mesenchymal-stromal-cells-diabetes-2025-full-export.ris",
    )
    page = login(alice)
    page.set_viewport_size({"width": WIDTH, "height": 768})
    for path in (f"/reviews/{review.slug}/", "/", f"/reviews/{review.slug}/sources/"):
        page.goto(path)
        assert page.evaluate(OVERFLOW, WIDTH) == {"page": WIDTH, "cards": []}, path
    page.goto(f"/reviews/{review.slug}/")
    scroller = page.locator(".card .table-scroll").first  # records per source
    assert scroller.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    box = scroller.bounding_box()
    assert box is not None and box["x"] + box["width"] <= WIDTH
