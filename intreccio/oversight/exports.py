"""Downloads of the register and the DPIA inventory: CSV for spreadsheets, PDF for the file.

CSV cells are made safe for spreadsheets (R10): a cell that begins with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return would run as a formula in Excel or LibreOffice, so it gets a leading
apostrophe. The PDF is rendered by WeasyPrint from an Italian page (the language of the acts the
register belongs to) with the vendored fonts only, as the printed pact is (``intreccio.plans.pdf``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from string import Template

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from intreccio.oversight.register import DpiaRow, Register, build_register
from intreccio.plans.pdf import FONT_DIR
from intreccio.territory.models import Ambito

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSS_PATH = Path(__file__).with_name("register.css")
PDF_LANGUAGE = "it"


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """A file-like object for csv.writer that hands each line back."""

    def write(self, value: str) -> str:
        return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Semicolon-separated (what Italian spreadsheets expect), with a BOM so Excel reads UTF-8."""
    writer = csv.writer(_Echo(), delimiter=";")
    lines = [writer.writerow([safe_cell(h) for h in header])]
    lines.extend(writer.writerow([safe_cell(cell) for cell in row]) for row in rows)
    return "\ufeff" + "".join(lines)


# The columns: short codes in the access record, translated headings in the file.
REGISTER_COLUMNS = (
    "activity", "category", "model", "field", "code", "legal_basis_art6", "legal_basis_art9_10", "retention",
    "encrypted", "data_subjects", "recipients",
)  # fmt: skip
DPIA_COLUMNS = (
    "category", "model", "field", "code", "table", "where", "encrypted", "sections", "readers", "retention", "risk",
)  # fmt: skip


def register_rows(register: Register) -> list[list[object]]:
    yes, no = _("yes"), _("no")
    rows: list[list[object]] = []
    for activity in register.activities:
        subjects = "; ".join(str(s) for s in activity.activity.subjects)
        recipients = "; ".join(str(r) for r in activity.activity.recipients)
        for block in activity.categories:
            for group in block.models:
                for entry in group.fields:
                    rows.append(
                        [
                            activity.label,
                            block.label,
                            entry.model_name,
                            entry.field_label,
                            entry.code,
                            str(block.basis.art6),
                            str(block.basis.special),
                            block.retention,
                            yes if entry.encrypted else no,
                            subjects,
                            recipients,
                        ]
                    )
    return rows


def register_header() -> list[str]:
    return [
        _("Processing activity"),
        _("Category of data"),
        _("Where (record)"),
        _("Field"),
        _("Code"),
        _("Legal basis (art. 6)"),
        _("Condition (art. 9 / 10)"),
        _("Retention"),
        _("Encrypted"),
        _("Data subjects"),
        _("Recipients"),
    ]


def dpia_rows_csv(rows: list[DpiaRow]) -> list[list[object]]:
    yes, no = _("yes"), _("no")
    return [
        [
            row.category_label,
            row.entry.model_name,
            row.entry.field_label,
            row.entry.code,
            row.entry.table,
            str(row.location.where),
            yes if row.entry.encrypted else no,
            row.section_labels or "—",
            row.readers,
            row.retention,
            row.risk,
        ]
        for row in rows
    ]


def dpia_header() -> list[str]:
    return [
        _("Category of data"),
        _("Where (record)"),
        _("Field"),
        _("Code"),
        _("Table"),
        _("Where it is read"),
        _("Encrypted"),
        _("Case sections"),
        _("Who reads it"),
        _("Retention"),
        _("Main risk and measures"),
    ]


def _local_fonts_only() -> object:
    """A WeasyPrint fetcher that loads the vendored fonts and refuses every other URL."""
    from weasyprint.urls import URLFetcher

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if not url.startswith(FONT_DIR.as_uri() + "/"):
                raise ValueError(f"The register may not load {url}")
            return super().fetch(url, headers)

    return LocalFontsOnly(allowed_protocols=["file"])


def render_register_html(ambito: Ambito | None, *, language: str = PDF_LANGUAGE) -> tuple[str, Register]:
    """The register's printable page, built in ``language`` (its labels are resolved when built)."""
    with translation.override(language):
        register = build_register(ambito)
        return render_to_string("oversight/register_pdf.html", {"register": register}), register


def render_register_pdf(ambito: Ambito | None, *, language: str = PDF_LANGUAGE) -> tuple[bytes, Register]:
    # Imported here: WeasyPrint loads Pango, which only the print needs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html, register = render_register_html(ambito, language=language)
    css = Template(CSS_PATH.read_text(encoding="utf-8")).substitute(font_dir=FONT_DIR.as_uri())
    fonts = FontConfiguration()
    fetcher = _local_fonts_only()
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=fetcher, font_config=fonts)], font_config=fonts
    )
    return pdf, register
