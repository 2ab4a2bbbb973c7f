"""Fixtures of the VERI*FACTU tests: an issuer and a customer, a fresh simulated AEAT."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.efactura.invoices import helpers as h


@pytest.fixture(autouse=True)
def aeat(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Every test starts with an empty embedded AEAT simulator (in memory, whatever the
    database) that asks no waiting time."""
    from efactura.verifactu import services
    from efactura.verifactu.simulator import Simulator

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EFACTURA_VERIFACTU_ENDPOINT = "simulator"
    simulator = Simulator(wait_seconds=0)
    monkeypatch.setattr(services, "embedded_simulator", lambda: simulator)
    yield simulator


@pytest.fixture
def parties(make_company: Any, make_user: Any) -> dict[str, Any]:
    seller = h.company(make_company, "Suministros Levante, S.L.", h.SELLER_TAX_ID)
    buyer = h.company(make_company, "Hostelería Cantábrica, S.A.", h.BUYER_TAX_ID)
    return {
        "seller": seller,
        "buyer": buyer,
        "seller_user": make_user("s@example.com", seller),
        "buyer_user": make_user("b@example.com", buyer, role="accountant"),
    }


@pytest.fixture
def issue(parties: dict[str, Any]) -> Any:
    """Issue one invoice as the seller (web form path)."""
    from efactura.invoices import services

    def make(series: str = "A", **draft: Any) -> Any:
        return services.do_issue_invoice(
            company=parties["seller"],
            actor=parties["seller_user"],
            draft=h.draft(**draft),
            series_code=series,
        )

    return make


@pytest.fixture
def cancel(parties: dict[str, Any]) -> Any:
    """Cancel an invoice: the seller asks, the customer accepts."""
    from efactura.invoices import services

    def run(invoice: Any) -> Any:
        services.do_request_cancellation(
            invoice=invoice,
            company=parties["seller"],
            actor=parties["seller_user"],
            reason="Pedido anulado",
        )
        return services.do_answer_cancellation(
            invoice=invoice, company=parties["buyer"], actor=parties["buyer_user"], accept=True
        )

    return run
