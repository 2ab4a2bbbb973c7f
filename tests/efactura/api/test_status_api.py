"""POST /invoices/{id}/status with the RD 238/2026 statuses; the event feed, webhooks and
the OpenAPI document carry them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from apitools import Api, invoice_json

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _quick(settings: Any, monkeypatch: Any) -> None:
    settings.EFACTURA_SPFE_ENDPOINT = "off"
    monkeypatch.setattr("efactura.api.selectors.SYNC_SETTLE_SECONDS", 0)


def _issue(api: Api, buyer: str) -> dict[str, Any]:
    response = api.post_json("/invoices", invoice_json(buyer))
    assert response.status_code == 201, response.content
    return response.json()


def test_every_new_status_through_the_api(
    supplier_api: Api, customer_api: Api, customer: Any, supplier: Any
) -> None:
    from efactura.api.models import Webhook, WebhookDelivery
    from efactura.signing.services import encrypt

    Webhook.objects.create(
        company=supplier,
        url="https://erp.example/hooks",
        events=["invoice.status_changed"],
        secret_encrypted=encrypt(b"whsec_test"),
        secret_hint="whsec_test",
    )
    inv = _issue(supplier_api, customer.tax_id)
    path = f"/invoices/{inv['id']}/status"
    cursor = supplier_api.get("/events").json()["next_cursor"]
    rejected = customer_api.post_json(
        path, {"status": "rejected", "reason": "Precio distinto", "reason_code": "PRI"}
    ).json()
    assert (rejected["status"], rejected["rejection_code"]) == ("rejected", "PRI")
    reopened = customer_api.post_json(path, {"status": "rejection_cancelled"}).json()
    assert reopened["status"] == "read" and reopened["rejection_code"] == ""
    assert customer_api.post_json(path, {"status": "accepted"}).json()["status"] == "accepted"
    today = dt.date.today().isoformat()
    half = customer_api.post_json(path, {"status": "paid", "amount": "10.00", "date": today})
    assert half.json()["status"] == "partially_paid"
    rest = customer_api.post_json(path, {"status": "paid", "date": today}).json()
    assert rest["status"] == "paid" and Decimal(rest["paid_amount"]) == Decimal(rest["payable"])
    payment_ids = [e["id"] for e in rest["timeline"] if e["kind"] == "payment"]
    undone = customer_api.post_json(
        path, {"status": "payment_cancelled", "payment_id": payment_ids[0]}
    ).json()
    assert undone["status"] == "partially_paid"
    settled = supplier_api.post_json(path, {"status": "settled", "date": today}).json()
    assert settled["collection"] == "settled"
    assert (
        supplier_api.post_json(path, {"status": "settlement_cancelled"}).json()["collection"] == ""
    )
    assert supplier_api.post_json(path, {"status": "defaulted"}).json()["collection"] == "defaulted"
    assert supplier_api.post_json(path, {"status": "default_cancelled"}).json()["collection"] == ""
    # The feed carries each change with its data, in order, to the issuer.
    kinds = [e["kind"] for e in supplier_api.get("/events", cursor=cursor).json()["items"]]
    assert kinds == [
        "rejected",
        "rejection_cancelled",
        "accepted",
        "payment",
        "payment",
        "payment_cancelled",
        "settled",
        "settlement_cancelled",
        "defaulted",
        "default_cancelled",
    ]
    # Webhooks too: one status_changed delivery per change, naming the event.
    payloads = [d.payload for d in WebhookDelivery.objects.order_by("id")]
    assert [p["data"]["event"]["kind"] for p in payloads] == kinds
    assert payloads[0]["data"]["event"]["data"]["reason_code"] == "PRI"


def test_refused_transitions_are_422_problems_in_both_languages(
    supplier_api: Api, customer_api: Api, customer: Any
) -> None:
    inv = _issue(supplier_api, customer.tax_id)
    path = f"/invoices/{inv['id']}/status"
    refused = customer_api.post_json(
        path, {"status": "rejection_cancelled"}, headers={"Accept-Language": "en"}
    )
    assert refused.status_code == 422
    assert "there is no rejection to cancel" in refused.content.decode()
    spanish = customer_api.post_json(
        path, {"status": "payment_cancelled"}, headers={"Accept-Language": "es"}
    )
    assert spanish.status_code == 422
    assert "no hay ningún pago que anular" in spanish.content.decode()
    # The wrong side: 403, never a 500.
    assert customer_api.post_json(path, {"status": "settled"}).status_code == 403
    assert supplier_api.post_json(path, {"status": "rejection_cancelled"}).status_code == 403
    bad_code = customer_api.post_json(
        path, {"status": "rejected", "reason": "x", "reason_code": "ZZZ"}
    )
    assert bad_code.status_code == 422


def test_openapi_describes_the_statuses(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    change = schema["components"]["schemas"]["StatusChange"]
    assert set(change["properties"]["status"]["enum"]) >= {
        "rejection_cancelled",
        "payment_cancelled",
        "settled",
        "settlement_cancelled",
        "defaulted",
        "default_cancelled",
    }
    assert {"reason_code", "payment_id", "amount", "date"} <= set(change["properties"])
