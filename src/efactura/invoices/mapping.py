"""The one place where Django invoice rows and canonical invoices meet (DESIGN.md, "Layers").

``row_fields`` turns a canonical :class:`einvoice.model.Invoice` into the snapshot columns of
:class:`efactura.invoices.models.Invoice`; ``canonical_of`` loads the canonical invoice back
from a row; ``content_hash`` identifies the same invoice content whatever file it came in.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from efactura.invoices.models import Invoice
from einvoice import model as em
from einvoice.serialize import invoice_from_data, invoice_to_data


def content_hash(invoice: em.Invoice) -> str:
    """SHA-256 over the invoice's identity and amounts: same seller, number, date, buyer and
    totals means the same invoice, whichever format or file it arrived in."""
    t = invoice.totals
    material = {
        "seller": invoice.seller.tax_id,
        "buyer": invoice.buyer.tax_id,
        "number": invoice.full_number,
        "date": invoice.issue_date.isoformat(),
        "currency": invoice.currency,
        "totals": [str(t.tax_exclusive), str(t.vat_total), str(t.tax_inclusive), str(t.payable)],
        "lines": [[ln.name, str(ln.quantity), str(ln.net_amount)] for ln in invoice.lines],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


def row_fields(invoice: em.Invoice) -> dict[str, Any]:
    """Snapshot columns for an invoice row (no routing/status fields)."""
    t = invoice.totals
    return {
        "seller_tax_id": invoice.seller.tax_id,
        "seller_name": invoice.seller.full_name[:200],
        "buyer_tax_id": invoice.buyer.tax_id,
        "buyer_name": invoice.buyer.full_name[:200],
        "series": invoice.series,
        "number": invoice.number,
        "full_number": invoice.full_number[:60],
        "kind": invoice.kind.value,
        "type_code": invoice.type_code,
        "is_corrective": invoice.is_corrective,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date
        or (invoice.instalments[0].due_date if invoice.instalments else None),
        "currency": invoice.currency,
        "net_total": t.tax_exclusive,
        "tax_total": t.vat_total,
        "withheld_total": t.withheld_total,
        "total": t.invoice_total,
        "payable": t.payable,
        "canonical": invoice_to_data(invoice),
        "content_hash": content_hash(invoice),
    }


def canonical_of(row: Invoice) -> em.Invoice:
    """The canonical invoice stored on ``row``."""
    return invoice_from_data(row.canonical)
