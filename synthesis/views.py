"""The PRISMA 2020 page: the live flow diagram (every box links to its records) and its downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from reviewapp.permissions import member_or_404
from reviewapp.selectors import rounds_of
from reviewapp.views.common import page, paginate

from . import prisma_selectors as selectors
from . import report as report_selectors
from .prisma import render_figure, render_svg
from .prisma.narrative import selection_paragraphs
from .report_pdf import PdfUnavailable, report_pdf_bytes

CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
PER_PAGE = 50


def _box_link(review, chosen=None) -> str:
    link = reverse("synthesis:prisma-records", args=[review.slug]) + "?box={box}"
    return link + (f"&round={chosen.number}" if chosen else "")


def _round_of(request, review):
    """The round chosen by ?round=N (None: the whole review in the template for new reviews)."""
    asked = request.GET.get("round", "")
    if not asked:
        return None
    chosen = rounds_of(review).filter(number=int(asked)).first() if asked.isdigit() else None
    if chosen is None:
        raise Http404("No such round of searching in this review.")
    return chosen


def _title(review, chosen) -> str:
    title = f"PRISMA 2020 flow diagram: {review.title}"
    if chosen is None:
        return title
    return f"{title}, round {chosen.number} ({chosen.label}, {chosen.date:%Y-%m-%d})"


@login_required
@require_GET
def prisma(request, slug: str):
    """The diagram of the whole review, or of one round (an update in the template for updated reviews)."""
    review, member = member_or_404(request.user, slug)
    chosen = _round_of(request, review)
    counts = selectors.prisma_counts(review, chosen.number if chosen else None)
    svg = render_svg(counts, _box_link(review, chosen), title=_title(review, chosen))
    return page(request, "synthesis/prisma.html", review, member, "prisma", svg=svg, counts=counts,
                data=counts.to_prisma2020(), rounds=list(rounds_of(review)), chosen=chosen)  # fmt: skip


@login_required
@require_GET
def prisma_download(request, slug: str, fmt: str):
    review, _ = member_or_404(request.user, slug)
    if fmt not in CONTENT_TYPES:
        raise Http404
    chosen = _round_of(request, review)
    counts = selectors.prisma_counts(review, chosen.number if chosen else None)
    link = request.build_absolute_uri(_box_link(review).split("?")[0]) + "?box={box}"
    link += f"&round={chosen.number}" if chosen else ""
    title = _title(review, chosen)
    body = (
        render_svg(counts, link, title=title).encode() if fmt == "svg" else render_figure(counts, fmt, link)
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"prisma-{review.slug}" + (f"-round-{chosen.number}" if chosen else "")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
@require_GET
def prisma_records(request, slug: str):
    """The records of one box of the diagram (?box=duplicates, ?box=source-12, ...; &round=N)."""
    review, member = member_or_404(request.user, slug)
    box = request.GET.get("box", "")
    chosen = _round_of(request, review)
    records = selectors.box_records(review, box, chosen.number if chosen else None)
    if records is None:
        raise Http404("No such box in the PRISMA diagram.")
    records = records.select_related("source").defer("raw").order_by("id")
    return page(request, "synthesis/prisma_records.html", review, member, "prisma", box=box, chosen=chosen,
                records=paginate(request, records, PER_PAGE))  # fmt: skip


def _report_context(request, review, member) -> dict:
    context = report_selectors.report_context(review, member)
    counts = context["counts"]
    svg = render_svg(counts, _box_link(review), title=f"PRISMA 2020 flow diagram: {review.title}")
    return {**context, "svg": svg, "selection": selection_paragraphs(counts)}


@login_required
@require_GET
def report(request, slug: str):
    """The review report, printable by the browser (print CSS: no navigation, a page per section): sources,
    criteria, the flow diagram and its numbers in words, the included studies, characteristics tables, risk
    of bias (table and robvis plots) and analyses with their forest and funnel plots."""
    review, member = member_or_404(request.user, slug)
    return page(request, "synthesis/report.html", review, member, "report",
                **_report_context(request, review, member))  # fmt: skip


@login_required
@require_GET
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
