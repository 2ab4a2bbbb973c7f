"""Constants of the invoices app: directions, routes, statuses, events and their codes.

The business lifecycle (DESIGN.md, "Status lifecycle") is set by the recipient:
``received → read → accepted | rejected → paid``, plus cancellation requested by the issuer and
accepted or refused by the recipient.  Each event maps onto the FACe status codes (the Spanish
public-sector hub) and the Peppol Invoice Response codes (UNCL4343 subset), shown on the
invoice page and sent to peers.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    """How the invoice came to exist on this platform."""

    ISSUED = "issued", _("Issued on the platform")
    IMPORTED_ISSUED = "imported_issued", _("Imported by the issuer")
    IMPORTED_RECEIVED = "imported_received", _("Imported by the recipient")
    API = "api", _("Sent through the API")
    PEER = "peer", _("Received from a federated platform")


class Route(models.TextChoices):
    """The one routing decision recorded per invoice (DESIGN.md, "Routing")."""

    NONE = "none", _("Not routed (imported by the recipient)")
    LOCAL = "local", _("Delivered on this platform")
    PEER = "peer", _("Sent to a federated platform")
    AWAITING_REGISTRATION = "awaiting_registration", _("Awaiting the customer's registration")


class Transport(models.TextChoices):
    """Transport status: did the invoice reach the recipient's inbox?"""

    CREATED = "created", _("Created")
    DELIVERED = "delivered", _("Delivered")
    AWAITING_REGISTRATION = "awaiting_registration", _("Awaiting registration")
    FAILED = "failed", _("Delivery failed")


class Status(models.TextChoices):
    """Business status, set by the recipient (and cancellation by both sides)."""

    RECEIVED = "received", _("Received")
    READ = "read", _("Read")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested")
    CANCELLED = "cancelled", _("Cancelled")


class Collection(models.TextChoices):
    """The issuer's own report on being paid (RD 238/2026): collected (cobro) or unpaid
    (impago); empty until the issuer reports either."""

    NONE = "", _("Not reported")
    SETTLED = "settled", _("Collected")
    DEFAULTED = "defaulted", _("Unpaid (default)")


class RejectionReason(models.TextChoices):
    """Why the recipient rejects an invoice: the Peppol OPStatusReason code list (the codes an
    Invoice Response carries), so the reason travels unchanged to the issuer's platform."""

    REF = "REF", _("References incorrect")
    LEG = "LEG", _("Legal information incorrect")
    REC = "REC", _("Receiver unknown")
    QUA = "QUA", _("Item quality insufficient")
    DEL = "DEL", _("Delivery issues")
    PRI = "PRI", _("Prices incorrect")
    QTY = "QTY", _("Quantity incorrect")
    ITM = "ITM", _("Items incorrect")
    PAY = "PAY", _("Payment terms incorrect")
    UNR = "UNR", _("Not recognised")
    FIN = "FIN", _("Finance terms not accepted")
    OTH = "OTH", _("Other")


class EventKind(models.TextChoices):
    """What happened to an invoice; every change is one event on its timeline."""

    ISSUED = "issued", _("Issued")
    IMPORTED = "imported", _("Imported")
    SIGNED = "signed", _("Signed")
    DELIVERED = "delivered", _("Delivered")
    AWAITING_REGISTRATION = "awaiting_registration", _("Awaiting the customer's registration")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    READ = "read", _("Read by the customer")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    PAYMENT = "payment", _("Payment recorded")
    CANCELLATION_REQUESTED = "cancellation_requested", _("Cancellation requested")
    CANCELLATION_ACCEPTED = "cancellation_accepted", _("Cancellation accepted")
    CANCELLATION_REFUSED = "cancellation_refused", _("Cancellation refused")
    ACCEPTED_PRESUMED = "accepted_presumed", _("Acceptance presumed (no answer in time)")
    REJECTION_CANCELLED = "rejection_cancelled", _("Rejection cancelled")
    PAYMENT_CANCELLED = "payment_cancelled", _("Payment cancelled")
    SETTLED = "settled", _("Collected (reported by the issuer)")
    SETTLEMENT_CANCELLED = "settlement_cancelled", _("Collection cancelled")
    DEFAULTED = "defaulted", _("Unpaid (default reported by the issuer)")
    DEFAULT_CANCELLED = "default_cancelled", _("Default cancelled")
    EMAIL_SENT = "email_sent", _("Email sent")
    EMAIL_FAILED = "email_failed", _("Email failed")


# The FACe / Peppol / SPFE codes of every status live in efactura.invoices.codes.

OPEN_STATUSES = frozenset({Status.RECEIVED, Status.READ})
"""Statuses in which the recipient still owes an acceptance or rejection."""

DEFAULT_RESPONSE_DAYS = 4
"""Calendar days the recipient has to report acceptance or rejection after receipt.

Spain's B2B e-invoicing rules (Ley 18/2022 "Crea y Crece", developed by regulation) oblige the
recipient to report the commercial status of every invoice within a few days; the exact number
of days is a setting (``EFACTURA_RESPONSE_DAYS``) so an operator follows the text in force."""
