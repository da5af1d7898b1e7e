"""The report page as a PDF, by WeasyPrint (HTML + CSS to PDF, no browser).

WeasyPrint needs the Pango libraries of the system (Debian: libpango-1.0-0, libpangoft2-1.0-0; `.ci/run`
installs them when missing). Without them importing it fails: `PdfUnavailable` says so, and the page's own
print stylesheet remains the way to a PDF. Figures are <img> data URIs, so nothing is fetched over the
network while rendering (the URL fetcher allows data: URIs only).
"""

from __future__ import annotations

from django.contrib.staticfiles import finders

STYLESHEETS = ("css/synthesis.css", "css/report.css")


class PdfUnavailable(RuntimeError):
    """The PDF renderer cannot run here (WeasyPrint or its system libraries are missing)."""


def report_pdf_bytes(html: str) -> bytes:
    try:
        from weasyprint import CSS, HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: libpango missing
        raise PdfUnavailable(
            "PDF download is not available on this server (WeasyPrint or the Pango library is missing: "
            f"{type(exc).__name__}). Print the report page from the browser instead (Ctrl+P / ⌘P)."
        ) from None
    sheets = [CSS(filename=path) for path in (finders.find(name) for name in STYLESHEETS) if path]
    fetcher = URLFetcher(allowed_protocols=["data"])  # figures are data: URIs; nothing else is fetched
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=sheets)
