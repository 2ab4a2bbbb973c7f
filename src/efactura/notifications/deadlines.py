"""Reminding recipients of the legal period to answer an invoice (RD 238/2026: acceptance or
rejection within 4 calendar days of receipt, ``EFACTURA_RESPONSE_DAYS``).

:func:`do_send_response_reminders` runs with housekeeping: the day before the last day of the
period, the recipient's "when an invoice arrives" addresses (else its contact address) get one
email per invoice — ``Invoice.response_reminded_at`` is set in the same transaction that
queues the email, with a conditional update, so several workers never send it twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from efactura.invoices.choices import Status
from efactura.invoices.models import Invoice
from efactura.notifications.choices import Kind
from efactura.notifications.emails import invoice_link, invoice_summary
from efactura.notifications.services import do_queue_notification, settings_for


def due_for_reminder(today: dt.date) -> list[str]:
    """Invoices whose period ends tomorrow (or today, if the job missed yesterday), still
    unanswered and not reminded yet."""
    return [
        str(pk)
        for pk in Invoice.objects.filter(
            status__in=[Status.RECEIVED, Status.READ],
            recipient__isnull=False,
            response_reminded_at__isnull=True,
            response_due__gte=today,
            response_due__lte=today + dt.timedelta(days=1),
        ).values_list("pk", flat=True)[:5000]
    ]


def do_send_response_reminders(*, today: dt.date | None = None) -> int:
    """Queue the day-before reminders; returns how many invoices were reminded."""
    today = today or timezone.localdate()
    sent = 0
    for pk in due_for_reminder(today):
        with transaction.atomic():
            claimed = Invoice.objects.filter(pk=pk, response_reminded_at__isnull=True).update(
                response_reminded_at=timezone.now()
            )
            if not claimed:
                continue
            invoice = Invoice.objects.select_related("recipient").get(pk=pk)
            company = invoice.recipient
            assert company is not None
            to = list(settings_for(company).invoice_received_emails) or (
                [company.contact_email] if company.contact_email else []
            )
            do_queue_notification(
                kind=Kind.RESPONSE_REMINDER,
                company=company,
                invoice=invoice,
                to=to,
                language=company.language,
                context={
                    "invoice": invoice_summary(invoice),
                    "link": invoice_link(invoice, side="received"),
                    "company": company.legal_name,
                    "respond_by": invoice.response_due.isoformat() if invoice.response_due else "",
                },
            )
            sent += 1
    return sent
