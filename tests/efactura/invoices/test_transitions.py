"""Every allowed and every refused status transition, for both sides of the invoice.

For each step of :data:`efactura.invoices.transitions.STEPS` taken by the issuer and by the
recipient, from every status × collection state: the step succeeds exactly when the table
allows it for that side; the wrong side gets ``PermissionDenied``, a refused state a
translated ``ValidationError`` (code ``invalid_state``) naming the invoice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from tests.efactura.invoices import helpers as h

from efactura.invoices import services, transitions
from efactura.invoices.choices import Collection, EventKind, Status
from efactura.invoices.models import Event, Invoice
from efactura.invoices.services import statuses

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(make_company: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    return {
        "issuer": {"company": seller, "actor": make_user("s@example.com", seller)},
        "recipient": {
            "company": buyer,
            "actor": make_user("b@example.com", buyer, role="accountant"),
        },
    }


@pytest.fixture
def invoice(parties: dict[str, Any]) -> Invoice:
    return services.do_issue_invoice(draft=h.draft(), series_code="A", **parties["issuer"])


def _call(step: str) -> Callable[..., Any]:
    today = timezone.localdate()
    calls: dict[str, Callable[..., Any]] = {
        "accept": services.do_accept_invoice,
        "reject": lambda **kw: services.do_reject_invoice(reason="Precio", code="PRI", **kw),
        "cancel_rejection": statuses.do_cancel_rejection,
        "pay": lambda **kw: services.do_record_payment(amount=Decimal("1.00"), date=today, **kw),
        "cancel_payment": statuses.do_cancel_payment,
        "answer_cancellation": lambda **kw: services.do_answer_cancellation(accept=False, **kw),
        "request_cancellation": lambda **kw: services.do_request_cancellation(reason="Error", **kw),
    }
    if step in calls:
        return calls[step]
    return lambda **kw: statuses.do_report_collection(step=step, **kw)


STATES = [(status, collection) for status in Status.values for collection in Collection.values]


def _put_in_state(invoice: Invoice, status: str, collection: str) -> Invoice:
    paid = Decimal("2.00") if status in transitions.WITH_PAYMENTS else Decimal(0)
    Invoice.objects.filter(pk=invoice.pk).update(
        status=status,
        collection=collection,
        paid_amount=paid,
        status_before_cancellation=Status.READ,
        rejection_reason="Precio" if status == Status.REJECTED else "",
    )
    if paid:
        Event.objects.create(
            invoice=invoice,
            kind=EventKind.PAYMENT,
            source="web",
            data={"amount": "2.00", "date": dt.date.today().isoformat()},
        )
    return Invoice.objects.get(pk=invoice.pk)


class _Undo(Exception):
    pass


@pytest.mark.parametrize("side", ["issuer", "recipient"])
@pytest.mark.parametrize("step", transitions.PERSON_STEPS)
def test_every_transition_for_both_sides(
    step: str, side: str, invoice: Invoice, parties: dict[str, Any]
) -> None:
    rule = transitions.STEPS[step]
    outcomes: dict[tuple[str, str], str] = {}
    for status, collection in STATES:
        try:
            with transaction.atomic():
                target = _put_in_state(invoice, status, collection)
                try:
                    _call(step)(invoice=target, **parties[side])
                    outcomes[(status, collection)] = "done"
                except PermissionDenied:
                    outcomes[(status, collection)] = "wrong side"
                except ValidationError as exc:
                    assert exc.code == "invalid_state", exc
                    assert invoice.full_number in exc.messages[0]
                    outcomes[(status, collection)] = "refused"
                raise _Undo
        except _Undo:
            pass
    for (status, collection), outcome in outcomes.items():
        if rule.side != side:
            expected = "wrong side"
        elif transitions.state_allows(step, status=status, collection=collection):
            expected = "done"
        else:
            expected = "refused"
        assert outcome == expected, (step, side, status, collection)
    # Each step is allowed somewhere for its own side and refused somewhere.
    if rule.side == side:
        assert "done" in outcomes.values() and "refused" in outcomes.values()


def test_refused_step_is_explained_in_both_languages(
    invoice: Invoice, parties: dict[str, Any]
) -> None:
    services.do_accept_invoice(invoice=invoice, **parties["recipient"])
    messages = {}
    for language in ("en", "es"):
        with translation.override(language), pytest.raises(ValidationError) as caught:
            services.do_reject_invoice(invoice=invoice, reason="x", **parties["recipient"])
        messages[language] = caught.value.messages[0]
    assert "cannot be rejected now" in messages["en"]
    assert "no se puede rechazar ahora" in messages["es"], messages
    assert invoice.full_number in messages["es"]


def test_partial_payments_add_up_and_cancellation_takes_them_back(
    invoice: Invoice, parties: dict[str, Any]
) -> None:
    buyer = parties["recipient"]
    today = timezone.localdate()
    first = (invoice.payable / 3).quantize(Decimal("0.01"))
    invoice = statuses.record_payment(invoice, first, today, buyer["actor"])
    invoice = statuses.record_payment(invoice, first, today - dt.timedelta(days=1), buyer["actor"])
    assert invoice.status == Status.PARTIALLY_PAID and invoice.paid_amount == 2 * first
    with pytest.raises(ValidationError):  # more than what is outstanding
        statuses.record_payment(invoice, invoice.payable, today, buyer["actor"])
    invoice = statuses.record_payment(invoice, invoice.payable - 2 * first, today, buyer["actor"])
    assert invoice.status == Status.PAID
    payments = statuses.list_payments(invoice=invoice)
    assert len(payments) == 3
    invoice = statuses.do_cancel_payment(invoice=invoice, payment_id=payments[1].pk, **buyer)
    assert invoice.status == Status.PARTIALLY_PAID
    assert invoice.paid_amount == invoice.payable - first
    with pytest.raises(ValidationError):  # already cancelled
        statuses.do_cancel_payment(invoice=invoice, payment_id=payments[1].pk, **buyer)
    invoice = statuses.do_cancel_payment(invoice=invoice, **buyer)
    invoice = statuses.do_cancel_payment(invoice=invoice, **buyer)
    assert invoice.status == Status.ACCEPTED and invoice.paid_amount == 0
    assert invoice.paid_date is None


def test_rejection_needs_a_known_reason_code(invoice: Invoice, parties: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        services.do_reject_invoice(invoice=invoice, reason="x", code="ZZZ", **parties["recipient"])
    assert caught.value.code == "reason_code"
    invoice = services.do_reject_invoice(
        invoice=invoice, reason="Cantidad", code="qty", **parties["recipient"]
    )
    assert (invoice.rejection_code, invoice.rejection_reason) == ("QTY", "Cantidad")
    invoice = statuses.do_cancel_rejection(invoice=invoice, **parties["recipient"])
    assert invoice.status == Status.READ and invoice.rejection_code == ""


def test_collection_and_default_with_their_cancellations(
    invoice: Invoice, parties: dict[str, Any]
) -> None:
    issuer = parties["issuer"]
    invoice = statuses.do_report_collection(invoice=invoice, step="settle", **issuer)
    assert invoice.collection == Collection.SETTLED
    invoice = statuses.do_report_collection(invoice=invoice, step="cancel_settlement", **issuer)
    invoice = statuses.do_report_collection(invoice=invoice, step="default", **issuer)
    assert invoice.collection == Collection.DEFAULTED
    with pytest.raises(ValidationError):
        statuses.do_report_collection(
            invoice=invoice, step="settle", date=timezone.localdate(), **issuer
        )
    with pytest.raises(ValidationError):
        statuses.do_report_collection(
            invoice=invoice,
            step="cancel_default",
            date=timezone.localdate() + dt.timedelta(days=5),
            **issuer,
        )
    invoice = statuses.do_report_collection(invoice=invoice, step="cancel_default", **issuer)
    assert invoice.collection == Collection.NONE
    kinds = list(invoice.events.values_list("kind", flat=True))
    assert kinds[-4:] == ["settled", "settlement_cancelled", "defaulted", "default_cancelled"]
    with pytest.raises(ValueError):
        statuses.do_report_collection(invoice=invoice, step="pay", **issuer)


def test_presumed_acceptance_when_the_period_ends(
    invoice: Invoice, parties: dict[str, Any]
) -> None:
    from efactura import housekeeping

    assert invoice.response_due is not None
    due = invoice.response_due
    assert statuses.do_presume_due_acceptances(today=due) == 0  # still within the period
    rejected = services.do_issue_invoice(draft=h.draft(), series_code="A", **parties["issuer"])
    services.do_reject_invoice(invoice=rejected, reason="No", code="OTH", **parties["recipient"])
    assert statuses.do_presume_due_acceptances(today=due + dt.timedelta(days=1)) == 1
    invoice.refresh_from_db()
    rejected.refresh_from_db()
    assert invoice.status == Status.ACCEPTED and rejected.status == Status.REJECTED
    event = invoice.events.order_by("-id").first()
    assert event is not None and event.kind == EventKind.ACCEPTED_PRESUMED
    assert event.actor is None and event.company == parties["recipient"]["company"]
    assert statuses.do_presume_due_acceptances(today=due + dt.timedelta(days=1)) == 0
    assert housekeeping.run_housekeeping(only=["presumed_acceptance"]) == {
        "presumed_acceptance": "0"
    }


def test_record_payment_defaults_to_the_recipient(
    invoice: Invoice, parties: dict[str, Any]
) -> None:
    paid = statuses.record_payment(
        invoice, invoice.payable, timezone.localdate(), parties["recipient"]["actor"]
    )
    assert paid.status == Status.PAID
    outside = Invoice(pk=invoice.pk, recipient=None)
    with pytest.raises(Invoice.DoesNotExist):
        statuses.record_payment(outside, Decimal(1), timezone.localdate(), None)
