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


def do_send_deadline_digests(*, today: dt.date | None = None) -> int:
    """The opt-in daily digest: per company with digest addresses, the invoices still awaiting
    its answer, soonest deadline first; at most one a day per company (the company's settings
    row is locked while deciding).  Returns how many digests were queued."""
    from efactura.notifications.models import Notification, NotificationSettings

    today = today or timezone.localdate()
    sent = 0
    for settings_pk in NotificationSettings.objects.exclude(deadline_digest_emails=[]).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            row = (
                NotificationSettings.objects.select_for_update()
                .select_related("company")
                .get(pk=settings_pk)
            )
            company = row.company
            already = Notification.objects.filter(
                company=company,
                kind=Kind.DEADLINE_DIGEST,
                context__day=today.isoformat(),
            ).exists()
            waiting = list(
                Invoice.objects.filter(
                    recipient=company,
                    status__in=[Status.RECEIVED, Status.READ],
                    response_due__isnull=False,
                ).order_by("response_due", "created")[:200]
            )
            if already or not waiting or not row.deadline_digest_emails:
                continue
            do_queue_notification(
                kind=Kind.DEADLINE_DIGEST,
                company=company,
                to=row.deadline_digest_emails,
                language=company.language,
                context={
                    "day": today.isoformat(),
                    "company": company.legal_name,
                    "count": len(waiting),
                    "rows": [
                        {
                            "number": inv.full_number,
                            "seller": inv.seller_name,
                            "respond_by": inv.response_due.isoformat() if inv.response_due else "",
                            "days_left": (inv.response_due - today).days if inv.response_due else 0,
                            "link": invoice_link(inv, side="received"),
                        }
                        for inv in waiting
                    ],
                    "invoice": invoice_summary(waiting[0]),
                    "link": invoice_link(waiting[0], side="received"),
                },
            )
            sent += 1
    return sent
