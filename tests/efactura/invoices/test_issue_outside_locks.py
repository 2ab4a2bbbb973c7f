"""Slow work never runs under a lock: discovery (HTTP to partner platforms) and signing
happen outside every transaction; the number is allocated last, in a short one.

These tests use ``transaction=True`` so that ``connection.in_atomic_block`` is ``False``
outside the services' own transactions (the default test transaction would hide them).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from tests.efactura.invoices import helpers as h

from efactura.invoices import selectors, services, storage
from efactura.invoices.choices import Route
from efactura.invoices.services import issuing
from efactura.signing import services as signing_services
from einvoice import formats

CALLS: list[tuple[str, bool]] = []
"""(what, was a transaction open) for every discovery and signing during a test."""


def recording_resolver(tax_id: str) -> None:
    """A route resolver (``EFACTURA_ROUTE_RESOLVERS``) that only notes when it was asked.

    A real one (AS4 discovery through SMPs) makes HTTP calls of up to seconds here.
    """
    CALLS.append(("discovery", connection.in_atomic_block))


@pytest.fixture
def seller(make_company: Any) -> Any:
    return h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)


@pytest.fixture
def seller_user(make_user: Any, seller: Any) -> Any:
    return make_user("s@example.com", seller)


@pytest.fixture(autouse=True)
def _record(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    CALLS.clear()
    settings.EFACTURA_ROUTE_RESOLVERS = [f"{__name__}.recording_resolver"]
    real_sign = signing_services.sign_for_company

    def recording_sign(**kwargs: Any) -> Any:
        CALLS.append(("sign", connection.in_atomic_block))
        return real_sign(**kwargs)

    monkeypatch.setattr(signing_services, "sign_for_company", recording_sign)


@pytest.mark.django_db(transaction=True)
def test_issuing_discovers_and_signs_outside_any_transaction(seller: Any, seller_user: Any) -> None:
    invoice = services.do_issue_invoice(
        company=seller, actor=seller_user, draft=h.draft(h.OUTSIDER_TAX_ID), series_code="A"
    )
    assert invoice.full_number == "A000001"
    assert invoice.route == Route.AWAITING_REGISTRATION
    assert CALLS == [("discovery", False), ("sign", False)]


@pytest.mark.django_db(transaction=True)
def test_importing_discovers_and_signs_outside_any_transaction(
    seller: Any, seller_user: Any
) -> None:
    unsigned = h.external_invoice(
        "000007", seller_tax_id="ES" + h.SELLER_TAX_ID, buyer_tax_id="ES" + h.OUTSIDER_TAX_ID
    )
    report = services.do_import_files(
        company=seller,
        actor=seller_user,
        files=[("A000007.xml", formats.render("facturae", [unsigned]))],
        direction="issued",
    )
    assert report.ok, report.as_dict()
    assert ("discovery", False) in CALLS
    assert all(open_transaction is False for _what, open_transaction in CALLS)


@pytest.mark.django_db(transaction=True)
def test_a_lost_numbering_race_signs_again_with_the_allocated_number(
    seller: Any, seller_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the predicted number is always taken first, issuing gives up racing after
    SIGN_ATTEMPTS tries and signs the allocated number under the lock: no gap, no wrong
    number inside the signed document."""
    monkeypatch.setattr(issuing, "peek_number", lambda **_kwargs: "999999")
    invoice = services.do_issue_invoice(
        company=seller, actor=seller_user, draft=h.draft(h.OUTSIDER_TAX_ID), series_code="A"
    )
    assert invoice.full_number == "A000001"
    signs = [open_transaction for what, open_transaction in CALLS if what == "sign"]
    assert signs == [False] * issuing.SIGN_ATTEMPTS + [True]
    original = selectors.original_document(invoice=invoice)
    assert original is not None
    (stored,) = formats.parse(storage.read(original)).invoices
    assert stored.number == "000001"
