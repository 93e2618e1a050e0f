"""The printable pact: an Italian HTML page turned into a PDF by WeasyPrint.

The fonts are the vendored Titillium Web (Bootstrap Italia's), read from disk: the renderer
never fetches anything over the network, and a missing font falls back to DejaVu Sans.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from string import Template

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from intreccio.accounts.models import Organisation
from intreccio.catalogue.models import Service
from intreccio.plans.models import PactSubtype, PactType
from intreccio.plans.selectors import PactDocument

# The pact is signed under Italian law and printed in Italian whatever the interface language;
# its few labels are written here rather than left to a catalogue that may lag behind.
PACT_TYPES_IT: dict[str, str] = {
    PactType.INCLUSION: "Patto per l'inclusione",
    PactType.SERVICE: "Patto di servizio personalizzato (CPI)",
    PactType.GENERATIVE: "Patto gener-attivo",
}
SUBTYPES_IT: dict[str, str] = {
    PactSubtype.SOCIAL_INCLUSION: "per l'inclusione sociale",
    PactSubtype.AUTONOMY: "per l'autonomia",
}
UNITS_IT = {"hour": "ore", "day": "giorni", "month": "mesi", "voucher": "voucher", "lump_sum": "forfait"}


@dataclass(frozen=True)
class Line:
    service: Service
    provider: Organisation
    quantity: str
    unit_it: str
    basis: str
    months: int
    starts_on: object
    ends_on: object
    amount: Decimal


def _quantity(value: Decimal) -> str:
    whole = value.to_integral_value()
    text = f"{whole:f}" if value == whole else f"{value.normalize():f}"
    return text.replace(".", ",")


CSS_PATH = Path(__file__).with_name("pact.css")
FONT_DIR = settings.BASE_DIR / "static" / "vendor" / "bootstrap-italia" / "fonts" / "Titillium_Web"


def _local_fonts_only() -> object:
    """A WeasyPrint fetcher that loads the vendored fonts and refuses every other URL."""
    from weasyprint.urls import URLFetcher

    class LocalFontsOnly(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if not url.startswith(FONT_DIR.as_uri() + "/"):
                raise ValueError(f"The pact may not load {url}")
            return super().fetch(url, headers)

    return LocalFontsOnly(allowed_protocols=["file"])


def render_pact_html(document: PactDocument) -> str:
    lines = [
        Line(
            service=i.service,
            provider=i.provider,
            quantity=_quantity(i.quantity),
            unit_it=UNITS_IT.get(i.service.unit, i.service.unit),
            basis=i.basis,
            months=i.months,
            starts_on=i.starts_on,
            ends_on=i.ends_on,
            amount=i.amount,
        )
        for i in document.content.interventions
    ]
    labels = {
        "pact_type": PACT_TYPES_IT.get(document.pact.pact_type, ""),
        "subtype": SUBTYPES_IT.get(document.pact.subtype, ""),
    }
    context = {"doc": document, "lines": lines, "labels": labels}
    # Italian formats (dates, "€ 1.234,56") come with the language.
    with translation.override("it"):
        return render_to_string("plans/pact_pdf.html", context)


def render_pact(document: PactDocument) -> bytes:
    # Imported here: WeasyPrint loads Pango, which only the print needs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_pact_html(document)
    css = Template(CSS_PATH.read_text(encoding="utf-8")).substitute(font_dir=FONT_DIR.as_uri())
    # @font-face rules in a separate stylesheet load only through a shared font configuration.
    fonts = FontConfiguration()
    fetcher = _local_fonts_only()
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=css, url_fetcher=fetcher, font_config=fonts)], font_config=fonts
    )
    return pdf
