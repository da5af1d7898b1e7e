"""The PRISMA 2020 page: the live flow diagram (every box links to its records) and its downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from reviewapp.permissions import member_or_404
from reviewapp.views.common import page, paginate

from . import prisma_selectors as selectors
from . import report as report_selectors
from .prisma import render_figure, render_svg
from .prisma.narrative import selection_paragraphs

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
PER_PAGE = 50


def _box_link(review) -> str:
    return reverse("synthesis:prisma-records", args=[review.slug]) + "?box={box}"


@login_required
@require_GET
def prisma(request, slug: str):
    review, member = member_or_404(request.user, slug)
    counts = selectors.prisma_counts(review)
    svg = render_svg(counts, _box_link(review), title=f"PRISMA 2020 flow diagram: {review.title}")
    return page(request, "synthesis/prisma.html", review, member, "prisma", svg=svg, counts=counts,
                data=counts.to_prisma2020())  # fmt: skip


@login_required
@require_GET
def prisma_download(request, slug: str, fmt: str):
    review, _ = member_or_404(request.user, slug)
    if fmt not in CONTENT_TYPES:
        raise Http404
    counts = selectors.prisma_counts(review)
    link = request.build_absolute_uri(_box_link(review).split("?")[0]) + "?box={box}"
    title = f"PRISMA 2020 flow diagram: {review.title}"
    body = (
        render_svg(counts, link, title=title).encode() if fmt == "svg" else render_figure(counts, fmt, link)
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="prisma-{review.slug}.{fmt}"'
    return response


@login_required
@require_GET
def prisma_records(request, slug: str):
    """The records of one box of the diagram (?box=duplicates, ?box=source-12, ...)."""
    review, member = member_or_404(request.user, slug)
    box = request.GET.get("box", "")
    records = selectors.box_records(review, box)
    if records is None:
        raise Http404("No such box in the PRISMA diagram.")
    records = records.select_related("source").defer("raw").order_by("id")
    return page(request, "synthesis/prisma_records.html", review, member, "prisma", box=box,
                records=paginate(request, records, PER_PAGE))  # fmt: skip


@login_required
@require_GET
def report(request, slug: str):
    """The review report, printable by the browser: sources, criteria, the flow diagram and its numbers in
    words, and the included studies (more sections as extraction, risk of bias and synthesis land)."""
    review, member = member_or_404(request.user, slug)
    context = report_selectors.report_context(review)
    counts = context["counts"]
    svg = render_svg(counts, _box_link(review), title=f"PRISMA 2020 flow diagram: {review.title}")
    return page(request, "synthesis/report.html", review, member, "report", svg=svg,
                selection=selection_paragraphs(counts), **context)  # fmt: skip
