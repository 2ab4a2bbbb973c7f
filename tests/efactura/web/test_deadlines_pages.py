"""The RD 238/2026 answer period on the pages: the countdown on the invoice page and in the
payables list, and the "action needed" filter."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from tests.efactura.invoices import helpers as h

from efactura.invoices import services
from efactura.invoices.models import Invoice
from efactura.invoices.services import statuses

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_company: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    return {
        "seller": seller,
        "buyer": buyer,
        "seller_user": make_user("s@example.com", seller, language="en"),
        "buyer_user": make_user("b@example.com", buyer, role="accountant", language="en"),
    }


def _issue(world: dict[str, Any]) -> Invoice:
    return services.do_issue_invoice(
        company=world["seller"], actor=world["seller_user"], draft=h.draft(), series_code="A"
    )


def test_countdown_and_action_needed_filter(client: Any, world: dict[str, Any]) -> None:
    open_one = _issue(world)
    answered = _issue(world)
    services.do_accept_invoice(invoice=answered, company=world["buyer"], actor=world["buyer_user"])
    statuses.do_report_collection(
        invoice=answered, company=world["seller"], actor=world["seller_user"], step="settle"
    )
    client.force_login(world["buyer_user"])
    html = client.get(reverse("web:payable")).content.decode()
    assert "4 days left" in html and html.count('class="countdown"') == 1
    needed = client.get(reverse("web:payable"), {"status": "action_needed"}).content.decode()
    assert open_one.full_number in needed and answered.full_number not in needed
    assert 'value="action_needed" selected' in needed
    page = client.get(reverse("web:invoice", args=[open_one.pk])).content.decode()
    assert "4 days left" in page
    settled = client.get(reverse("web:invoice", args=[answered.pk])).content.decode()
    assert "Collected" in settled and "days left" not in settled
    Invoice.objects.filter(pk=open_one.pk).update(response_due=open_one.issue_date)
    spanish = client.get(reverse("web:invoice", args=[open_one.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert spanish.status_code == 200
