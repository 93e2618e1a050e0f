"""The printable access report and copy of the data: Italian HTML pages turned into PDF by WeasyPrint.

As for the pact (``intreccio/plans/pdf.py``), the fonts are the vendored Titillium Web read from
disk, declared in the stylesheet with the ``@page`` rules; the renderer never fetches anything
over the network. Both documents are addressed to the person, so they are printed in Italian
whatever the operator's interface language.
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from intreccio.plans.pdf import FONT_DIR
from intreccio.rights.selectors import AccessReport, SubjectExport

CSS_PATH = Path(__file__).with_name("rights.css")


def _local_fonts_only() -> object:
    """A WeasyPrint fetcher that loads the vendored fonts and refuses every other URL."""
    from weasyprint.urls import URLFetcher

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if not url.startswith(FONT_DIR.as_uri() + "/"):
                raise ValueError(f"The document may not load {url}")
            return super().fetch(url, headers)

    return LocalFontsOnly(allowed_protocols=["file"])


def _render_html(template: str, context: dict[str, Any]) -> str:
    with translation.override("it"):
        return render_to_string(template, context)


def _pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango, which only the print needs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    css = Template(CSS_PATH.read_text(encoding="utf-8")).substitute(font_dir=FONT_DIR.as_uri())
    fonts = FontConfiguration()
    fetcher = _local_fonts_only()
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=fetcher, font_config=fonts)], font_config=fonts
    )
    return pdf


def render_access_report_html(report: AccessReport) -> str:
    return _render_html("rights/access_report_pdf.html", {"report": report, "dsr": report.dsr})


def render_access_report(report: AccessReport) -> bytes:
    return _pdf(render_access_report_html(report))


def render_export_html(export: SubjectExport) -> str:
    return _render_html("rights/export_pdf.html", {"export": export, "dsr": export.dsr, "found": export.found})


def render_export(export: SubjectExport) -> bytes:
    return _pdf(render_export_html(export))
