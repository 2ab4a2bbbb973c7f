"""Factur-X / ZUGFeRD hybrid PDFs: a PDF/A-3 for people with the CII invoice embedded.

This is a *container*, not a syntax: what it carries is UN/CEFACT CII (Factur-X 1.0 and
ZUGFeRD 2.x; ZUGFeRD 1.0 carries its older ``CrossIndustryDocument``, which is reported as
not supported by the CII pipeline).  Reading takes the embedded XML out with pypdf, and the
caller runs it through exactly the pipeline of a CII file; writing lays out the platform's
PDF as PDF/A-3b (WeasyPrint) and embeds the CII with the Factur-X XMP metadata (the
``factur-x`` library, which writes the ``/AF`` relationship and the extension schema that
PDF/A-3 requires for an embedded file).
"""

from __future__ import annotations

import io
import logging
from typing import Final

from einvoice.errors import ParseError
from einvoice.model import Invoice

__all__ = ["ATTACHMENT_NAMES", "EXTENSION", "embed", "extract", "render", "sniff"]

log = logging.getLogger(__name__)

ATTACHMENT_NAMES: Final = (
    "factur-x.xml",
    "zugferd-invoice.xml",
    "xrechnung.xml",
)
"""Names of the embedded invoice, in order of preference (compared case-insensitively):
Factur-X 1.0 / ZUGFeRD 2.1+, ZUGFeRD 1.0/2.0, XRechnung inside ZUGFeRD."""

MEDIA_TYPE: Final = "application/pdf"
EXTENSION: Final = ".pdf"


def sniff(data: bytes) -> bool:
    """Whether ``data`` is a PDF (``%PDF-`` within the first kilobyte, as readers allow)."""
    return b"%PDF-" in data[:1024]


def extract(data: bytes, *, filename: str = "") -> tuple[str, bytes]:
    """The embedded invoice XML of a Factur-X / ZUGFeRD PDF as ``(attachment name, bytes)``.

    Raises :class:`ParseError` ``PDF-UNREADABLE`` for a damaged PDF and ``PDF-NO-INVOICE``
    for a PDF without an embedded invoice (a plain PDF is a picture of an invoice, not an
    electronic invoice).  The XML itself is not parsed here: the caller hands it to the
    hardened XML pipeline.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    where = f" ({filename})" if filename else ""
    try:
        reader = PdfReader(io.BytesIO(data))
        attachments = {name.lower(): content for name, content in reader.attachments.items()}
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        log.info("unreadable PDF%s: %s", where, exc)
        raise ParseError.single(
            "PDF-UNREADABLE",
            f"The PDF{where} cannot be read ({type(exc).__name__}); it may be damaged or "
            "encrypted.",
            f"No se puede leer el PDF{where} ({type(exc).__name__}); puede estar dañado o cifrado.",
        ) from exc
    for name in ATTACHMENT_NAMES:
        contents = attachments.get(name)
        if contents:
            return name, contents[0]
    found = ", ".join(sorted(attachments)) or "none"
    raise ParseError.single(
        "PDF-NO-INVOICE",
        f"The PDF{where} has no embedded electronic invoice (Factur-X / ZUGFeRD "
        f"'factur-x.xml' or 'zugferd-invoice.xml'; attachments found: {found}). A plain PDF "
        "is not an electronic invoice: ask the sender for the XML or a Factur-X PDF.",
        f"El PDF{where} no lleva una factura electrónica incrustada (Factur-X / ZUGFeRD "
        f"'factur-x.xml' o 'zugferd-invoice.xml'; adjuntos encontrados: "
        f"{'ninguno' if found == 'none' else found}). Un PDF sin más no es una factura "
        "electrónica: pida al emisor el XML o un PDF Factur-X.",
    )


def embed(pdf: bytes, cii: bytes, *, title: str = "", author: str = "") -> bytes:
    """A Factur-X PDF: ``pdf`` (already PDF/A-3) with ``cii`` embedded as ``factur-x.xml``.

    The conformance level (EN 16931, BASIC …) is read from the CII guideline identifier;
    the caller has validated the CII already, so the library's XSD check is not repeated.
    """
    from facturx import generate_from_binary

    metadata = {
        "author": author,
        "keywords": "Factur-X",
        "title": title,
        "subject": title,
    }
    result: bytes = generate_from_binary(
        pdf,
        cii,
        flavor="factur-x",
        check_xsd=False,
        pdf_metadata=metadata,
        lang="es-ES",
    )
    return result


def render(invoice: Invoice, *, language: str = "es", test_seal: bool = False) -> bytes:
    """The invoice as a Factur-X (EN 16931 profile) PDF/A-3: the platform's bilingual PDF
    with the CII rendering of the same invoice embedded.

    Raises :class:`~einvoice.errors.ConversionError` when the invoice cannot be written as
    CII (the missing business terms are named), exactly as a CII conversion would.
    """
    from einvoice import formats
    from einvoice.pdf import render_pdf

    cii = formats.render("cii", [invoice])
    pdf = render_pdf(invoice, language=language, test_seal=test_seal, pdf_variant="pdf/a-3b")
    title = (
        f"Factura {invoice.full_number}"
        if language.startswith("es")
        else (f"Invoice {invoice.full_number}")
    )
    return embed(pdf, cii, title=title, author=invoice.seller.full_name)
