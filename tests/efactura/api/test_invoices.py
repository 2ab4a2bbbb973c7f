"""Contract tests of the read, status, acknowledgement and event endpoints; isolation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from apitools import Api, invoice_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def settle(settings: Any, monkeypatch: Any) -> None:
    """No settle window: changes are listed at once in these tests."""
    monkeypatch.setattr("efactura.api.selectors.SYNC_SETTLE_SECONDS", 0)


def _issue(api: Api, buyer: str, **kw: Any) -> dict[str, Any]:
    response = api.post_json("/invoices", invoice_json(buyer, **kw))
    assert response.status_code == 201, response.content
    return response.json()


def test_no_key_and_bad_key_are_401(client) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer efk_000000000000_nope"},
        {"Authorization": "Basic x"},
    ):
        response = client.get("/api/v1/invoices/received", headers=headers)
        assert response.status_code == 401
        assert response["Content-Type"].startswith("application/problem+json")
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["type"] == "urn:efactura:problem:unauthenticated"


def test_revoked_key_is_401(client, supplier) -> None:
    from efactura.companies.services import do_create_api_key, do_revoke_api_key

    row, key = do_create_api_key(company=supplier, name="old", scopes=["status"])
    api = Api(client, key)
    assert api.get("/me").status_code == 200
    do_revoke_api_key(api_key=row)
    assert api.get("/me").status_code == 401


def test_lists_detail_and_filters(supplier_api, customer_api, customer, settle) -> None:
    first = _issue(supplier_api, customer.tax_id, quantity="1")
    second = _issue(supplier_api, customer.tax_id, quantity="100")
    issued = supplier_api.get("/invoices/issued").json()
    assert [i["id"] for i in issued["items"]] == [second["id"], first["id"]] or {
        i["id"] for i in issued["items"]
    } == {first["id"], second["id"]}
    assert issued["next_cursor"] is None
    received = customer_api.get("/invoices/received").json()
    assert {i["id"] for i in received["items"]} == {first["id"], second["id"]}
    item = received["items"][0]
    for name in (
        "id",
        "number",
        "issue_date",
        "seller_tax_id",
        "buyer_tax_id",
        "total",
        "currency",
        "status",
        "acknowledged",
    ):
        assert name in item
    # The lists are encoded without the schema's validation step: they must still be exactly
    # what ``InvoiceList`` describes and what it would have written.
    import json

    from ninja.responses import NinjaJSONEncoder

    from efactura.api.schemas import InvoiceList

    for body in (issued, received):
        through_schema = InvoiceList.model_validate(body).model_dump()
        assert json.loads(json.dumps(through_schema, cls=NinjaJSONEncoder)) == body
    big = customer_api.get("/invoices/received", amount_min="1000").json()
    assert [i["id"] for i in big["items"]] == [second["id"]]
    # the supplier sees nothing in its own payable list
    assert supplier_api.get("/invoices/received").json()["items"] == []
    detail = customer_api.get(f"/invoices/{first['id']}").json()
    assert detail["direction"] == "received"
    assert [e["kind"] for e in detail["timeline"]][:2] == ["issued", "delivered"]
    assert detail["documents"][0]["role"] == "original"
    assert detail["invoice"]["lines"][0]["name"].startswith("Café")


def test_pagination_with_cursor_and_page_size_limit(supplier_api, customer) -> None:
    ids = {_issue(supplier_api, customer.tax_id)["id"] for _ in range(3)}
    page = supplier_api.get("/invoices/issued", page_size=2).json()
    assert len(page["items"]) == 2 and page["has_more"] and page["next_cursor"]
    rest = supplier_api.get("/invoices/issued", page_size=2, cursor=page["next_cursor"]).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {i["id"] for i in page["items"] + rest["items"]} == ids
    too_big = supplier_api.get("/invoices/issued", page_size=201)
    assert too_big.status_code == 422
    assert too_big.json()["violations"][0]["location"].endswith("page_size")
    assert supplier_api.get("/invoices/issued", cursor="%%%").status_code == 422


def test_change_feed_returns_what_changed_since_cursor(
    supplier_api, customer_api, customer, settle
) -> None:
    a = _issue(supplier_api, customer.tax_id)
    feed = supplier_api.get("/invoices/issued", changes="true").json()
    assert [i["id"] for i in feed["items"]] == [a["id"]]
    cursor = feed["next_cursor"]
    empty = supplier_api.get("/invoices/issued", changes="true", cursor=cursor).json()
    assert empty["items"] == [] and empty["next_cursor"] == cursor
    customer_api.post_json(f"/invoices/{a['id']}/status", {"status": "accepted"})
    b = _issue(supplier_api, customer.tax_id)
    changed = supplier_api.get("/invoices/issued", changes="true", cursor=cursor).json()
    assert [i["id"] for i in changed["items"]] == [a["id"], b["id"]]
    assert changed["items"][0]["status"] == "accepted"


def test_acknowledgements(supplier_api, customer_api, customer) -> None:
    a = _issue(supplier_api, customer.tax_id)
    b = _issue(supplier_api, customer.tax_id)
    assert len(customer_api.get("/invoices/received", unacknowledged="true").json()["items"]) == 2
    one = customer_api.post_json(f"/invoices/{a['id']}/ack", {})
    assert one.status_code == 200 and one.json()["acknowledged"] == [a["id"]]
    left = customer_api.get("/invoices/received", unacknowledged="true").json()["items"]
    assert [i["id"] for i in left] == [b["id"]]
    batch = customer_api.post_json(
        "/invoices/ack", {"ids": [a["id"], b["id"], "5b0c3f8e-0000-4000-8000-000000000000"]}
    ).json()
    assert batch["acknowledged"] == [a["id"], b["id"]]
    assert batch["not_found"] == ["5b0c3f8e-0000-4000-8000-000000000000"]
    assert customer_api.get("/invoices/received", unacknowledged="true").json()["items"] == []
    # the issuer cannot acknowledge its own issued invoice
    assert supplier_api.post_json(f"/invoices/{a['id']}/ack", {}).status_code == 404


def test_status_lifecycle_through_the_api(supplier_api, customer_api, customer) -> None:
    inv = _issue(supplier_api, customer.tax_id)
    path = f"/invoices/{inv['id']}/status"
    assert customer_api.post_json(path, {"status": "read"}).json()["status"] == "read"
    refused = customer_api.post_json(path, {"status": "rejected"})
    assert refused.status_code == 422  # a rejection needs a reason
    assert refused.json()["violations"][0]["rule"].startswith("LIFECYCLE-")
    # only the customer accepts
    assert supplier_api.post_json(path, {"status": "accepted"}).status_code == 403
    assert customer_api.post_json(path, {"status": "accepted"}).json()["status"] == "accepted"
    paid = customer_api.post_json(
        path, {"status": "paid", "amount": "50.00", "date": dt.date.today().isoformat()}
    ).json()
    assert paid["status"] == "partially_paid" and paid["paid_amount"] == "50.00"
    assert customer_api.post_json(path, {"status": "paid"}).json()["status"] == "paid"
    bad = customer_api.post_json(path, {"status": "teleported"})
    assert bad.status_code == 422


def test_cancellation_requested_by_seller_answered_by_buyer(
    supplier_api, customer_api, customer
) -> None:
    inv = _issue(supplier_api, customer.tax_id)
    path = f"/invoices/{inv['id']}/status"
    asked = supplier_api.post_json(path, {"status": "cancellation_requested", "reason": "Error"})
    assert asked.json()["status"] == "cancellation_requested"
    answer = customer_api.post_json(path, {"status": "cancellation_accepted"}).json()
    assert answer["status"] == "cancelled"


def test_documents_in_every_format(supplier_api, customer_api, customer) -> None:
    inv = _issue(supplier_api, customer.tax_id)
    original = customer_api.get(f"/invoices/{inv['id']}/document")
    assert original.status_code == 200
    assert b"Facturae" in original.content and b"Signature" in original.content
    same = customer_api.get(f"/invoices/{inv['id']}/document", format="facturae")
    assert same.content == original.content  # a signed original is never re-rendered
    ubl = customer_api.get(f"/invoices/{inv['id']}/document", format="ubl")
    assert ubl.status_code == 200 and b"urn:oasis:names:specification:ubl" in ubl.content
    cii = customer_api.get(f"/invoices/{inv['id']}/document", format="cii")
    assert b"CrossIndustryInvoice" in cii.content
    pdf = customer_api.get(f"/invoices/{inv['id']}/document", format="pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert customer_api.get(f"/invoices/{inv['id']}/document", format="doc").status_code == 422


def test_event_feed(supplier_api, customer_api, customer, settle) -> None:
    inv = _issue(supplier_api, customer.tax_id)
    feed = customer_api.get("/events").json()
    kinds = [e["kind"] for e in feed["items"]]
    assert "delivered" in kinds
    cursor = feed["next_cursor"]
    customer_api.post_json(f"/invoices/{inv['id']}/status", {"status": "accepted"})
    later = supplier_api.get("/events", cursor=cursor).json()
    assert [e["kind"] for e in later["items"]] == ["accepted"]
    assert later["items"][0]["by"] == customer.tax_id
    assert customer_api.get("/events", cursor=later["next_cursor"]).json()["items"] == []


def test_company_a_learns_nothing_of_company_b(
    supplier_api, customer_api, customer, make_company, make_key, settle
) -> None:
    from django.test import Client

    inv = _issue(supplier_api, customer.tax_id)
    stranger = make_company("Otra Empresa, S.L.")
    other = Api(Client(), make_key(stranger))
    unknown = "5b0c3f8e-0000-4000-8000-000000000000"
    for path in (f"/invoices/{inv['id']}", f"/invoices/{inv['id']}/document"):
        theirs, missing = other.get(path), other.get(path.replace(inv["id"], unknown))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()  # same answer: existence is not revealed
    changed = other.post_json(f"/invoices/{inv['id']}/status", {"status": "accepted"})
    assert changed.status_code == 404
    assert other.post_json(f"/invoices/{inv['id']}/ack", {}).status_code == 404
    assert other.get("/invoices/issued").json()["items"] == []
    assert other.get("/invoices/received").json()["items"] == []
    assert other.get("/invoices/issued", changes="true").json()["items"] == []
    assert other.get("/events").json()["items"] == []


def test_rate_limit_answers_429_with_retry_after(supplier_api, settings) -> None:
    settings.EFACTURA_API_RATE_LIMIT = 3
    codes = [supplier_api.get("/me").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = supplier_api.get("/me")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= settings.EFACTURA_API_RATE_WINDOW
    assert response.json()["type"] == "urn:efactura:problem:rate-limited"


def test_openapi_and_offline_docs(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/invoices" in schema["paths"]
    post = schema["paths"]["/api/v1/invoices"]["post"]
    assert set(post["requestBody"]["content"]) == {
        "application/xml",
        "multipart/form-data",
        "application/json",
    }
    assert "application/problem+json" in post["responses"]["422"]["content"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_api_calls_act_as_their_key(supplier_api, customer_api, customer) -> None:
    """The audit entry and the timeline name the API key that acted, not "nobody"."""
    from efactura.audit.models import AuditEntry
    from efactura.companies.models import ApiKey
    from efactura.invoices.models import Event

    inv = _issue(supplier_api, customer.tax_id)
    customer_api.post_json(f"/invoices/{inv['id']}/status", {"status": "accepted"})
    issued = AuditEntry.objects.get(action="invoices.invoice.issued", object_id=inv["id"])
    supplier_key = ApiKey.objects.get(company__tax_id=issued.company.tax_id)
    assert issued.api_key == supplier_key and issued.actor is None
    assert issued.actor_label == f"API key ERP ({supplier_key.prefix})"
    accepted = AuditEntry.objects.get(action="invoices.invoice.accepted", object_id=inv["id"])
    assert accepted.api_key is not None and accepted.api_key.company == customer
    event = Event.objects.get(invoice_id=inv["id"], kind="accepted")
    assert event.actor_label.startswith("API key ERP (")


def test_a_revoked_key_cannot_act_through_a_service(supplier, make_key) -> None:
    """The permission rule applies to keys too: a key acts only for its own company while
    it is active."""
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    from efactura.companies.acting import check_role
    from efactura.companies.models import ApiKey

    make_key(supplier)
    key = ApiKey.objects.get(company=supplier)
    check_role(actor=key, company=supplier)
    ApiKey.objects.filter(pk=key.pk).update(revoked=timezone.now())
    key.refresh_from_db()
    with pytest.raises(PermissionDenied):
        check_role(actor=key, company=supplier)
