"""The invoice on paper: a bilingual A4 PDF (and the same document as HTML for previews).

:func:`render_pdf` is what a bookkeeper prints or archives next to the electronic original;
:func:`render_html` is the same document for an in-browser preview.  Both take a canonical
:class:`~einvoice.model.Invoice` from any format and print what it says: nothing is
recomputed or rounded, so the paper always agrees with the XML.

Rendering is offline: the stylesheet is part of this package, fonts come from the system
(DejaVu Sans), and the URL fetcher handed to WeasyPrint refuses every URL except ``data:``
URIs and this package's own files, so a hostile value in an invoice can never make the
server fetch anything.
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from einvoice.model import Invoice
from einvoice.pdf.html import build_html

__all__ = ["render_html", "render_pdf"]

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def stylesheet() -> str:
    """The package stylesheet (``invoice.css``), read once."""
    return resources.files(__package__).joinpath("invoice.css").read_text(encoding="utf-8")


def render_html(
    invoice: Invoice,
    *,
    language: str = "es",
    status_lines: Sequence[str] = (),
    signature_summary: str = "",
    test_seal: bool = False,
    verifactu_qr: str = "",
    verifactu_legend: bool = True,
) -> str:
    """The invoice as a standalone HTML page (stylesheet inlined, no external resources).

    ``language`` is ``"es"`` or ``"en"`` (tags such as ``es-ES`` are accepted): labels print
    in that language first with the other one in small print.  ``status_lines`` (e.g.
    "Aceptada el 20/11/2026") and ``signature_summary`` fill a box at the end;
    ``test_seal`` marks documents of test environments as not legally valid.
    ``verifactu_qr`` is the AEAT verification URL of the invoice's billing record: its QR
    code is printed at the top of the first page under "QR tributario:", with the
    "VERI*FACTU" legend unless ``verifactu_legend`` is false (NO VERI*FACTU mode).
    Raises ``ValueError`` for an unsupported language.
    """
    return build_html(
        invoice,
        language=language,
        status_lines=status_lines,
        signature_summary=signature_summary,
        test_seal=test_seal,
        css=stylesheet(),
        verifactu_qr=verifactu_qr,
        verifactu_legend=verifactu_legend,
    )


def render_pdf(
    invoice: Invoice,
    *,
    language: str = "es",
    status_lines: Sequence[str] = (),
    signature_summary: str = "",
    test_seal: bool = False,
    verifactu_qr: str = "",
    verifactu_legend: bool = True,
    pdf_variant: str | None = None,
) -> bytes:
    """The invoice as an A4 PDF (same content and arguments as :func:`render_html`).

    ``pdf_variant`` asks WeasyPrint for an archival variant, e.g. ``"pdf/a-3b"`` for the
    visible part of a Factur-X PDF (:mod:`einvoice.formats.facturx`).
    """
    import weasyprint  # imported lazily: it loads Pango and fontconfig (~0.3 s)

    document = build_html(
        invoice,
        language=language,
        status_lines=status_lines,
        signature_summary=signature_summary,
        test_seal=test_seal,
        css="",
        verifactu_qr=verifactu_qr,
        verifactu_legend=verifactu_legend,
    )
    fetcher = _offline_fetcher()
    html = weasyprint.HTML(
        string=document, base_url=_PACKAGE_DIR.as_uri() + "/", url_fetcher=fetcher
    )
    options: dict[str, Any] = {"pdf_variant": pdf_variant} if pdf_variant else {}
    pdf: bytes = html.write_pdf(stylesheets=[_compiled_stylesheet()], **options)
    return pdf


@cache
def _compiled_stylesheet() -> Any:
    """The stylesheet parsed once per process (parsing it costs more than a short invoice)."""
    import weasyprint

    return weasyprint.CSS(string=stylesheet(), url_fetcher=_offline_fetcher())


@cache
def _offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that only serves ``data:`` URIs and files of this package.

    One per process: building it costs ~80 ms (urllib's HTTPS handler loads the system CA
    store), more than laying out a short invoice.  Sharing it is safe: with redirects off,
    WeasyPrint's fetcher keeps no state between calls.  It gets a bare TLS context without
    any trusted certificate, so even a bug in the refusal below could not open HTTPS.
    """
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if path.is_relative_to(_PACKAGE_DIR) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"Refused to fetch {url!r}: invoice rendering is offline.")

    return OfflineFetcher(
        ssl_context=ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        allowed_protocols=("data", "file"),
        allow_redirects=False,
    )
