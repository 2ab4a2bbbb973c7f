"""How invoices and events look in the API: plain JSON-ready dicts.

Plain dicts (amounts as strings, dates ISO) because the same bodies are stored verbatim by
idempotency records and sent in webhook payloads; the ninja schemas in
:mod:`efactura.api.schemas` describe them for the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from efactura.api.selectors import ListRow
from efactura.companies.models import Company
from efactura.invoices.models import Document, Event, Invoice
from efactura.invoices.selectors import list_documents, list_events
from efactura.verifactu.selectors import verifactu_of


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def direction_of(invoice: Invoice | ListRow, company: Company) -> str:
    return "issued" if invoice.issuer_id == company.pk else "received"


def invoice_summary(
    invoice: Invoice | ListRow, *, company: Company, acknowledged: bool | None = None
) -> dict[str, Any]:
    """The row of a list: who, what, how much, where it is."""
    if acknowledged is None:
        acknowledged = bool(getattr(invoice, "acknowledged", False))
    return {
        "id": str(invoice.pk),
        "direction": direction_of(invoice, company),
        "number": invoice.full_number,
        "series": invoice.series,
        "issue_date": _iso(invoice.issue_date),
        "due_date": _iso(invoice.due_date),
        "kind": invoice.kind,
        "seller_tax_id": invoice.seller_tax_id,
        "seller_name": invoice.seller_name,
        "buyer_tax_id": invoice.buyer_tax_id,
        "buyer_name": invoice.buyer_name,
        "currency": invoice.currency,
        "net_total": str(invoice.net_total),
        "tax_total": str(invoice.tax_total),
        "total": str(invoice.total),
        "payable": str(invoice.payable),
        "status": invoice.status,
        "transport": invoice.transport,
        "route": invoice.route,
        "acknowledged": acknowledged,
        "updated": _iso(invoice.updated),
    }


_JSON_DEFAULT = DjangoJSONEncoder().default


def list_row_summary(row: ListRow, *, company_id: int) -> dict[str, Any]:
    """:func:`invoice_summary` of a list row, ready for ``json.dumps``: the dates written as
    the API's schema writes them (Django's JSON encoder: ``2026-12-04``,
    ``2026-12-04T10:15:00.123Z``), amounts as strings.  Built straight from the fetched
    columns: a list page makes fifty of these."""
    issue_date, due_date, updated = row["issue_date"], row["due_date"], row["updated"]
    return {
        "id": str(row["id"]),
        "direction": "issued" if row["issuer_id"] == company_id else "received",
        "number": row["full_number"],
        "series": row["series"],
        "issue_date": _JSON_DEFAULT(issue_date) if issue_date is not None else None,
        "due_date": _JSON_DEFAULT(due_date) if due_date is not None else None,
        "kind": row["kind"],
        "seller_tax_id": row["seller_tax_id"],
        "seller_name": row["seller_name"],
        "buyer_tax_id": row["buyer_tax_id"],
        "buyer_name": row["buyer_name"],
        "currency": row["currency"],
        "net_total": str(row["net_total"]),
        "tax_total": str(row["tax_total"]),
        "total": str(row["total"]),
        "payable": str(row["payable"]),
        "status": row["status"],
        "transport": row["transport"],
        "route": row["route"],
        "acknowledged": bool(row["acknowledged"]),
        "updated": _JSON_DEFAULT(updated) if updated is not None else None,
    }


def event_dict(event: Event) -> dict[str, Any]:
    """One timeline entry; the acting company is named, never the person's email."""
    return {
        "id": event.pk,
        "invoice_id": str(event.invoice_id),
        "kind": event.kind,
        "label": str(event.get_kind_display()),
        "at": _iso(event.at),
        "source": event.source,
        "by": event.company.tax_id if event.company is not None else None,
        "data": event.data,
    }


def _document_dict(document: Document) -> dict[str, Any]:
    return {
        "role": document.role,
        "filename": document.filename,
        "format": document.format,
        "version": document.version,
        "signed": document.signed,
        "size": document.size,
        "sha256": document.sha256,
    }


def invoice_detail(invoice: Invoice, *, company: Company, acknowledged: bool) -> dict[str, Any]:
    """Everything about one invoice: summary, status details, timeline, documents, content."""
    return {
        **invoice_summary(invoice, company=company, acknowledged=acknowledged),
        "rejection_reason": invoice.rejection_reason,
        "rejection_code": invoice.rejection_code,
        "collection": invoice.collection,
        "paid_amount": str(invoice.paid_amount),
        "paid_date": _iso(invoice.paid_date),
        "received_at": _iso(invoice.received_at),
        "read_at": _iso(invoice.read_at),
        "response_due": _iso(invoice.response_due),
        "signature_status": (invoice.signature or {}).get("status", ""),
        "timeline": [event_dict(e) for e in list_events(invoice=invoice)],
        "documents": [_document_dict(d) for d in list_documents(invoice=invoice)],
        "invoice": invoice.canonical,
        "verifactu": verifactu_of(invoice, company=company),
    }
