"""Fixtures of the SPFE tests: a real local SPFE simulator over HTTP, two companies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.efactura.invoices import helpers as h


@pytest.fixture
def spfe(settings: Any) -> Iterator[Any]:
    """A fresh SPFE simulator served over HTTP; efactura's adapter points at it."""
    from efactura.spfe.simulator import Simulator, start

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EFACTURA_SPFE_RETRY_SECONDS = 60
    simulator = Simulator()
    server, url = start(simulator)
    settings.EFACTURA_SPFE_ENDPOINT = url
    yield simulator
    server.shutdown()
    server.server_close()


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
