"""The RD 238/2026 status duties beyond accept / reject / pay (see :mod:`.lifecycle`).

* the recipient cancels its rejection or one of its payments;
* the issuer reports collection (*cobro*) or default (*impago*) and may cancel either;
* the platform presumes the acceptance of invoices whose period ended without a rejection
  (housekeeping job ``presumed_acceptance``) and reminds recipients the day before
  (``response_reminders``, in :mod:`efactura.notifications.deadlines`).

Each step is checked against :mod:`efactura.invoices.transitions`, changes the invoice under
its row lock, and records an event whose side effects (the other side's email, the Invoice
Response to a partner platform, webhooks, the SPFE copy) run after the commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.audit.choices import Source
from efactura.companies.acting import Actor
from efactura.companies.models import Company
from efactura.invoices.choices import Collection, EventKind, Status
from efactura.invoices.models import Event, Invoice
from efactura.invoices.services._common import _require_writer
from efactura.invoices.services.lifecycle import (
    _as_issuer,
    _as_recipient,
    _check_open,
    _locked,
    _status_event,
    do_record_payment,
)


def record_payment(
    invoice: Invoice,
    amount: Decimal,
    date: dt.date,
    actor: Actor,
    *,
    company: Company | None = None,
    source: str = Source.WEB,
) -> Invoice:
    """Record a payment of ``amount`` made on ``date`` by the invoice's recipient.

    The short form for other features (paying from the inbox): ``company`` defaults to the
    invoice's recipient.  Partial payments add up; the invoice is *paid* when their sum
    reaches the amount due.  Refused steps raise ``ValidationError``/``PermissionDenied``."""
    if company is None:
        company = invoice.recipient
        if company is None:
            raise Invoice.DoesNotExist
    return do_record_payment(
        invoice=invoice, company=company, actor=actor, amount=amount, date=date, source=source
    )


def list_payments(*, invoice: Invoice) -> list[Event]:
    """The invoice's payments still standing (not cancelled), oldest first."""
    cancelled = {
        e.data.get("payment_event")
        for e in invoice.events.filter(kind=EventKind.PAYMENT_CANCELLED).only("data")
    }
    return [
        e
        for e in invoice.events.filter(kind=EventKind.PAYMENT).order_by("at", "id")
        if e.pk not in cancelled
    ]


def _status_without_payments(invoice: Invoice) -> str:
    """Where an invoice stands once its last payment is cancelled: accepted (a payment is an
    acceptance in fact, so it is not undone by withdrawing the payment)."""
    return Status.ACCEPTED


def do_cancel_rejection(
    *, invoice: Invoice, company: Company, actor: Actor, reason: str = "", source: str = Source.WEB
) -> Invoice:
    """The recipient withdraws its rejection (SPFE CANCELREJECTION): the invoice is open again
    (read), so it can be accepted or rejected anew."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "cancel_rejection")
        previous = {"reason": invoice.rejection_reason, "reason_code": invoice.rejection_code}
        invoice.status = Status.READ
        invoice.rejection_reason = ""
        invoice.rejection_code = ""
        _status_event(
            invoice=invoice,
            kind=EventKind.REJECTION_CANCELLED,
            actor=actor,
            company=company,
            source=source,
            data={"cancelled": previous, **({"note": reason.strip()} if reason.strip() else {})},
        )
    return invoice


def do_cancel_payment(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    payment_id: int | None = None,
    source: str = Source.WEB,
) -> Invoice:
    """The recipient cancels one of its payments (SPFE CANCELPAYMENT); the last one standing
    unless ``payment_id`` (the payment's event id) names another."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "cancel_payment")
        payments = list_payments(invoice=invoice)
        chosen = (
            payments[-1:]
            if payment_id is None
            else [p for p in payments if p.pk == int(payment_id)]
        )
        if not chosen:
            raise ValidationError(
                _("Invoice %(number)s has no payment %(id)s to cancel.")
                % {"number": invoice.full_number, "id": payment_id or ""},
                code="payment",
            )
        payment = chosen[0]
        amount = Decimal(str(payment.data.get("amount", "0")))
        invoice.paid_amount = max(invoice.paid_amount - amount, Decimal("0"))
        rest = [p for p in payments if p.pk != payment.pk]
        invoice.paid_date = dt.date.fromisoformat(rest[-1].data["date"]) if rest else None
        if invoice.paid_amount <= 0:
            invoice.paid_amount = Decimal("0")
            invoice.status = _status_without_payments(invoice)
        else:
            invoice.status = Status.PARTIALLY_PAID
        _status_event(
            invoice=invoice,
            kind=EventKind.PAYMENT_CANCELLED,
            actor=actor,
            company=company,
            source=source,
            data={
                "payment_event": payment.pk,
                "amount": str(amount),
                "date": payment.data.get("date", ""),
                "paid_total": str(invoice.paid_amount),
            },
        )
    return invoice


_ISSUER_STEPS = {
    "settle": (Collection.SETTLED, EventKind.SETTLED),
    "cancel_settlement": (Collection.NONE, EventKind.SETTLEMENT_CANCELLED),
    "default": (Collection.DEFAULTED, EventKind.DEFAULTED),
    "cancel_default": (Collection.NONE, EventKind.DEFAULT_CANCELLED),
}


def do_report_collection(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    step: str,
    date: dt.date | None = None,
    reason: str = "",
    source: str = Source.WEB,
) -> Invoice:
    """The issuer reports collection (``settle``, SPFE SETTLEMENT) or default (``default``,
    SPFE DEFAULT), or cancels either (``cancel_settlement``/``cancel_default``)."""
    if step not in _ISSUER_STEPS:
        raise ValueError(f"unknown issuer step {step!r}")
    _as_issuer(invoice, company)
    _require_writer(actor=actor, company=company)
    when = date or timezone.localdate()
    if when > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(_("The date cannot be in the future."), code="date")
    collection, kind = _ISSUER_STEPS[step]
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, step)
        invoice.collection = collection
        data: dict[str, str] = {"date": when.isoformat()}
        if reason.strip():
            data["reason"] = reason.strip()[:2000]
        _status_event(
            invoice=invoice, kind=kind, actor=actor, company=company, source=source, data=data
        )
    return invoice


def do_presume_acceptance(*, invoice: Invoice, today: dt.date | None = None) -> bool:
    """The period ended without a rejection: the acceptance is presumed (RD 238/2026).
    Returns whether the invoice changed (it is skipped when answered meanwhile)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        invoice = _locked(invoice)
        if not (
            invoice.response_due is not None
            and invoice.response_due < today
            and invoice.recipient_id is not None
            and invoice.status in {Status.RECEIVED, Status.READ}
        ):
            return False
        _check_open(invoice, "accept_presumed")
        recipient = invoice.recipient
        assert recipient is not None  # filtered above
        invoice.status = Status.ACCEPTED
        _status_event(
            invoice=invoice,
            kind=EventKind.ACCEPTED_PRESUMED,
            actor=None,
            company=recipient,
            source=Source.SYSTEM,
            data={"respond_by": invoice.response_due.isoformat()},
        )
    return True


def do_presume_due_acceptances(*, today: dt.date | None = None, limit: int = 5000) -> int:
    """Housekeeping: presume the acceptance of every invoice whose period has ended; returns
    how many changed.  Each invoice in its own short transaction."""
    today = today or timezone.localdate()
    due = list(
        Invoice.objects.filter(
            Q(status=Status.RECEIVED) | Q(status=Status.READ),
            recipient__isnull=False,
            response_due__lt=today,
        ).values_list("pk", flat=True)[:limit]
    )
    return sum(do_presume_acceptance(invoice=Invoice(pk=pk), today=today) for pk in due)
