"""Fixtures of the API tests: companies with API keys, invoice payloads, an API client."""

from __future__ import annotations

from typing import Any

import pytest
from apitools import Api


@pytest.fixture
def make_key(db: Any) -> Any:
    from efactura.companies.services import do_create_api_key

    def make(company: Any, scopes: tuple[str, ...] = ("send", "receive", "status")) -> str:
        _row, clear = do_create_api_key(company=company, name="ERP", scopes=scopes)
        return clear

    return make


@pytest.fixture
def supplier_api(client: Any, supplier: Any, make_key: Any) -> Api:
    return Api(client, make_key(supplier))


@pytest.fixture
def customer_api(customer: Any, make_key: Any) -> Api:
    from django.test import Client

    return Api(Client(), make_key(customer))


@pytest.fixture(autouse=True)
def _no_rate_limit_between_tests() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield


_ADDRESS = {"address": "Avenida del Puerto 12", "postal_code": "46021", "city": "Valencia"}


@pytest.fixture
def supplier(make_company: Any) -> Any:
    """The seller, with the full address Facturae requires."""
    return make_company(
        "Suministros Levante, S.L.", tax_id="B98765431", province="Valencia", **_ADDRESS
    )


@pytest.fixture
def customer(make_company: Any) -> Any:
    return make_company(
        "Hostelería Cantábrica, S.A.",
        tax_id="A39123450",
        address="Calle Castelar 5",
        postal_code="39004",
        city="Santander",
        province="Cantabria",
    )
