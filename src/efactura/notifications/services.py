"""Writes of the notifications app: settings, queueing, sending and retrying emails.

Emails are queued inside the transaction that causes them (a :class:`Notification` row) and
handed to the background worker with ``transaction.on_commit`` (the task takes the row's
primary key), so a rolled-back action sends nothing and a slow mail server never slows a page
down.  Mail-server errors are retried with back-off; the final result is on the invoice
timeline (``email_sent`` / ``email_failed``) and on the notifications page.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, EmailMultiAlternatives, make_msgid
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.accounts.models import User
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company, Membership
from efactura.invoices.choices import EventKind, Route
from efactura.invoices.models import Customer, Event, Invoice
from efactura.notifications.choices import (
    KINDS,
    MAX_ADDRESSES,
    Audience,
    EmailStatus,
    Kind,
    retry_delay,
    setting,
)
from efactura.notifications.emails import (
    absolute,
    invoice_link,
    invoice_summary,
    language_of,
    render_email,
)
from efactura.notifications.models import Notification, NotificationSettings, OutboxEmail

logger = logging.getLogger(__name__)

SEND_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, OSError)
"""Errors of the mail server or the network: retried.  Anything else is a bug and is raised."""


# -- Embedded outbox ---------------------------------------------------------------------------


def do_store_outbox_email(*, message: EmailMessage) -> OutboxEmail:
    """Keep ``message`` in the embedded outbox: addresses, subject, text, HTML part, headers."""
    html = ""
    if isinstance(message, EmailMultiAlternatives):
        for alternative in message.alternatives:
            content, mimetype = alternative[0], alternative[1]
            if mimetype == "text/html" and isinstance(content, str):
                html = content
                break
    text = message.body if isinstance(message.body, str) else ""
    if getattr(message, "content_subtype", "plain") == "html":
        html, text = text, ""
    headers = {str(name): str(value) for name, value in (message.extra_headers or {}).items()}
    if message.reply_to:
        headers.setdefault("Reply-To", ", ".join(message.reply_to))
    return OutboxEmail.objects.create(
        from_email=str(message.from_email or ""),
        to=[str(address) for address in message.to],
        cc=[str(address) for address in message.cc],
        bcc=[str(address) for address in message.bcc],
        subject=str(message.subject),
        text=text,
        html=html,
        headers=headers,
    )


# -- Settings ----------------------------------------------------------------------------------


def settings_for(company: Company) -> NotificationSettings:
    """The company's saved settings, or the defaults (unsaved) if it never saved any."""
    saved = NotificationSettings.objects.filter(company=company).first()
    return saved or NotificationSettings.defaults_for(company)


def clean_addresses(values: Iterable[str]) -> list[str]:
    """Validated, de-duplicated, lower-cased addresses; ``ValidationError`` naming the bad one."""
    result: list[str] = []
    for raw in values:
        address = raw.strip().lower()
        if not address:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                _("“%(address)s” is not a valid email address.") % {"address": raw.strip()},
                code="invalid_email",
            ) from None
        if address not in result:
            result.append(address)
    if len(result) > MAX_ADDRESSES:
        raise ValidationError(
            _("Give at most %(count)s addresses per notification.") % {"count": MAX_ADDRESSES},
            code="too_many",
        )
    return result


def _require_admin(*, actor: User | None, company: Company) -> None:
    if actor is None:
        return
    membership = Membership.objects.filter(user=actor, company=company).first()
    if membership is None or not membership.is_admin:
        raise PermissionDenied(_("Only administrators of the company can do this."))


@transaction.atomic
def do_update_notification_settings(
    *,
    company: Company,
    actor: User | None,
    email_customer_on_issue: bool,
    attach_pdf: bool,
    invoice_received_emails: Iterable[str],
    status_changed_emails: Iterable[str],
    delivery_failed_emails: Iterable[str],
    certificate_expiring_emails: Iterable[str],
    deadline_digest_emails: Iterable[str] = (),
    source: Source = Source.WEB,
) -> NotificationSettings:
    """Save what ``company`` wants emailed; addresses are validated (at most 10 per list)."""
    _require_admin(actor=actor, company=company)
    values: dict[str, Any] = {
        "email_customer_on_issue": bool(email_customer_on_issue),
        "attach_pdf": bool(attach_pdf),
        "invoice_received_emails": clean_addresses(invoice_received_emails),
        "status_changed_emails": clean_addresses(status_changed_emails),
        "delivery_failed_emails": clean_addresses(delivery_failed_emails),
        "certificate_expiring_emails": clean_addresses(certificate_expiring_emails),
        "deadline_digest_emails": clean_addresses(deadline_digest_emails),
        "updated": timezone.now(),
    }
    row, _created = NotificationSettings.objects.update_or_create(company=company, defaults=values)
    record(
        action="notifications.settings.updated",
        actor=actor,
        company=company,
        obj=row,
        source=source,
        data={k: v for k, v in values.items() if k != "updated"},
    )
    return row


# -- Queueing ----------------------------------------------------------------------------------


def do_queue_notification(
    *,
    kind: str,
    company: Company,
    to: Iterable[str],
    language: str,
    context: dict[str, Any],
    invoice: Invoice | None = None,
    attach_pdf: bool = False,
) -> Notification | None:
    """Record an email and hand it to the worker once the current transaction commits.

    Returns ``None`` when there is nobody to send it to.  ``context`` must be JSON-safe.
    """
    recipients = [address for address in dict.fromkeys(a.strip() for a in to) if address]
    if not recipients:
        return None
    language = language_of(language)
    subject, text, html = render_email(kind=kind, language=language, context=context)
    notification = Notification.objects.create(
        company=company,
        invoice=invoice,
        kind=kind,
        audience=KINDS[kind].audience,
        to=recipients,
        language=language,
        subject=subject,
        text=text,
        html=html,
        attach_pdf=attach_pdf and invoice is not None,
        context=context,
    )
    _enqueue_after_commit(notification.pk)
    return notification


def _enqueue_after_commit(notification_id: int) -> None:
    from efactura.invoices.effects import follow_up
    from efactura.notifications.tasks import deliver_notification

    transaction.on_commit(lambda: follow_up(deliver_notification, notification_id=notification_id))


def _customer_address(invoice: Invoice) -> str:
    """Per-invoice address (issue form), else the customer record, else the invoice's buyer."""
    issued = invoice.events.filter(kind=EventKind.ISSUED).order_by("id").first()
    if issued is not None and (issued.data or {}).get("email"):
        return str(issued.data["email"])
    customer = Customer.objects.filter(company=invoice.issuer, tax_id=invoice.buyer_tax_id).first()
    if customer is not None and customer.email:
        return customer.email
    contact = ((invoice.canonical or {}).get("buyer") or {}).get("contact") or {}
    return str(contact.get("email") or "")


def _customer_language(invoice: Invoice) -> str:
    if invoice.recipient is not None:
        return invoice.recipient.language
    customer = Customer.objects.filter(company=invoice.issuer, tax_id=invoice.buyer_tax_id).first()
    return customer.language if customer is not None else "es"


def notify_invoice_routed(*, invoice: Invoice, route: str) -> Notification | None:
    """The customer's email when an invoice is issued: the invoice (registered customer,
    if the issuer wants it) or the invitation with code A (customer not registered)."""
    issuer = invoice.issuer
    if issuer is None:
        return None
    prefs = settings_for(issuer)
    address = _customer_address(invoice)
    if route == Route.AWAITING_REGISTRATION:
        return _queue_invitation(invoice=invoice, address=address, attach_pdf=prefs.attach_pdf)
    if not prefs.email_customer_on_issue or not address:
        return None
    return do_queue_notification(
        kind=Kind.CUSTOMER_INVOICE,
        company=issuer,
        invoice=invoice,
        to=[address],
        language=_customer_language(invoice),
        context={
            "invoice": invoice_summary(invoice),
            "link": invoice_link(invoice, side="received"),
            "issuer": issuer.legal_name,
        },
        attach_pdf=prefs.attach_pdf,
    )


def _queue_invitation(*, invoice: Invoice, address: str, attach_pdf: bool) -> Notification | None:
    from urllib.parse import urlencode

    from django.urls import reverse

    from efactura.registration.selectors import registration_prefill_token

    assert invoice.issuer is not None
    if not address:
        # Nobody to invite: the issuer sees it on the timeline and on Manage codes.
        Event.objects.create(
            invoice=invoice,
            kind=EventKind.EMAIL_FAILED,
            company=invoice.issuer,
            source=Source.SYSTEM,
            data={"kind": Kind.INVITATION, "error": "no email address for the customer"},
        )
        return None
    return do_queue_notification(
        kind=Kind.INVITATION,
        company=invoice.issuer,
        invoice=invoice,
        to=[address],
        language=_customer_language(invoice),
        context={
            "invoice": invoice_summary(invoice),
            "issuer": invoice.issuer.legal_name,
            "tax_id": invoice.buyer_tax_id,
            "link": absolute(reverse("web:register"))
            + "?"
            + urlencode(
                {
                    "tax_id": invoice.buyer_tax_id,
                    "invite": registration_prefill_token(invoice=invoice),
                }
            ),
        },
        attach_pdf=attach_pdf,
    )


def do_resend_invitation(
    *, company: Company, actor: User | None, tax_id: str, source: Source = Source.WEB
) -> Notification | None:
    """Send a new invitation (new code A) for the latest invoice of ``company`` waiting for
    ``tax_id``; ``ValidationError`` when none is waiting or no address is known."""
    from efactura.registration.services import require_writer

    require_writer(actor=actor, company=company)
    invoice = (
        Invoice.objects.filter(
            issuer=company,
            buyer_tax_id=tax_id,
            route=Route.AWAITING_REGISTRATION,
            recipient__isnull=True,
        )
        .order_by("-created")
        .first()
    )
    if invoice is None:
        raise ValidationError(
            _("None of your invoices is waiting for the registration of %(tax_id)s.")
            % {"tax_id": tax_id},
            code="nothing_waiting",
        )
    address = _customer_address(invoice)
    if not address:
        raise ValidationError(
            _(
                "There is no email address for %(tax_id)s: add it to the customer record or "
                "issue the next invoice with an address."
            )
            % {"tax_id": tax_id},
            code="no_address",
        )
    with transaction.atomic():
        notification = _queue_invitation(
            invoice=invoice, address=address, attach_pdf=settings_for(company).attach_pdf
        )
        record(
            action="notifications.invitation.resent",
            actor=actor,
            company=company,
            obj=invoice,
            source=source,
            data={"tax_id": tax_id, "to": address},
        )
    return notification


def notify_invoice_received(*, invoice: Invoice) -> Notification | None:
    """Tell the recipient company an invoice arrived (not when it imported it itself)."""
    company = invoice.recipient
    if company is None or invoice.origin == "imported_received":
        return None
    return do_queue_notification(
        kind=Kind.INVOICE_RECEIVED,
        company=company,
        invoice=invoice,
        to=settings_for(company).invoice_received_emails,
        language=company.language,
        context={
            "invoice": invoice_summary(invoice),
            "link": invoice_link(invoice, side="received"),
            "company": company.legal_name,
            "respond_by": invoice.response_due.isoformat() if invoice.response_due else "",
        },
    )


def notify_status_changed(*, invoice: Invoice, event: Event) -> Notification | None:
    """Tell the other side of the invoice about a status event (not about 'read')."""
    if event.kind == EventKind.READ:
        return None
    if event.company_id is not None and event.company_id == invoice.issuer_id:
        company, side = invoice.recipient, "received"
    else:
        company, side = invoice.issuer, "issued"
    if company is None:
        return None
    return do_queue_notification(
        kind=Kind.STATUS_CHANGED,
        company=company,
        invoice=invoice,
        to=settings_for(company).status_changed_emails,
        language=company.language,
        context={
            "invoice": invoice_summary(invoice),
            "link": invoice_link(invoice, side=side),
            "event": event.kind,
            "status": invoice.status,
            "reason": str((event.data or {}).get("reason", ""))[:500],
            "by": event.company.legal_name if event.company else "",
        },
    )


def notify_delivery_failed(*, event: Event) -> Notification | None:
    """Tell the issuer that an invoice could not be delivered."""
    invoice = event.invoice
    company = invoice.issuer
    if company is None:
        return None
    return do_queue_notification(
        kind=Kind.DELIVERY_FAILED,
        company=company,
        invoice=invoice,
        to=settings_for(company).delivery_failed_emails,
        language=company.language,
        context={
            "invoice": invoice_summary(invoice),
            "link": invoice_link(invoice, side="issued"),
            "error": str((event.data or {}).get("error") or (event.data or {}).get("reason") or "")[
                :500
            ],
        },
    )


def do_warn_expiring_certificates() -> int:
    """Email each company whose active certificate expires within the warning period, once per
    certificate (``Certificate.expiry_warned``); returns how many certificates were announced."""
    from efactura.signing.models import Certificate

    now = timezone.now()
    horizon = now + dt.timedelta(days=int(setting("EFACTURA_CERTIFICATE_WARNING_DAYS")))
    announced = 0
    candidates = Certificate.objects.filter(
        is_active=True, expiry_warned__isnull=True, not_after__lte=horizon, not_after__gt=now
    ).select_related("company")
    for certificate in candidates:
        with transaction.atomic():
            claimed = Certificate.objects.filter(
                pk=certificate.pk, expiry_warned__isnull=True
            ).update(expiry_warned=now)
            if not claimed:
                continue
            company = certificate.company
            do_queue_notification(
                kind=Kind.CERTIFICATE_EXPIRING,
                company=company,
                to=settings_for(company).certificate_expiring_emails,
                language=company.language,
                context={
                    "company": company.legal_name,
                    "certificate": certificate.common_name,
                    "serial": certificate.serial,
                    "not_after": timezone.localdate(certificate.not_after).isoformat(),
                    "days": max(certificate.days_to_expiry, 0),
                    "link": absolute("/setup/certificates/"),
                },
            )
            announced += 1
    return announced


# -- Sending -----------------------------------------------------------------------------------


def _timeline(notification: Notification, kind: str, data: dict[str, Any]) -> None:
    if notification.invoice_id is None:
        return
    Event.objects.create(
        invoice_id=notification.invoice_id,
        kind=kind,
        company=notification.company,
        source=Source.SYSTEM,
        data={
            "notification": notification.pk,
            "kind": notification.kind,
            "audience": notification.audience,
            "to": notification.to,
            **data,
        },
    )


def _build_message(
    notification: Notification, *, text: str, html: str, subject: str
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=notification.to,
        headers={
            "Message-ID": notification.message_id,
            "X-Efactura-Kind": notification.kind,
            "Auto-Submitted": "auto-generated",
        },
    )
    if html:
        message.attach_alternative(html, "text/html")
    if notification.attach_pdf and notification.invoice is not None:
        from efactura.invoices.pdfs import invoice_pdf

        invoice = notification.invoice
        pdf = invoice_pdf(invoice=invoice, language=notification.language)
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in invoice.full_number)
        message.attach(f"{safe or 'invoice'}.pdf", pdf, "application/pdf")
    return message


_SENT_FIELDS = (
    "status",
    "lease_expires_at",
    "attempts",
    "sent_at",
    "next_attempt_at",
    "last_error",
    "updated",
)
"""What a successful attempt changes on the row (the rest, texts included, stays)."""


def claim_notification(*, notification_id: int, now: dt.datetime | None = None) -> bool:
    """Take the email for sending with a lease that expires; ``False`` if someone else has it.

    Claimable: queued, waiting to retry, or ``sending`` under a lease that has lapsed (its
    worker died mid-send).  Sent and failed emails are never claimed: their SMTP outcome is
    known.  The Message-ID is fixed here, before the first byte goes to the mail server, and
    kept for every later attempt.
    """
    now = now or timezone.now()
    lease = dt.timedelta(seconds=int(setting("EFACTURA_EMAIL_LEASE_SECONDS")))
    claimable = Q(status__in=[EmailStatus.QUEUED, EmailStatus.RETRYING]) | Q(
        status=EmailStatus.SENDING, lease_expires_at__lt=now
    )
    # One statement: the lease, and the Message-ID unless an earlier attempt fixed it.
    claimed = Notification.objects.filter(claimable, pk=notification_id).update(
        status=EmailStatus.SENDING,
        lease_expires_at=now + lease,
        updated=now,
        message_id=Case(
            When(message_id="", then=Value(make_msgid(domain="efactura"))),
            default=F("message_id"),
        ),
    )
    return bool(claimed)


def do_send_notification(*, notification_id: int) -> str:
    """One sending attempt (the worker's task); returns the resulting status.

    Claims the row (so two workers never send it twice), renders the invitation's code A
    just before sending, sends through the configured mailer, and records the result.  On a
    mail-server error the attempt is counted and, below the limit, a retry is scheduled after
    the back-off delay; at the limit the email is marked failed and the timeline says so.
    """
    if not claim_notification(notification_id=notification_id):
        return (
            Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
            or ""
        )
    # The invoice itself (its canonical JSON, its signature report) is read only when an
    # invitation code or an attached PDF needs it; most emails need only the company.
    notification = Notification.objects.select_related("company").get(pk=notification_id)
    subject, text, html = notification.subject, notification.text, notification.html
    code_row = None
    attempts = notification.attempts + 1
    try:
        if notification.kind == Kind.INVITATION:
            from efactura.registration.services import do_create_invitation_code

            assert notification.invoice is not None
            code_row, clear = do_create_invitation_code(
                issuer=notification.company,
                tax_id=notification.context["tax_id"],
                invoice=notification.invoice,
                email=notification.to[0],
            )
            subject, text, html = render_email(
                kind=notification.kind,
                language=notification.language,
                context=notification.context,
                code=clear,
            )
        message = _build_message(notification, text=text, html=html, subject=subject)
        message.send()
    except SEND_ERRORS as exc:
        if code_row is not None:
            from efactura.registration.services import do_discard_invitation_code

            do_discard_invitation_code(code=code_row)
        return _record_failure(notification, attempts=attempts, error=exc)
    except BaseException:
        # A bug, not the mail server: put the row back so it is not stuck in "sending".
        if code_row is not None:
            from efactura.registration.services import do_discard_invitation_code

            do_discard_invitation_code(code=code_row)
        Notification.objects.filter(pk=notification.pk).update(
            status=EmailStatus.FAILED,
            attempts=attempts,
            last_error="internal error",
            lease_expires_at=None,
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        notification.status = EmailStatus.SENT
        notification.lease_expires_at = None
        notification.attempts = attempts
        notification.sent_at = now
        notification.next_attempt_at = None
        notification.last_error = ""
        notification.updated = now
        notification.save(update_fields=_SENT_FIELDS)
        _timeline(notification, EventKind.EMAIL_SENT, {"attempts": attempts})
    return EmailStatus.SENT


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        detail = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return f"{error.smtp_code} {detail}"[:1000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {msg.decode(errors='replace')}"
            for address, (code, msg) in error.recipients.items()
        )[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def _record_failure(notification: Notification, *, attempts: int, error: BaseException) -> str:
    from efactura.notifications.tasks import deliver_notification

    now = timezone.now()
    notification.attempts = attempts
    notification.last_error = _describe(error)
    notification.updated = now
    notification.lease_expires_at = None
    max_attempts = int(setting("EFACTURA_EMAIL_MAX_ATTEMPTS"))
    if attempts >= max_attempts:
        with transaction.atomic():
            notification.status = EmailStatus.FAILED
            notification.next_attempt_at = None
            notification.save()
            _timeline(
                notification,
                EventKind.EMAIL_FAILED,
                {"attempts": attempts, "error": notification.last_error},
            )
            record(
                action="notifications.email.failed",
                company=notification.company,
                obj=notification,
                data={
                    "kind": notification.kind,
                    "to": notification.to,
                    "error": notification.last_error,
                },
            )
        logger.warning("Email %s failed for good: %s", notification.pk, notification.last_error)
        return EmailStatus.FAILED
    delay = retry_delay(attempts)
    notification.status = EmailStatus.RETRYING
    notification.next_attempt_at = now + dt.timedelta(seconds=delay)
    notification.save()
    logger.info(
        "Email %s attempt %s failed (%s); retrying in %ss",
        notification.pk,
        attempts,
        notification.last_error,
        delay,
    )
    backend = deliver_notification.get_backend()
    if backend.supports_defer:
        deliver_notification.using(run_after=notification.next_attempt_at).enqueue(
            notification_id=notification.pk
        )
    else:
        # Backends that cannot defer (the immediate one used by tests) retry at once.
        deliver_notification.enqueue(notification_id=notification.pk)
    return EmailStatus.RETRYING


def do_resend_notification(
    *, company: Company, actor: User | None, notification: Notification, source: Source = Source.WEB
) -> Notification:
    """Try a failed email again (a fresh round of attempts) after the cause is fixed."""
    _require_admin(actor=actor, company=company)
    if notification.company_id != company.pk:
        raise Notification.DoesNotExist
    if notification.status != EmailStatus.FAILED:
        raise ValidationError(_("Only failed emails can be sent again."), code="not_failed")
    with transaction.atomic():
        Notification.objects.filter(pk=notification.pk).update(
            status=EmailStatus.QUEUED, attempts=0, next_attempt_at=None, updated=timezone.now()
        )
        record(
            action="notifications.email.resent",
            actor=actor,
            company=company,
            obj=notification,
            source=source,
            data={"kind": notification.kind, "to": notification.to},
        )
        _enqueue_after_commit(notification.pk)
    notification.refresh_from_db()
    return notification


def do_requeue_stalled_notifications(
    *, older_than: dt.timedelta = dt.timedelta(minutes=15), now: dt.datetime | None = None
) -> int:
    """Hand again to the worker emails whose task was lost (housekeeping job).

    Queued or retrying emails past their time (the queue lost their task), and emails left
    ``sending`` by a worker that died, once their lease has expired.  Sent and failed emails
    are never touched.  A new task for an email that still has one is harmless: whichever
    runs second finds it claimed or sent.  Returns how many were handed over.
    """
    from efactura.notifications.tasks import deliver_notification

    now = now or timezone.now()
    stale = now - older_than
    due = (
        Q(status=EmailStatus.QUEUED, created__lt=stale)
        | Q(status=EmailStatus.RETRYING, next_attempt_at__lt=stale)
        | Q(status=EmailStatus.SENDING, lease_expires_at__lt=now)
        | Q(status=EmailStatus.SENDING, lease_expires_at__isnull=True, updated__lt=stale)
    )
    ids = list(Notification.objects.filter(due).values_list("pk", flat=True))
    for pk in ids:
        deliver_notification.enqueue(notification_id=pk)
    if ids:
        logger.info("Requeued %s stalled emails", len(ids))
    return len(ids)


def audience_label(notification: Notification) -> str:
    return str(Audience(notification.audience).label)
