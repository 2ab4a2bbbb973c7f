"""The one place where efactura's lifecycle meets Peppol's statuses.

* Invoice Response 3 (UNCL4343 subset, BIS Invoice Response 3): what the buyer did on its
  platform travels to the seller's.  Outbound: an event of the recipient → a response code.
  Inbound: a response code → the efactura event and status recorded on the issued invoice.
* Message Level Status 1.0: ``RE`` means the receiving access point could not deliver the
  document (syntax, business rules, delivery) → the invoice's transport becomes *failed*,
  visible on its timeline; ``AP``/``AB`` change nothing (the signed AS4 receipt already
  recorded the delivery).

=================  ===========================  =====================================
efactura event     Invoice Response code        efactura status on the issuer side
=================  ===========================  =====================================
read               IP (in process)              read
accepted           AP (accepted)                accepted
rejected           RE + OPStatusReason OTH      rejected, with the reason text
payment (full)     PD + paid amount (BT-113)    paid
payment (partial)  PD + PPD + paid amount       partially paid
—                  AB, UQ, CA                   timeline/audit only (no efactura status)
=================  ===========================  =====================================

Cancellation requests have no Invoice Response code and are not sent (docs/interconnection.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from efactura.interconnection.documents import InvoiceResponse
from efactura.invoices.choices import EventKind, Status

OUTBOUND_CODES: dict[str, str] = {
    EventKind.READ: "IP",
    EventKind.ACCEPTED: "AP",
    EventKind.REJECTED: "RE",
    EventKind.PAYMENT: "PD",
}
"""Recipient's events that travel back to the seller's platform, with their response code."""

CODES_WITHOUT_STATUS = frozenset({"AB", "UQ", "CA"})
"""Response codes recorded in the audit trail only: efactura has no status for them."""


def response_for_event(
    *, invoice: Any, event_kind: str, reason: str, sender: str, receiver: str
) -> InvoiceResponse | None:
    """The Invoice Response telling the seller what the buyer did (``None``: nothing to send)."""
    code = OUTBOUND_CODES.get(event_kind)
    if code is None:
        return None
    reason_code, paid = "", None
    if event_kind == EventKind.REJECTED:
        reason_code = "OTH"
    elif event_kind == EventKind.PAYMENT:
        paid = Decimal(invoice.paid_amount or 0)
        if invoice.status == Status.PARTIALLY_PAID:
            reason_code = "PPD"
    return InvoiceResponse(
        code=code,
        invoice_number=invoice.full_number,
        invoice_issue_date=invoice.issue_date,
        sender=sender,
        receiver=receiver,
        sender_name=invoice.buyer_name,
        receiver_name=invoice.seller_name,
        effective=invoice.paid_date if event_kind == EventKind.PAYMENT else None,
        reason_code=reason_code,
        reason=reason if event_kind == EventKind.REJECTED else "",
        paid_amount=paid,
    )


@dataclass(frozen=True)
class StatusChange:
    """What an inbound Invoice Response does to the issued invoice."""

    kind: str
    status: str
    reason: str = ""
    paid_total: Decimal | None = None


def change_for_response(*, response: InvoiceResponse, payable: Decimal) -> StatusChange | None:
    """The efactura change for an Invoice Response (``None``: audit only)."""
    code = response.code
    if code == "IP":
        return StatusChange(kind=EventKind.READ, status=Status.READ)
    if code == "AP":
        return StatusChange(kind=EventKind.ACCEPTED, status=Status.ACCEPTED)
    if code == "RE":
        return StatusChange(
            kind=EventKind.REJECTED,
            status=Status.REJECTED,
            reason=response.reason or response.reason_code,
        )
    if code == "PD":
        partial = response.reason_code == "PPD"
        paid = response.paid_amount if response.paid_amount is not None else payable
        if partial or paid < payable:
            return StatusChange(
                kind=EventKind.PAYMENT, status=Status.PARTIALLY_PAID, paid_total=paid
            )
        return StatusChange(kind=EventKind.PAYMENT, status=Status.PAID, paid_total=paid)
    return None


def mls_failed(code: str) -> bool:
    """Does a Message Level Status code mean the document was not delivered?"""
    return code == "RE"
