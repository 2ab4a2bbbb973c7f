"""The business lifecycle of an invoice: read, accepted, rejected, paid, cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.acting import Actor
from efactura.companies.models import Company
from efactura.invoices import effects, transitions
from efactura.invoices.choices import (
    EventKind,
    RejectionReason,
    Status,
)
from efactura.invoices.models import Event, Invoice
from efactura.invoices.services._common import _add_event, _require_writer
from efactura.invoices.transitions import PERSON_STEPS, STEPS

__all__ = ["STEPS"]

# ---------------------------------------------------------------------------------------------
# Business lifecycle
# ---------------------------------------------------------------------------------------------


def list_allowed_actions(*, invoice: Invoice, company: Company, actor: Actor) -> dict[str, bool]:
    """Which steps ``actor`` may take now on ``invoice`` as ``company`` (pages show exactly
    these buttons), plus ``correct`` (issue a corrective invoice).  The rules are those of
    :mod:`efactura.invoices.transitions`."""
    try:
        _require_writer(actor=actor, company=company)
    except PermissionDenied:
        return dict.fromkeys([*PERSON_STEPS, "correct"], False)
    sides = {
        "issuer": invoice.issuer_id == company.pk,
        "recipient": invoice.recipient_id == company.pk,
        "platform": False,
    }
    allowed = transitions.allowed(invoice=invoice, sides=sides)
    allowed["correct"] = sides["issuer"] and not invoice.is_corrective
    return allowed


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().get(pk=invoice.pk)


def _status_event(
    *,
    invoice: Invoice,
    kind: str,
    actor: Actor,
    company: Company,
    source: str,
    data: dict[str, Any] | None = None,
) -> Event:
    invoice.updated = timezone.now()
    invoice.save()
    if kind == EventKind.CANCELLATION_ACCEPTED:
        # VERI*FACTU: a cancelled invoice gets its cancellation record (anulación).
        from efactura.verifactu.services import do_register_cancellation

        do_register_cancellation(invoice=invoice)
    event = _add_event(
        invoice=invoice, kind=kind, actor=actor, company=company, source=source, data=data
    )
    record(
        action=f"invoices.invoice.{kind}",
        actor=actor,
        company=company,
        obj=invoice,
        source=Source(source),
        data={"number": invoice.full_number, **(data or {})},
    )
    effects.enqueue(effects.STATUS_CHANGED, invoice=invoice, event=event, source=source)
    return event


def _as_recipient(invoice: Invoice, company: Company) -> None:
    if invoice.recipient_id != company.pk:
        if invoice.issuer_id == company.pk:
            raise PermissionDenied(_("Only the customer can do this with the invoice."))
        raise Invoice.DoesNotExist


def _as_issuer(invoice: Invoice, company: Company) -> None:
    if invoice.issuer_id != company.pk:
        if invoice.recipient_id == company.pk:
            raise PermissionDenied(_("Only the issuer can do this with the invoice."))
        raise Invoice.DoesNotExist


def do_mark_read(
    *, invoice: Invoice, company: Company, actor: Actor, source: str = Source.WEB
) -> bool:
    """The recipient opened the invoice for the first time; returns whether it changed."""
    if invoice.recipient_id != company.pk or invoice.read_at is not None:
        return False
    with transaction.atomic():
        invoice = _locked(invoice)
        if invoice.read_at is not None:
            return False
        invoice.read_at = timezone.now()
        if invoice.status == Status.RECEIVED:
            invoice.status = Status.READ
        _status_event(
            invoice=invoice, kind=EventKind.READ, actor=actor, company=company, source=source
        )
    return True


def _check_open(invoice: Invoice, step: str) -> None:
    """Refuse ``step`` unless :data:`transitions.STEPS` allows it from the invoice's state."""
    transitions.check_step(invoice, step)


def do_accept_invoice(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    source: str = Source.WEB,
    note: str = "",
) -> Invoice:
    """The recipient accepts the invoice (Peppol AP, FACe 2400)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "accept")
        invoice.status = Status.ACCEPTED
        invoice.read_at = invoice.read_at or timezone.now()
        _status_event(
            invoice=invoice,
            kind=EventKind.ACCEPTED,
            actor=actor,
            company=company,
            source=source,
            data={"note": note} if note else {},
        )
    return invoice


def do_reject_invoice(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    reason: str,
    code: str = RejectionReason.OTH,
    source: str = Source.WEB,
) -> Invoice:
    """The recipient rejects the invoice with a reason: a code of :class:`RejectionReason`
    and a text (Peppol RE, FACe 2600, SPFE REJECTION)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    reason = reason.strip()
    code = (code or RejectionReason.OTH).strip().upper()
    if not reason:
        raise ValidationError(_("Say why the invoice is rejected."), code="required")
    if code not in RejectionReason.values:
        raise ValidationError(
            _("%(code)s is not a rejection reason code; use one of %(codes)s.")
            % {"code": code, "codes": ", ".join(RejectionReason.values)},
            code="reason_code",
        )
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "reject")
        invoice.status = Status.REJECTED
        invoice.rejection_reason = reason[:2000]
        invoice.rejection_code = code
        invoice.read_at = invoice.read_at or timezone.now()
        _status_event(
            invoice=invoice,
            kind=EventKind.REJECTED,
            actor=actor,
            company=company,
            source=source,
            data={"reason": reason[:2000], "reason_code": code},
        )
    return invoice


def do_record_payment(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    amount: Decimal,
    date: dt.date,
    source: str = Source.WEB,
) -> Invoice:
    """The recipient records a payment; partial payments add up (Peppol PD, FACe 2500)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    if amount <= 0:
        raise ValidationError(_("The amount paid must be greater than zero."), code="amount")
    if date > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationError(_("The payment date cannot be in the future."), code="date")
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "pay")
        outstanding = invoice.payable - invoice.paid_amount
        if amount > outstanding:
            raise ValidationError(
                _("The amount paid (%(amount)s) is more than what is outstanding (%(due)s).")
                % {"amount": amount, "due": outstanding},
                code="amount",
            )
        invoice.paid_amount += amount
        invoice.paid_date = date
        invoice.read_at = invoice.read_at or timezone.now()
        invoice.status = (
            Status.PAID if invoice.paid_amount >= invoice.payable else Status.PARTIALLY_PAID
        )
        _status_event(
            invoice=invoice,
            kind=EventKind.PAYMENT,
            actor=actor,
            company=company,
            source=source,
            data={
                "amount": str(amount),
                "date": date.isoformat(),
                "paid_total": str(invoice.paid_amount),
            },
        )
    return invoice


def do_request_cancellation(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    reason: str,
    source: str = Source.WEB,
) -> Invoice:
    """The issuer asks to cancel the invoice; the recipient accepts or refuses.

    An invoice nobody has received yet (awaiting registration) is cancelled at once.
    """
    _as_issuer(invoice, company)
    _require_writer(actor=actor, company=company)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the invoice should be cancelled."), code="required")
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "request_cancellation")
        invoice.status_before_cancellation = invoice.status
        if invoice.recipient_id is None:
            invoice.status = Status.CANCELLED
            _status_event(
                invoice=invoice,
                kind=EventKind.CANCELLATION_ACCEPTED,
                actor=actor,
                company=company,
                source=source,
                data={"reason": reason},
            )
        else:
            invoice.status = Status.CANCELLATION_REQUESTED
            _status_event(
                invoice=invoice,
                kind=EventKind.CANCELLATION_REQUESTED,
                actor=actor,
                company=company,
                source=source,
                data={"reason": reason},
            )
    return invoice


def do_answer_cancellation(
    *,
    invoice: Invoice,
    company: Company,
    actor: Actor,
    accept: bool,
    reason: str = "",
    source: str = Source.WEB,
) -> Invoice:
    """The recipient accepts (invoice cancelled) or refuses (back to its earlier status)."""
    _as_recipient(invoice, company)
    _require_writer(actor=actor, company=company)
    with transaction.atomic():
        invoice = _locked(invoice)
        _check_open(invoice, "answer_cancellation")
        if accept:
            invoice.status = Status.CANCELLED
            kind = EventKind.CANCELLATION_ACCEPTED
        else:
            invoice.status = invoice.status_before_cancellation or Status.RECEIVED
            kind = EventKind.CANCELLATION_REFUSED
        _status_event(
            invoice=invoice,
            kind=kind,
            actor=actor,
            company=company,
            source=source,
            data={"reason": reason.strip()} if reason.strip() else {},
        )
    return invoice
