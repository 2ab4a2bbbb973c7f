"""Webhooks: signed deliveries verified by a real HTTP receiver, retries with back-off."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from apitools import invoice_json


def verify_signature(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """What a receiver does (the snippet in docs/api.md)."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts["v1"])


class Receiver:
    """A local HTTP server recording what it receives; answers ``status`` (settable)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/efactura"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _local_receiver_allowed(settings: Any) -> None:
    """The test receivers listen on loopback, which webhooks may call only when allowed."""
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def receiver() -> Any:
    r = Receiver()
    yield r
    r.close()


@pytest.mark.django_db
def test_signed_webhooks_for_received_and_status_changed(
    supplier_api, customer_api, customer, supplier, receiver, django_capture_on_commit_callbacks
) -> None:
    from efactura.api.services import do_create_webhook

    _hook, customer_secret = do_create_webhook(
        company=customer, url=receiver.url, events=["invoice.received"]
    )
    _hook2, supplier_secret = do_create_webhook(
        company=supplier, url=receiver.url, events=["invoice.status_changed"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        invoice = supplier_api.post_json("/invoices", invoice_json(customer.tax_id)).json()
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert headers["Efactura-Event"] == "invoice.received"
    assert verify_signature(customer_secret, headers["Efactura-Signature"], body)
    assert not verify_signature(supplier_secret, headers["Efactura-Signature"], body)
    assert not verify_signature(customer_secret, headers["Efactura-Signature"], body + b" ")
    payload = json.loads(body)
    assert payload["type"] == "invoice.received"
    assert payload["data"]["invoice"]["id"] == invoice["id"]
    assert payload["company"] == customer.tax_id

    with django_capture_on_commit_callbacks(execute=True):
        customer_api.post_json(f"/invoices/{invoice['id']}/status", {"status": "accepted"})
    headers, body = receiver.received[-1]
    assert headers["Efactura-Event"] == "invoice.status_changed"
    assert verify_signature(supplier_secret, headers["Efactura-Signature"], body)
    data = json.loads(body)["data"]
    assert data["event"]["kind"] == "accepted" and data["event"]["by"] == customer.tax_id


@pytest.mark.django_db
def test_failed_delivery_is_retried_with_backoff_then_succeeds(
    supplier_api, customer, receiver, django_capture_on_commit_callbacks
) -> None:
    from efactura.api.models import WebhookDelivery
    from efactura.api.services import (
        backoff_seconds,
        do_create_webhook,
        do_retry_due_webhook_deliveries,
    )

    do_create_webhook(company=customer, url=receiver.url, events=["invoice.received"])
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        supplier_api.post_json("/invoices", invoice_json(customer.tax_id))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "retrying" and delivery.attempts == 1
    assert delivery.last_status_code == 503
    wait = (delivery.next_attempt_at - delivery.created).total_seconds()
    assert backoff_seconds(1) - 2 <= wait <= backoff_seconds(1) + 2
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [30, 60, 120]
    # not yet due: nothing happens
    assert do_retry_due_webhook_deliveries() == 0
    receiver.status = 204
    assert do_retry_due_webhook_deliveries(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 2
    assert len(receiver.received) == 2


@pytest.mark.django_db
def test_unreachable_webhook_gives_up_after_max_attempts(
    supplier_api, customer, django_capture_on_commit_callbacks
) -> None:
    from efactura.api.choices import WEBHOOK_MAX_ATTEMPTS
    from efactura.api.models import WebhookDelivery
    from efactura.api.services import do_attempt_webhook_delivery, do_create_webhook

    do_create_webhook(
        company=customer, url="http://127.0.0.1:9/nothing", events=["invoice.received"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        supplier_api.post_json("/invoices", invoice_json(customer.tax_id))
    delivery = WebhookDelivery.objects.get()
    for _ in range(WEBHOOK_MAX_ATTEMPTS):
        do_attempt_webhook_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.attempts == WEBHOOK_MAX_ATTEMPTS
    assert "ConnectError" in delivery.last_error


@pytest.mark.django_db
def test_webhook_url_and_events_are_checked(customer) -> None:
    from django.core.exceptions import ValidationError

    from efactura.api.services import do_create_webhook

    with pytest.raises(ValidationError):
        do_create_webhook(company=customer, url="ftp://example.com/x", events=["invoice.received"])
    with pytest.raises(ValidationError):
        do_create_webhook(company=customer, url="https://example.com/x", events=[])
    with pytest.raises(ValidationError):
        do_create_webhook(company=customer, url="https://example.com/x", events=["invoice.eaten"])


@pytest.mark.django_db
def test_delivery_failed_event_notifies_the_issuer(
    supplier_api, supplier, customer, receiver, django_capture_on_commit_callbacks
) -> None:
    from efactura.api.services import do_create_webhook
    from efactura.invoices.models import Invoice
    from efactura.invoices.services import do_record_peer_delivery

    do_create_webhook(company=supplier, url=receiver.url, events=["invoice.delivery_failed"])
    invoice_id = supplier_api.post_json("/invoices", invoice_json(customer.tax_id)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        do_record_peer_delivery(
            invoice=Invoice.objects.get(pk=invoice_id),
            peer_id="node.example",
            delivered=False,
            data={"reason": "peer unreachable"},
        )
    headers, _body = receiver.received[-1]
    assert headers["Efactura-Event"] == "invoice.delivery_failed"
