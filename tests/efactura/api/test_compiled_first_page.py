"""The API's first list page runs SQL compiled once per shape (``api.selectors``): each
company gets its own rows, exactly the rows the ordinary query gives, on every shape."""

from __future__ import annotations

from typing import Any

import pytest
from apitools import Api, invoice_json

from efactura.api import selectors
from efactura.invoices.selectors import InvoiceFilters

pytestmark = pytest.mark.django_db


def _issue(api: Api, buyer: str, **kw: Any) -> str:
    response = api.post_json("/invoices", invoice_json(buyer, **kw))
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


@pytest.fixture
def two_customers(supplier_api: Api, customer: Any, make_company: Any, make_key: Any) -> Any:
    from django.test import Client

    other = make_company("Otra Empresa, S.L.", tax_id="B12345674")
    mine = {_issue(supplier_api, customer.tax_id, quantity=q) for q in ("1", "2", "3")}
    theirs = {_issue(supplier_api, other.tax_id, quantity=q) for q in ("4", "5")}
    return customer, other, mine, theirs, Api(Client(), make_key(other))


SHAPES = [
    {},
    {"unacknowledged": True},
    {"sort": "total"},
    {"sort": "-total", "page_size": 2},
    {"status": "received"},
    {"q": "no-such-number"},
]


def _page(company: Any, shape: dict[str, Any]) -> selectors.InvoicePage:
    filters = InvoiceFilters(
        sort=shape.get("sort", "-issue_date"),
        status=shape.get("status", ""),
        q=shape.get("q", ""),
    )
    return selectors.list_api_invoices(
        company=company,
        side="received",
        filters=filters,
        unacknowledged=shape.get("unacknowledged", False),
        size=shape.get("page_size", 50),
    )


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: ",".join(s) or "plain")
def test_the_compiled_page_is_the_ordinary_page(
    two_customers: Any, shape: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    customer, other, _mine, _theirs, _api = two_customers
    monkeypatch.setattr(selectors, "_compiled", selectors._Compiled())
    compiled = {c.pk: _page(c, shape) for c in (customer, other, customer)}
    assert [p is not None for p in selectors._compiled.pages.values()] == [True]
    monkeypatch.setattr(selectors, "_first_page_rows", lambda **_kw: None)
    for company in (customer, other):
        ordinary = _page(company, shape)
        page = compiled[company.pk]
        assert [dict(row) for row in page.items] == [dict(row) for row in ordinary.items]
        assert (page.next_cursor, page.has_more) == (ordinary.next_cursor, ordinary.has_more)


def test_each_company_sees_only_its_own_through_the_api(
    two_customers: Any, customer_api: Api
) -> None:
    _customer, _other, mine, theirs, other_api = two_customers
    for _ in range(2):  # the second round runs the compiled SQL
        got = {i["id"] for i in customer_api.get("/invoices/received").json()["items"]}
        assert got == mine
        got = {i["id"] for i in other_api.get("/invoices/received").json()["items"]}
        assert got == theirs
        unacked = customer_api.get("/invoices/received", unacknowledged="true").json()
        assert {i["id"] for i in unacked["items"]} == mine
    acked = customer_api.post_json("/invoices/ack", {"ids": sorted(mine)[:1]})
    assert acked.status_code == 200
    left = customer_api.get("/invoices/received", unacknowledged="true").json()["items"]
    assert {i["id"] for i in left} == mine - set(sorted(mine)[:1])


def test_a_query_that_uses_the_company_otherwise_is_not_compiled(
    two_customers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the company's id enters the SQL other than as a parameter, the page is built the
    ordinary way (and still right)."""
    customer, other, mine, theirs, _api = two_customers
    ordinary = selectors._first_page_query

    def inlined(company: Any, *args: Any) -> Any:
        # The id written into the SQL text: the two stand-ins give two different SQLs.
        return ordinary(company, *args).extra(where=[f"{int(company.pk)} = {int(company.pk)}"])

    monkeypatch.setattr(selectors, "_first_page_query", inlined)
    monkeypatch.setattr(selectors, "_compiled", selectors._Compiled())
    for company, expected in ((customer, mine), (other, theirs)):
        page = _page(company, {})
        assert {str(row["id"]) for row in page.items} == expected
    assert set(selectors._compiled.pages.values()) == {None}
