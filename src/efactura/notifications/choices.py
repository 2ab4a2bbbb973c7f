"""Notification kinds (the registry of emails the platform sends) and delivery constants.

Each kind has a written contract in :data:`KINDS`: who receives it, what triggers it and
which setting governs it.  Its templates live in ``templates/notifications/email/<kind>.*``
(``subject.txt``, ``txt``, ``html``), rendered in the recipient's language; a test checks that
every kind is documented here and has its three templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CUSTOMER_INVOICE = "customer_invoice", _("Invoice sent to the customer")
    INVITATION = "invitation", _("Invitation to register (code A)")
    INVOICE_RECEIVED = "invoice_received", _("An invoice arrived")
    STATUS_CHANGED = "status_changed", _("An invoice's status changed")
    DELIVERY_FAILED = "delivery_failed", _("A delivery failed")
    CERTIFICATE_EXPIRING = "certificate_expiring", _("A certificate is about to expire")
    RESPONSE_REMINDER = "response_reminder", _("Reminder: the period to answer ends tomorrow")
    DEADLINE_DIGEST = "deadline_digest", _("Daily digest of invoices awaiting an answer")


class Audience(models.TextChoices):
    CUSTOMER = "customer", _("The customer")
    COMPANY = "company", _("Our company")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Waiting to retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


@dataclass(frozen=True)
class KindSpec:
    """The contract of one notification kind."""

    audience: str
    trigger: str
    setting: str
    """Field of ``NotificationSettings`` that switches it on or lists its addresses."""


KINDS: dict[str, KindSpec] = {
    Kind.CUSTOMER_INVOICE: KindSpec(
        Audience.CUSTOMER,
        "the invoice_routed effect to a local or peer recipient: the issuer's customer "
        "gets the invoice summary, a link and optionally the PDF.",
        "email_customer_on_issue",
    ),
    Kind.INVITATION: KindSpec(
        Audience.CUSTOMER,
        "the invoice_routed effect with route awaiting_registration: the customer gets "
        "the invoice summary, code A and the registration link (always sent when an address "
        "is known), or the issuer resends it from Manage codes.",
        "attach_pdf",
    ),
    Kind.INVOICE_RECEIVED: KindSpec(
        Audience.COMPANY,
        "the invoice_received effect (not for invoices the company imported itself).",
        "invoice_received_emails",
    ),
    Kind.STATUS_CHANGED: KindSpec(
        Audience.COMPANY,
        "the invoice_status_changed effect (except 'read'): the other side of the "
        "invoice is told (issuer for accepted/rejected/paid, recipient for cancellation).",
        "status_changed_emails",
    ),
    Kind.DELIVERY_FAILED: KindSpec(
        Audience.COMPANY,
        "an invoice Event of kind delivery_failed is recorded (any delivery channel): the "
        "issuer is told.",
        "delivery_failed_emails",
    ),
    Kind.CERTIFICATE_EXPIRING: KindSpec(
        Audience.COMPANY,
        "services.do_warn_expiring_certificates (task / `manage notify_expiring_certificates`"
        ", daily): once per certificate, EFACTURA_CERTIFICATE_WARNING_DAYS before not_after.",
        "certificate_expiring_emails",
    ),
    Kind.RESPONSE_REMINDER: KindSpec(
        Audience.COMPANY,
        "the housekeeping job response_reminders (efactura.notifications.deadlines): the day "
        "before the period to accept or reject ends (RD 238/2026), once per invoice, to the "
        "recipient's 'when an invoice arrives' addresses (else its contact address).",
        "invoice_received_emails",
    ),
    Kind.DEADLINE_DIGEST: KindSpec(
        Audience.COMPANY,
        "the daily housekeeping job deadline_digest (efactura.notifications.deadlines): once "
        "a day, the company's invoices still awaiting its acceptance or rejection, soonest "
        "deadline first; opt-in (no addresses, no digest); nothing when nothing is waiting.",
        "deadline_digest_emails",
    ),
}

DEFAULTS: dict[str, Any] = {
    "EFACTURA_EMAIL_MAX_ATTEMPTS": 5,
    "EFACTURA_EMAIL_RETRY_SECONDS": (60, 300, 1800, 7200),
    "EFACTURA_CERTIFICATE_WARNING_DAYS": 30,
    "EFACTURA_EMAIL_LEASE_SECONDS": 300,
    "EFACTURA_EMAIL_ATTACH_PDF": False,
}
"""``EFACTURA_EMAIL_MAX_ATTEMPTS``: attempts before an email is marked failed.
``EFACTURA_EMAIL_RETRY_SECONDS``: wait before the 2nd, 3rd … attempt (the last value repeats).
``EFACTURA_CERTIFICATE_WARNING_DAYS``: how long before expiry a certificate is announced.
``EFACTURA_EMAIL_LEASE_SECONDS``: how long a worker's claim on an email lasts; a worker that
died while sending (``kill -9``, a lost machine) leaves a lease that expires, and housekeeping
hands the email to another worker.  Longer than the mail server's timeout (30 s).
``EFACTURA_EMAIL_ATTACH_PDF``: whether customers' invoice emails attach the PDF for companies
that never chose (each company can switch it on or off under Notifications); off = the email
links to the invoice, and no PDF is rendered until someone asks for it."""

MAX_ADDRESSES = 10
"""Addresses per notification list."""

CODE_MASK = "••••-••••-••••"
"""What the email log shows in place of a clear code A."""


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def retry_delay(attempts: int) -> int:
    """Seconds to wait after ``attempts`` failed attempts (1 → first delay …)."""
    delays = tuple(setting("EFACTURA_EMAIL_RETRY_SECONDS")) or (60,)
    return int(delays[min(attempts, len(delays)) - 1])
