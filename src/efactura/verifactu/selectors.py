"""Reads of VERI*FACTU data for the invoice page, the API and the export."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from efactura.companies.models import Company
from efactura.invoices.choices import Origin
from efactura.invoices.models import Invoice
from efactura.verifactu.choices import Kind, State
from efactura.verifactu.models import BillingRecord

EXTERNAL = "external"
"""State of an invoice uploaded as a file by its issuer: its own software registered it."""
NOT_APPLICABLE = "not_applicable"


def list_records(*, company: Company) -> QuerySet[BillingRecord]:
    """``company``'s records in chain order."""
    return BillingRecord.objects.filter(company=company).order_by("sequence")


def verifactu_of(invoice: Invoice, *, company: Company | None = None) -> dict[str, Any]:
    """The VERI*FACTU state of ``invoice`` as the API and the page show it.

    ``state`` is the latest record's (``pending``, ``sending``, ``correct``,
    ``accepted_with_errors``, ``rejected``, ``kept``), ``external`` for an invoice its
    issuer uploaded (registered by the issuer's own software), ``not_applicable`` otherwise.
    Only the issuer sees fingerprints and record details."""
    records = list(BillingRecord.objects.filter(invoice=invoice).order_by("sequence"))
    if not records:
        external = invoice.origin == Origin.IMPORTED_ISSUED
        return {
            "state": EXTERNAL if external else NOT_APPLICABLE,
            "fingerprint": None,
            "qr_url": None,
            "records": [],
        }
    altas = [r for r in records if r.kind == Kind.ALTA]
    latest = records[-1]
    alta = altas[-1] if altas else latest
    issuer = company is None or company.pk == invoice.issuer_id
    cancelled = any(r.kind == Kind.ANULACION for r in records)
    return {
        "state": latest.state,
        "state_label": State(latest.state).label,
        "cancelled": cancelled,
        "fingerprint": alta.fingerprint,
        "qr_url": alta.qr_url or None,
        "verifactu": alta.state != State.KEPT,
        "records": [
            {
                "kind": r.kind,
                "sequence": r.sequence,
                "fingerprint": r.fingerprint,
                "generated_at": r.generated_at,
                "state": r.state,
                "correction": r.correction,
                "error_code": r.error_code,
                "error": r.error_text,
            }
            for r in records
        ]
        if issuer
        else [],
    }


def pdf_options(invoice: Invoice) -> dict[str, Any]:
    """Keyword arguments for ``einvoice.pdf.render_pdf``: the QR code and legend of the
    invoice's billing record (none for invoices without one)."""
    alta = (
        BillingRecord.objects.filter(invoice=invoice, kind=Kind.ALTA)
        .exclude(qr_url="")
        .order_by("-sequence")
        .first()
    )
    if alta is None:
        return {}
    return {"verifactu_qr": alta.qr_url, "verifactu_legend": alta.state != State.KEPT}
