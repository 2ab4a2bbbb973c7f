"""The business lifecycle: which transitions each side may make, and what each records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation
from tests.efactura.invoices import helpers as h

from efactura.invoices import services
from efactura.invoices.choices import EventKind, Route, Status
from efactura.invoices.codes import FACE_CODES, PEPPOL_CODES
from efactura.invoices.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties(make_company: Any, make_user: Any) -> dict[str, Any]:
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    outsider = h.company(make_company, "Talleres Nervión, S.L.", h.OUTSIDER_TAX_ID)
    return {
        "seller": seller,
        "buyer": buyer,
        "outsider": outsider,
        "seller_user": make_user("s@example.com", seller),
        "buyer_user": make_user("b@example.com", buyer, role="accountant"),
        "buyer_viewer": make_user("v@example.com", buyer, role="viewer"),
        "outsider_user": make_user("o@example.com", outsider),
    }


@pytest.fixture
def invoice(parties: dict[str, Any]) -> Invoice:
    return services.do_issue_invoice(
        company=parties["seller"], actor=parties["seller_user"], draft=h.draft(), series_code="A"
    )


def _as_buyer(p: dict[str, Any]) -> dict[str, Any]:
    return {"company": p["buyer"], "actor": p["buyer_user"]}


def _as_seller(p: dict[str, Any]) -> dict[str, Any]:
    return {"company": p["seller"], "actor": p["seller_user"]}


def _kinds(invoice: Invoice) -> list[str]:
    return list(invoice.events.order_by("at", "id").values_list("kind", flat=True))


def test_issued_invoice_is_delivered_locally_with_a_deadline(
    invoice: Invoice, parties: Any
) -> None:
    assert invoice.route == Route.LOCAL and invoice.recipient == parties["buyer"]
    assert invoice.status == Status.RECEIVED
    assert invoice.response_due is not None and invoice.response_due > timezone.localdate()
    assert _kinds(invoice) == [EventKind.ISSUED, EventKind.DELIVERED]
    assert FACE_CODES[invoice.status][0] == "1200" and PEPPOL_CODES[invoice.status][0] == "AB"


def test_first_opening_marks_read_once(invoice: Invoice, parties: Any) -> None:
    assert services.do_mark_read(invoice=invoice, **_as_buyer(parties)) is True
    assert services.do_mark_read(invoice=invoice, **_as_buyer(parties)) is False
    invoice.refresh_from_db()
    assert invoice.status == Status.READ and invoice.read_at is not None
    assert _kinds(invoice).count(EventKind.READ) == 1
    # The issuer opening it changes nothing.
    assert services.do_mark_read(invoice=invoice, **_as_seller(parties)) is False


def test_accept_then_partial_payments_add_up_to_paid(invoice: Invoice, parties: Any) -> None:
    services.do_accept_invoice(invoice=invoice, **_as_buyer(parties))
    half = (invoice.payable / 2).quantize(Decimal("0.01"))
    today = timezone.localdate()
    services.do_record_payment(invoice=invoice, amount=half, date=today, **_as_buyer(parties))
    invoice.refresh_from_db()
    assert invoice.status == Status.PARTIALLY_PAID and invoice.paid_amount == half
    rest = invoice.payable - half
    services.do_record_payment(invoice=invoice, amount=rest, date=today, **_as_buyer(parties))
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID and invoice.paid_amount == invoice.payable
    assert _kinds(invoice)[-3:] == [EventKind.ACCEPTED, EventKind.PAYMENT, EventKind.PAYMENT]
    with pytest.raises(ValidationError):
        services.do_record_payment(
            invoice=invoice, amount=Decimal("1"), date=today, **_as_buyer(parties)
        )


def test_overpayment_and_future_dates_are_refused(invoice: Invoice, parties: Any) -> None:
    today = timezone.localdate()
    with translation.override("en"), pytest.raises(ValidationError, match="more than what is"):
        services.do_record_payment(
            invoice=invoice, amount=invoice.payable + 1, date=today, **_as_buyer(parties)
        )
    with translation.override("es"), pytest.raises(ValidationError, match="mayor que lo pendiente"):
        services.do_record_payment(
            invoice=invoice, amount=invoice.payable + 1, date=today, **_as_buyer(parties)
        )
    with pytest.raises(ValidationError):
        services.do_record_payment(
            invoice=invoice,
            amount=Decimal("1"),
            date=today + dt.timedelta(days=10),
            **_as_buyer(parties),
        )
    with pytest.raises(ValidationError):
        services.do_record_payment(
            invoice=invoice, amount=Decimal("0"), date=today, **_as_buyer(parties)
        )


def test_reject_needs_a_reason_and_closes_acceptance(invoice: Invoice, parties: Any) -> None:
    with pytest.raises(ValidationError):
        services.do_reject_invoice(invoice=invoice, reason="  ", **_as_buyer(parties))
    services.do_reject_invoice(invoice=invoice, reason="Precio erróneo", **_as_buyer(parties))
    invoice.refresh_from_db()
    assert invoice.status == Status.REJECTED and invoice.rejection_reason == "Precio erróneo"
    with pytest.raises(ValidationError):
        services.do_accept_invoice(invoice=invoice, **_as_buyer(parties))
    with pytest.raises(ValidationError):
        services.do_record_payment(
            invoice=invoice, amount=Decimal("1"), date=timezone.localdate(), **_as_buyer(parties)
        )


@pytest.mark.parametrize("status_after", ["accepted", "paid"])
def test_accepted_or_paid_invoice_cannot_be_rejected(
    invoice: Invoice, parties: Any, status_after: str
) -> None:
    services.do_accept_invoice(invoice=invoice, **_as_buyer(parties))
    if status_after == "paid":
        services.do_record_payment(
            invoice=invoice, amount=invoice.payable, date=timezone.localdate(), **_as_buyer(parties)
        )
    with pytest.raises(ValidationError):
        services.do_reject_invoice(invoice=invoice, reason="tarde", **_as_buyer(parties))


def test_only_the_customer_answers_and_only_the_issuer_cancels(
    invoice: Invoice, parties: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.do_accept_invoice(invoice=invoice, **_as_seller(parties))
    with pytest.raises(PermissionDenied):
        services.do_request_cancellation(invoice=invoice, reason="x", **_as_buyer(parties))
    with pytest.raises(PermissionDenied):
        services.do_accept_invoice(
            invoice=invoice, company=parties["buyer"], actor=parties["buyer_viewer"]
        )
    # A third company learns nothing: the invoice "does not exist" for it.
    with pytest.raises(Invoice.DoesNotExist):
        services.do_accept_invoice(
            invoice=invoice, company=parties["outsider"], actor=parties["outsider_user"]
        )
    with pytest.raises(Invoice.DoesNotExist):
        services.do_request_cancellation(
            invoice=invoice, company=parties["outsider"], actor=parties["outsider_user"], reason="x"
        )


def test_cancellation_refused_restores_the_earlier_status(invoice: Invoice, parties: Any) -> None:
    services.do_accept_invoice(invoice=invoice, **_as_buyer(parties))
    services.do_request_cancellation(invoice=invoice, reason="Duplicada", **_as_seller(parties))
    invoice.refresh_from_db()
    assert invoice.status == Status.CANCELLATION_REQUESTED
    assert PEPPOL_CODES[invoice.status][0] == "UQ"
    services.do_answer_cancellation(
        invoice=invoice, accept=False, reason="No", **_as_buyer(parties)
    )
    invoice.refresh_from_db()
    assert invoice.status == Status.ACCEPTED
    assert _kinds(invoice)[-2:] == [
        EventKind.CANCELLATION_REQUESTED,
        EventKind.CANCELLATION_REFUSED,
    ]


def test_cancellation_accepted_is_final(invoice: Invoice, parties: Any) -> None:
    services.do_request_cancellation(invoice=invoice, reason="Duplicada", **_as_seller(parties))
    with pytest.raises(PermissionDenied):
        services.do_answer_cancellation(invoice=invoice, accept=True, **_as_seller(parties))
    services.do_answer_cancellation(invoice=invoice, accept=True, **_as_buyer(parties))
    invoice.refresh_from_db()
    assert invoice.status == Status.CANCELLED and FACE_CODES[invoice.status][0] == "3100"
    for action in (
        lambda: services.do_accept_invoice(invoice=invoice, **_as_buyer(parties)),
        lambda: services.do_request_cancellation(
            invoice=invoice, reason="otra", **_as_seller(parties)
        ),
        lambda: services.do_answer_cancellation(
            invoice=invoice, accept=False, **_as_buyer(parties)
        ),
    ):
        with pytest.raises(ValidationError):
            action()


def test_paid_invoice_cannot_be_cancelled(invoice: Invoice, parties: Any) -> None:
    services.do_record_payment(
        invoice=invoice, amount=invoice.payable, date=timezone.localdate(), **_as_buyer(parties)
    )
    with pytest.raises(ValidationError):
        services.do_request_cancellation(invoice=invoice, reason="x", **_as_seller(parties))


def test_awaiting_registration_is_cancelled_at_once_and_released_on_registration(
    parties: Any, make_company: Any
) -> None:
    waiting = services.do_issue_invoice(
        company=parties["seller"],
        actor=parties["seller_user"],
        draft=h.draft("B33123456"),
        series_code="A",
    )
    assert waiting.route == Route.AWAITING_REGISTRATION and waiting.recipient is None
    kept = services.do_issue_invoice(
        company=parties["seller"],
        actor=parties["seller_user"],
        draft=h.draft("B33123456"),
        series_code="A",
    )
    services.do_request_cancellation(invoice=waiting, reason="Error", **_as_seller(parties))
    waiting.refresh_from_db()
    assert waiting.status == Status.CANCELLED
    newcomer = make_company("Cafés del Norte, S.L.", tax_id="B33123456")
    released = services.do_deliver_waiting_invoices(company=newcomer)
    assert {i.pk for i in released} == {waiting.pk, kept.pk}
    kept.refresh_from_db()
    assert kept.recipient == newcomer and kept.route == Route.LOCAL


def test_every_change_is_in_the_audit_log(invoice: Invoice, parties: Any) -> None:
    from efactura.audit.models import AuditEntry

    services.do_accept_invoice(invoice=invoice, **_as_buyer(parties))
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"invoices.invoice.issued", "invoices.invoice.accepted"} <= actions


def test_allowed_actions_come_from_the_lifecycle_rules(invoice: Invoice, parties: Any) -> None:
    """Pages show the buttons this service allows; each allowed step really succeeds."""
    as_buyer = services.list_allowed_actions(invoice=invoice, **_as_buyer(parties))
    assert [name for name, allowed in as_buyer.items() if allowed] == ["accept", "reject", "pay"]
    as_seller = services.list_allowed_actions(invoice=invoice, **_as_seller(parties))
    assert [name for name, allowed in as_seller.items() if allowed] == [
        "settle",
        "default",
        "request_cancellation",
        "correct",
    ]
    viewer = services.list_allowed_actions(
        invoice=invoice, company=parties["buyer"], actor=parties["buyer_viewer"]
    )
    assert not any(viewer.values())
    services.do_accept_invoice(invoice=invoice, **_as_buyer(parties))
    invoice.refresh_from_db()
    after = services.list_allowed_actions(invoice=invoice, **_as_buyer(parties))
    assert (after["accept"], after["reject"], after["pay"]) == (False, False, True)
