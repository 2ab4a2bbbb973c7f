"""Fixtures of the payment tests: a supplier, a customer, invoices payable with an IBAN."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from tests.efactura.invoices import helpers as h

from einvoice import model as em

SUPPLIER_IBAN = "ES9121000418450200051332"
CUSTOMER_IBAN = "ES7921000813610123456789"


def issue_payable(
    world: dict[str, Any],
    *,
    price: str = "100",
    due_in: int = 3,
    iban: str = SUPPLIER_IBAN,
    series: str = "A",
) -> Any:
    """An invoice the supplier issues to the customer, payable by transfer into ``iban``."""
    from efactura.invoices import services

    draft = dataclasses.replace(
        h.draft(lines=(("Servicio", "1", price, "21"),)),
        due_date=dt.date.today() + dt.timedelta(days=due_in),
        payment=em.Payment(
            means_code="58", credit_transfers=(em.CreditTransfer(account=iban),) if iban else ()
        ),
    )
    return services.do_issue_invoice(
        company=world["supplier"], actor=world["supplier_user"], draft=draft, series_code=series
    )


@pytest.fixture
def world(make_company: Any, make_user: Any, settings: Any) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    supplier = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    customer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    return {
        "supplier": supplier,
        "customer": customer,
        "supplier_user": make_user("s@example.com", supplier, language="en"),
        "customer_user": make_user("c@example.com", customer, role="accountant", language="en"),
        "viewer": make_user("v@example.com", customer, role="viewer", language="en"),
    }


@pytest.fixture
def account(world: dict[str, Any]) -> Any:
    from efactura.payments.services import do_add_bank_account

    return do_add_bank_account(
        company=world["customer"], actor=world["customer_user"], iban=CUSTOMER_IBAN, label="Main"
    )


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Services speak the active language (Spanish by default); these tests read English."""
    from django.utils import translation

    with translation.override("en"):
        yield
