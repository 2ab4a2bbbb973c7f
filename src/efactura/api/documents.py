"""The files an invoice can be downloaded as: its archived original, another format, a PDF."""

from __future__ import annotations

from django.utils.translation import gettext as _

from efactura.api.problems import ApiProblem
from efactura.invoices import storage
from efactura.invoices.mapping import canonical_of
from efactura.invoices.models import Invoice
from efactura.invoices.selectors import original_document
from einvoice import formats
from einvoice.errors import EInvoiceError


def document_for(*, invoice: Invoice, fmt: str, language: str = "es") -> tuple[bytes, str, str]:
    """``(bytes, content type, file name)`` of ``invoice`` as ``fmt``."""
    original = original_document(invoice=invoice)
    base = invoice.full_number.replace("/", "-") or str(invoice.pk)
    if original is not None and (
        fmt == "original"
        # a CII received inside a Factur-X PDF is archived as that PDF: asking for "cii"
        # renders the XML, asking for "facturx" gets the PDF as received.
        or (fmt == original.format and original.content_type != "application/pdf")
        or (fmt == "facturx" and original.content_type == "application/pdf")
    ):
        try:
            return storage.read(original), original.content_type, original.filename
        except storage.ArchiveTampered:
            raise ApiProblem(
                status=409,
                slug="archive-damaged",
                title=_("The archived file cannot be served."),
                detail=_(
                    "The stored original no longer matches the fingerprint recorded when it "
                    "was archived, or it is missing; the platform's operators have been alerted."
                ),
            ) from None
    if fmt == "original":
        raise ApiProblem(
            status=404,
            slug="not-found",
            title=_("This invoice has no archived original."),
        )
    model = canonical_of(invoice)
    if fmt == "pdf":
        from efactura.invoices.pdfs import invoice_pdf

        pdf = invoice_pdf(invoice=invoice, language=language)
        return pdf, "application/pdf", f"{base}.pdf"
    try:
        if fmt == "facturx":
            from einvoice.formats import facturx

            pdf = facturx.render(model, language=language)
            return pdf, facturx.MEDIA_TYPE, f"{base}-facturx.pdf"
        data = formats.render(fmt, [model])
    except EInvoiceError as exc:
        raise ApiProblem(
            status=422,
            slug="conversion-failed",
            title=_("The invoice cannot be written in this format."),
            detail=exc.summary(language),
            violations=exc.violations,
        ) from None
    if fmt == "edifact":
        return data, "application/EDIFACT", f"{base}-edifact.edi"
    return data, "application/xml", f"{base}-{fmt}.xml"
