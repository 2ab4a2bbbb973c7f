"""The one table of status codes: every efactura status event and what it is called by the
AEAT's public e-invoicing solution (SPFE), by FACe and by Peppol Invoice Response.

* SPFE (RD 238/2026, draft specification of April 2026): the status messages private
  platforms report — PAYMENT, CANCELPAYMENT, REJECTION, CANCELREJECTION, SETTLEMENT,
  CANCELSETTLEMENT, DEFAULT, CANCELDEFAULT.  Acceptance (explicit or presumed) is not
  reported: the SPFE presumes it unless a rejection arrives.
* FACe (the public sector's hub): its invoice status codes (1200 registered … 3100 cancelled,
  42xx/43xx/44xx for cancellation requests), shown beside the status on the invoice page.
* Peppol Invoice Response 3 (UNCL4343 subset, OPStatusReason): what travels from the buyer's
  platform to the seller's over AS4 (:mod:`efactura.interconnection.statuses`).  The issuer's
  own reports (collection, default) have no Invoice Response: Peppol answers go from buyer to
  seller only, so they are not sent to partner platforms.

``docs/statuses.md`` holds this table; ``tests/efactura/invoices/test_codes.py`` checks that
the document and this module agree (:func:`markdown_table` writes it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from efactura.invoices.choices import EventKind, Status

StrOrPromise = str | Promise


@dataclass(frozen=True)
class Codes:
    """What one status event is called elsewhere ("" when that system has no such status)."""

    spfe: str = ""
    face: str = ""
    peppol: str = ""
    peppol_reason: str = ""
    """``OPStatusReason`` code sent with the Peppol response (``PPD`` partially paid)."""


PAYMENT_PARTIAL = "payment_partial"
"""Key of :data:`EVENT_CODES` for a payment that leaves an amount outstanding."""

EVENT_CODES: dict[str, Codes] = {
    EventKind.DELIVERED: Codes(face="1200", peppol="AB"),
    EventKind.READ: Codes(face="1300", peppol="IP"),
    EventKind.ACCEPTED: Codes(face="2400", peppol="AP"),
    EventKind.ACCEPTED_PRESUMED: Codes(face="2400", peppol="AP"),
    EventKind.REJECTED: Codes(spfe="REJECTION", face="2600", peppol="RE"),
    # Back to "in process": on the seller's side an IP after a rejection reopens the invoice.
    EventKind.REJECTION_CANCELLED: Codes(spfe="CANCELREJECTION", peppol="IP"),
    EventKind.PAYMENT: Codes(spfe="PAYMENT", face="2500", peppol="PD"),
    PAYMENT_PARTIAL: Codes(spfe="PAYMENT", peppol="PD", peppol_reason="PPD"),
    # The response carries the new total paid (BT-113); AP when nothing is paid any more.
    EventKind.PAYMENT_CANCELLED: Codes(spfe="CANCELPAYMENT", peppol="PD", peppol_reason="PPD"),
    EventKind.SETTLED: Codes(spfe="SETTLEMENT"),
    EventKind.SETTLEMENT_CANCELLED: Codes(spfe="CANCELSETTLEMENT"),
    EventKind.DEFAULTED: Codes(spfe="DEFAULT"),
    EventKind.DEFAULT_CANCELLED: Codes(spfe="CANCELDEFAULT"),
    EventKind.CANCELLATION_REQUESTED: Codes(face="4200", peppol=""),
    EventKind.CANCELLATION_ACCEPTED: Codes(face="3100"),
    EventKind.CANCELLATION_REFUSED: Codes(face="4400"),
}
"""Status event → its codes; events not listed (issued, signed, emails …) have none."""

SPFE_CODES = (
    "PAYMENT",
    "CANCELPAYMENT",
    "REJECTION",
    "CANCELREJECTION",
    "SETTLEMENT",
    "CANCELSETTLEMENT",
    "DEFAULT",
    "CANCELDEFAULT",
)
"""Every status message of the SPFE's draft specification."""


def codes_for(*, kind: str, paid_total: object = None, payable: object = None) -> Codes:
    """The codes of one event; a payment leaving something outstanding is a partial one."""
    partial = (
        kind == EventKind.PAYMENT
        and paid_total is not None
        and payable is not None
        and paid_total < payable  # type: ignore[operator]
    )
    if partial:
        return EVENT_CODES[PAYMENT_PARTIAL]
    return EVENT_CODES.get(kind, Codes())


def spfe_code(kind: str) -> str:
    """The SPFE status message of an event ("" when it is not reported to the SPFE)."""
    return EVENT_CODES.get(kind, Codes()).spfe


FACE_CODES: dict[str, tuple[str, str]] = {
    Status.RECEIVED: ("1200", "Registrada"),
    Status.READ: ("1300", "Registrada en RCF"),
    Status.ACCEPTED: ("2400", "Contabilizada la obligación reconocida"),
    Status.PARTIALLY_PAID: ("2400", "Contabilizada la obligación reconocida"),
    Status.PAID: ("2500", "Pagada"),
    Status.REJECTED: ("2600", "Rechazada"),
    Status.CANCELLATION_REQUESTED: ("4200", "Solicitada anulación"),
    Status.CANCELLED: ("3100", "Anulada"),
}
"""Business status → (FACe code, FACe name), shown on the invoice page."""

PEPPOL_CODES: dict[str, tuple[str, StrOrPromise]] = {
    Status.RECEIVED: ("AB", pgettext_lazy("Peppol response", "Message acknowledgement")),
    Status.READ: ("IP", pgettext_lazy("Peppol response", "In process")),
    Status.ACCEPTED: ("AP", pgettext_lazy("Peppol response", "Accepted")),
    Status.PARTIALLY_PAID: ("PD", pgettext_lazy("Peppol response", "Paid (partially: PPD)")),
    Status.PAID: ("PD", pgettext_lazy("Peppol response", "Paid")),
    Status.REJECTED: ("RE", pgettext_lazy("Peppol response", "Rejected")),
    Status.CANCELLATION_REQUESTED: ("UQ", pgettext_lazy("Peppol response", "Under query")),
    Status.CANCELLED: ("RE", pgettext_lazy("Peppol response", "Rejected")),
}
"""Business status → (Peppol Invoice Response code, its name in the reader's language), shown
on the invoice page."""


def markdown_table() -> str:
    """:data:`EVENT_CODES` as the Markdown table of ``docs/statuses.md``."""
    rows = [
        "| efactura event | SPFE | FACe | Peppol Invoice Response |",
        "|---|---|---|---|",
    ]
    for key, codes in EVENT_CODES.items():
        peppol = codes.peppol + (f" + {codes.peppol_reason}" if codes.peppol_reason else "")
        rows.append(f"| `{key}` | {codes.spfe or '—'} | {codes.face or '—'} | {peppol or '—'} |")
    return "\n".join(rows) + "\n"
