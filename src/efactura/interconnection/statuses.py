"""The one place where efactura's lifecycle meets Peppol's statuses.

* Invoice Response 3 (UNCL4343 subset, BIS Invoice Response 3): what the buyer did on its
  platform travels to the seller's.  Outbound: an event of the recipient → a response code.
  Inbound: a response code → the efactura event and status recorded on the issued invoice.
* Message Level Status 1.0: ``RE`` means the receiving access point could not deliver the
  document (syntax, business rules, delivery) → the invoice's transport becomes *failed*,
  visible on its timeline; ``AP``/``AB`` change nothing (the signed AS4 receipt already
  recorded the delivery).

The codes come from :mod:`efactura.invoices.codes` (the one table, also in docs/statuses.md):

====================  ============================  ==========================================
efactura event        Invoice Response code         efactura change on the issuer side
====================  ============================  ==========================================
read                  IP (in process)               read
accepted (presumed)   AP (accepted)                 accepted
rejected              RE + OPStatusReason code      rejected, with the reason code and text
rejection cancelled   IP after a rejection          rejection cancelled, open (read) again
payment (full)        PD + paid amount (BT-113)     paid
payment (partial)     PD + PPD + paid amount        partially paid
payment cancelled     PD + PPD + lower paid amount  payment cancelled (AP when nothing is paid)
—                     AB, UQ, CA                    timeline/audit only (no efactura status)
====================  ============================  ==========================================

Cancellation requests have no Invoice Response code and are not sent (docs/interconnection.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from efactura.interconnection.documents import InvoiceResponse
from efactura.invoices.choices import EventKind, RejectionReason, Status
from efactura.invoices.codes import EVENT_CODES, PAYMENT_PARTIAL

REASON_CODES = frozenset(RejectionReason.values)

RECIPIENT_EVENTS = frozenset(
    {
        EventKind.READ,
        EventKind.ACCEPTED,
        EventKind.ACCEPTED_PRESUMED,
        EventKind.REJECTED,
        EventKind.REJECTION_CANCELLED,
        EventKind.PAYMENT,
        EventKind.PAYMENT_CANCELLED,
    }
)
"""Recipient's events that travel back to the seller's platform."""

OUTBOUND_CODES: dict[str, str] = {
    kind: EVENT_CODES[kind].peppol for kind in sorted(RECIPIENT_EVENTS)
}
"""Recipient's events that travel back to the seller's platform, with their response code."""

CODES_WITHOUT_STATUS = frozenset({"AB", "UQ", "CA"})
"""Response codes recorded in the audit trail only: efactura has no status for them."""


def response_for_event(
    *, invoice: Any, event_kind: str, reason: str, sender: str, receiver: str
) -> InvoiceResponse | None:
    """The Invoice Response telling the seller what the buyer did (``None``: nothing to send)."""
    if event_kind not in RECIPIENT_EVENTS:
        return None
    paid = Decimal(invoice.paid_amount or 0)
    partial = event_kind == EventKind.PAYMENT and invoice.status == Status.PARTIALLY_PAID
    codes = EVENT_CODES[PAYMENT_PARTIAL if partial else event_kind]
    code, reason_code, paid_amount = codes.peppol, codes.peppol_reason, None
    if event_kind == EventKind.REJECTED:
        reason_code = getattr(invoice, "rejection_code", "") or "OTH"
    elif event_kind in {EventKind.PAYMENT, EventKind.PAYMENT_CANCELLED}:
        paid_amount = paid
        if event_kind == EventKind.PAYMENT_CANCELLED and paid <= 0:
            code, reason_code, paid_amount = "AP", "", None
    return InvoiceResponse(
        code=code,
        invoice_number=invoice.full_number,
        invoice_issue_date=invoice.issue_date,
        sender=sender,
        receiver=receiver,
        sender_name=invoice.buyer_name,
        receiver_name=invoice.seller_name,
        effective=invoice.paid_date if paid_amount is not None else None,
        reason_code=reason_code,
        reason=reason if event_kind == EventKind.REJECTED else "",
        paid_amount=paid_amount,
    )


@dataclass(frozen=True)
class StatusChange:
    """What an inbound Invoice Response does to the issued invoice."""

    kind: str
    status: str
    reason: str = ""
    paid_total: Decimal | None = None
    reason_code: str = ""


PAID_STATUSES = frozenset({Status.PARTIALLY_PAID, Status.PAID})


def change_for_response(
    *,
    response: InvoiceResponse,
    payable: Decimal,
    status: str = "",
    paid: Decimal | None = None,
) -> StatusChange | None:
    """The efactura change for an Invoice Response (``None``: audit only).

    ``status`` and ``paid`` are the issued invoice's current status and amount paid: an IP
    after a rejection cancels the rejection, a lower total paid (or an AP after payments)
    cancels a payment."""
    code = response.code
    paid = Decimal(paid or 0)
    if code == "IP":
        if status == Status.REJECTED:
            return StatusChange(kind=EventKind.REJECTION_CANCELLED, status=Status.READ)
        return StatusChange(kind=EventKind.READ, status=Status.READ)
    if code == "AP":
        if status in PAID_STATUSES:
            return StatusChange(
                kind=EventKind.PAYMENT_CANCELLED, status=Status.ACCEPTED, paid_total=Decimal(0)
            )
        return StatusChange(kind=EventKind.ACCEPTED, status=Status.ACCEPTED)
    if code == "RE":
        return StatusChange(
            kind=EventKind.REJECTED,
            status=Status.REJECTED,
            reason=response.reason or response.reason_code,
            reason_code=response.reason_code if response.reason_code in REASON_CODES else "OTH",
        )
    if code == "PD":
        partial = response.reason_code == "PPD"
        total = response.paid_amount if response.paid_amount is not None else payable
        kind = EventKind.PAYMENT_CANCELLED if total < paid else EventKind.PAYMENT
        if partial or total < payable:
            return StatusChange(kind=kind, status=Status.PARTIALLY_PAID, paid_total=total)
        return StatusChange(kind=kind, status=Status.PAID, paid_total=total)
    return None


def mls_failed(code: str) -> bool:
    """Does a Message Level Status code mean the document was not delivered?"""
    return code == "RE"
