"""The RD 238/2026 status steps on the invoice page: payments list, cancelling a payment or a
rejection (recipient), collection and default and their cancellations (issuer)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.efactura.invoices import helpers as h

from efactura.invoices import services
from efactura.invoices.choices import Collection, EventKind, Status
from efactura.invoices.models import Invoice


def _british(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(make_company: Any, make_user: Any) -> dict[str, Any]:
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    outsider = h.company(make_company, "Talleres Nervión, S.L.", h.OUTSIDER_TAX_ID)
    return {
        "seller": seller,
        "buyer": buyer,
        "seller_user": make_user("s@example.com", seller, language="en"),
        "buyer_user": make_user("b@example.com", buyer, role="accountant", language="en"),
        "buyer_es": make_user("b-es@example.com", buyer, language="es"),
        "viewer": make_user("v@example.com", buyer, role="viewer", language="en"),
        "outsider_user": make_user("o@example.com", outsider, language="en"),
    }


def _as(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _issue(world: dict[str, Any]) -> Invoice:
    """An invoice of 67.16 EUR from the seller to the buyer (3 × 18.50 + 21 % VAT)."""
    return services.do_issue_invoice(
        company=world["seller"], actor=world["seller_user"], draft=h.draft(), series_code="A"
    )


def _page(client: Client, invoice: Invoice) -> str:
    return str(client.get(reverse("web:invoice", args=[invoice.pk])).content.decode())


def _step(client: Client, invoice: Invoice, step: str, **data: Any) -> Any:
    return client.post(
        reverse("web:invoice_status_step", args=[invoice.pk, step]), data, follow=True
    )


def _pay(client: Client, invoice: Invoice, amount: str, date: dt.date | None = None) -> Any:
    return client.post(
        reverse("web:invoice_action", args=[invoice.pk, "pay"]),
        {"amount": amount, "date": (date or TODAY()).isoformat()},
        follow=True,
    )


def _url(invoice: Invoice, step: str) -> str:
    return reverse("web:invoice_status_step", args=[invoice.pk, step])


# ---------------------------------------------------------------------------------------------
# Recipient: payments
# ---------------------------------------------------------------------------------------------


def test_partial_payments_are_listed_add_up_and_one_can_be_cancelled(
    world: dict[str, Any],
) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_user"])
    html = _page(buyer, invoice)
    # Nothing paid yet: the pay form offers what is due today, no payment to cancel.
    assert 'value="67.16"' in html and f'value="{TODAY().isoformat()}"' in html
    assert "Payments and collection" not in html and _url(invoice, "cancel_payment") not in html

    earlier = TODAY() - dt.timedelta(days=3)
    _pay(buyer, invoice, "40.00", earlier)
    html = _pay(buyer, invoice, "20.00").content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Status.PARTIALLY_PAID and invoice.paid_amount == Decimal("60.00")
    assert "Payments and collection" in html
    # Dates written the British way on English pages (2 Dec 2026), never as stored (ISO).
    assert _british(earlier) in html and _british(TODAY()) in html
    assert earlier.isoformat() not in html
    assert "40.00 EUR" in html and "20.00 EUR" in html
    assert "Total paid" in html and "60.00 EUR" in html
    assert "Still due" in html and "7.16 EUR" in html
    assert html.count(_url(invoice, "cancel_payment")) == 2
    assert 'value="7.16"' in html  # the next payment defaults to what is still due

    first = invoice.events.filter(kind=EventKind.PAYMENT).order_by("at", "id").first()
    assert first is not None
    response = _step(buyer, invoice, "cancel_payment", payment=first.pk)
    assert f"The payment of invoice {invoice.full_number} is cancelled." in (
        response.content.decode()
    )
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("20.00") and invoice.status == Status.PARTIALLY_PAID
    html = _page(buyer, invoice)
    assert html.count(_url(invoice, "cancel_payment")) == 1 and "47.16 EUR" in html

    # Paying the rest makes it paid; the pay form goes, the payments stay cancellable.
    _pay(buyer, invoice, "47.16")
    invoice.refresh_from_db()
    assert invoice.status == Status.PAID and invoice.paid_amount == Decimal("67.16")
    html = _page(buyer, invoice)
    assert reverse("web:invoice_action", args=[invoice.pk, "pay"]) not in html
    assert html.count(_url(invoice, "cancel_payment")) == 2 and "0.00 EUR" in html

    # The issuer sees the payments, without cancel buttons.
    seller_html = _page(_as(world["seller_user"]), invoice)
    assert "Total paid" in seller_html and _url(invoice, "cancel_payment") not in seller_html


def test_cancelling_an_unknown_or_missing_payment_is_explained(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_user"])
    _pay(buyer, invoice, "10.00")
    html = _step(buyer, invoice, "cancel_payment", payment=999999).content.decode()
    assert f"Invoice {invoice.full_number} has no payment 999999 to cancel." in html
    assert (
        "Choose the payment to cancel." in _step(buyer, invoice, "cancel_payment").content.decode()
    )
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("10.00")


def test_cancelling_a_payment_when_none_stands_shows_the_refusal(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_user"])
    _page(buyer, invoice)  # read
    html = _step(buyer, invoice, "cancel_payment", payment=1).content.decode()
    assert f"Invoice {invoice.full_number} is read; there is no payment to cancel." in html
    assert "Server Error" not in html


# ---------------------------------------------------------------------------------------------
# Recipient: cancelling a rejection
# ---------------------------------------------------------------------------------------------


def test_a_rejection_can_be_cancelled_and_the_invoice_answered_again(
    world: dict[str, Any],
) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_user"])
    assert _url(invoice, "cancel_rejection") not in _page(buyer, invoice)
    buyer.post(reverse("web:invoice_action", args=[invoice.pk, "reject"]), {"reason": "Precio"})
    html = _page(buyer, invoice)
    assert _url(invoice, "cancel_rejection") in html and "Cancel the rejection…" in html
    assert _url(_issue(world), "cancel_rejection") not in html
    assert _url(invoice, "cancel_rejection") not in _page(_as(world["seller_user"]), invoice)

    response = _step(buyer, invoice, "cancel_rejection", reason="Error nuestro")
    html = response.content.decode()
    assert "The rejection of invoice" in html and "is cancelled" in html
    invoice.refresh_from_db()
    assert invoice.status == Status.READ and invoice.rejection_reason == ""
    assert _url(invoice, "cancel_rejection") not in html
    assert reverse("web:invoice_action", args=[invoice.pk, "accept"]) in html
    assert "Rejection cancelled" in html  # the timeline


def test_a_refused_step_shows_the_service_message_in_both_languages(
    world: dict[str, Any],
) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_user"])
    _page(buyer, invoice)
    response = _step(buyer, invoice, "cancel_rejection")
    assert response.status_code == 200
    assert f"Invoice {invoice.full_number} is read; there is no rejection to cancel." in (
        response.content.decode()
    )
    spanish = _step(_as(world["buyer_es"]), invoice, "cancel_rejection").content.decode()
    assert f"La factura {invoice.full_number}" in spanish
    assert "no hay ningún rechazo que anular." in spanish
    invoice.refresh_from_db()
    assert invoice.status == Status.READ


# ---------------------------------------------------------------------------------------------
# Issuer: collection (cobro) and default (impago)
# ---------------------------------------------------------------------------------------------


def test_the_issuer_reports_collection_and_cancels_it(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    seller = _as(world["seller_user"])
    html = _page(seller, invoice)
    assert _url(invoice, "settle") in html and _url(invoice, "default") in html
    assert _url(invoice, "cancel_settlement") not in html
    buyer_html = _page(_as(world["buyer_user"]), invoice)
    assert _url(invoice, "settle") not in buyer_html and _url(invoice, "default") not in buyer_html

    when = TODAY() - dt.timedelta(days=1)
    html = _step(seller, invoice, "settle", date=when.isoformat()).content.decode()
    assert f"Invoice {invoice.full_number} is reported as collected." in html
    invoice.refresh_from_db()
    assert invoice.collection == Collection.SETTLED
    assert "Collected" in html and _british(when) in html
    assert _url(invoice, "cancel_settlement") in html
    assert _url(invoice, "settle") not in html and _url(invoice, "default") not in html

    # Reporting it again is refused with the service's words.
    again = _step(seller, invoice, "settle", date=when.isoformat()).content.decode()
    assert "it cannot be reported as collected now." in again

    html = _step(seller, invoice, "cancel_settlement", reason="Devuelto").content.decode()
    assert f"The collection of invoice {invoice.full_number} is cancelled." in html
    invoice.refresh_from_db()
    assert invoice.collection == Collection.NONE
    assert _url(invoice, "settle") in html and _url(invoice, "cancel_settlement") not in html


def test_the_issuer_reports_default_and_cancels_it(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    seller = _as(world["seller_user"])
    html = _step(seller, invoice, "default", date=TODAY().isoformat()).content.decode()
    assert "is reported as unpaid (default)." in html
    invoice.refresh_from_db()
    assert invoice.collection == Collection.DEFAULTED
    assert _url(invoice, "cancel_default") in html and _url(invoice, "settle") not in html
    refused = _step(seller, invoice, "cancel_settlement").content.decode()
    assert "there is no collection to cancel." in refused

    html = _step(seller, invoice, "cancel_default").content.decode()
    assert f"The default of invoice {invoice.full_number} is cancelled." in html
    invoice.refresh_from_db()
    assert invoice.collection == Collection.NONE


def test_a_future_or_missing_date_is_refused(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    seller = _as(world["seller_user"])
    future = (TODAY() + dt.timedelta(days=5)).isoformat()
    html = _step(seller, invoice, "settle", date=future).content.decode()
    assert "The date cannot be in the future." in html
    assert "This field is required." in _step(seller, invoice, "default").content.decode()
    invoice.refresh_from_db()
    assert invoice.collection == Collection.NONE


# ---------------------------------------------------------------------------------------------
# Roles, sides, methods
# ---------------------------------------------------------------------------------------------


def test_wrong_side_viewers_and_outsiders_cannot_take_steps(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_user"])
    _pay(buyer, invoice, "10.00")
    payment = invoice.events.get(kind=EventKind.PAYMENT)

    viewer = _as(world["viewer"])
    html = _page(viewer, invoice)
    assert "Total paid" in html and "/status/" not in html
    assert viewer.post(_url(invoice, "cancel_payment"), {"payment": payment.pk}).status_code == 403

    seller = _as(world["seller_user"])
    assert seller.post(_url(invoice, "cancel_payment"), {"payment": payment.pk}).status_code == 403
    today = TODAY().isoformat()
    assert buyer.post(_url(invoice, "settle"), {"date": today}).status_code == 403

    outsider = _as(world["outsider_user"])
    for step in ("cancel_payment", "cancel_rejection", "settle", "default"):
        response = outsider.post(_url(invoice, step), {"payment": payment.pk, "date": today})
        assert response.status_code == 404, step

    assert buyer.get(_url(invoice, "cancel_payment")).status_code == 405
    assert buyer.post(_url(invoice, "accept")).status_code == 404  # not a status step here
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("10.00") and invoice.collection == Collection.NONE


def test_the_box_is_translated(world: dict[str, Any]) -> None:
    invoice = _issue(world)
    buyer = _as(world["buyer_es"])
    _pay(buyer, invoice, "10.00")
    html = _page(buyer, invoice)
    assert "Pagos y cobro" in html and "Total pagado" in html and "Pendiente" in html
    assert "Anular el pago…" in html
