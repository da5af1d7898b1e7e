"""The PRISMA 2020 page: the live flow diagram (every box links to its records) and its downloads."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from reviewapp.permissions import member_or_404
from reviewapp.views.common import page, paginate

from . import prisma_selectors as selectors
from . import report as report_selectors
from .prisma import render_figure, render_svg
from .prisma.narrative import selection_paragraphs
from .report_pdf import PdfUnavailable, report_pdf_bytes

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
PER_PAGE = 50


def _box_link(review) -> str:
    return reverse("synthesis:prisma-records", args=[review.slug]) + "?box={box}"


def prisma(request, slug: str):
    review, member = member_or_404(request.user, slug)
    counts = selectors.prisma_counts(review)
    svg = render_svg(counts, _box_link(review), title=f"PRISMA 2020 flow diagram: {review.title}")
    return page(request, "synthesis/prisma.html", review, member, "prisma", svg=svg, counts=counts,
                data=counts.to_prisma2020())  # fmt: skip


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


def _report_context(request, review, member) -> dict:
    context = report_selectors.report_context(review, member)
    counts = context["counts"]
    svg = render_svg(counts, _box_link(review), title=f"PRISMA 2020 flow diagram: {review.title}")
    return {**context, "svg": svg, "selection": selection_paragraphs(counts)}


def report(request, slug: str):
    """The review report, printable by the browser (print CSS: no navigation, a page per section): sources,
    criteria, the flow diagram and its numbers in words, the included studies, characteristics tables, risk
    of bias (table and robvis plots) and analyses with their forest and funnel plots."""
    review, member = member_or_404(request.user, slug)
    return page(request, "synthesis/report.html", review, member, "report",
                **_report_context(request, review, member))  # fmt: skip


def report_pdf(request, slug: str):
    """The same report as a PDF (WeasyPrint). Without its system libraries (Pango) the answer is a 503
    that says so; the browser's print still works."""
    review, member = member_or_404(request.user, slug)
    context = _report_context(request, review, member)
    link = request.build_absolute_uri(_box_link(review).split("?")[0]) + "?box={box}"
    prisma = render_svg(context["counts"], link, title=f"PRISMA 2020 flow diagram: {review.title}")
    context["prisma_uri"] = report_selectors.svg_data_uri(prisma)
    html = render_to_string("synthesis/report_pdf.html", {"review": review, "member": member, **context})
    try:
        body = report_pdf_bytes(html)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=CONTENT_TYPES["pdf"])
    response["Content-Disposition"] = f'attachment; filename="report-{review.slug}.pdf"'
    return response
