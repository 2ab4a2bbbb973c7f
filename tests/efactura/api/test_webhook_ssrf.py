"""Webhooks cannot be aimed at internal addresses (SSRF), at registration nor at delivery."""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from efactura.api import egress
from efactura.api.models import Webhook, WebhookDelivery
from efactura.api.services import do_attempt_webhook_delivery, do_create_webhook

pytestmark = pytest.mark.django_db

INTERNAL = [
    "http://127.0.0.1/x",
    "http://127.1.2.3:8080/x",
    "http://localhost/x",
    "http://10.0.0.5/x",
    "http://172.16.3.4/x",
    "http://192.168.1.1/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/x",
    "http://0.0.0.0/x",
    "http://224.0.0.1/x",
    "http://240.0.0.1/x",
    "http://[::1]/x",
    "http://[fe80::1]/x",
    "http://[fc00::1]/x",
    "http://[ff02::1]/x",
    "http://[::ffff:127.0.0.1]/x",
    "http://[::ffff:10.0.0.1]/x",
    "http://[64:ff9b::a9fe:a9fe]/x",
    "http://[2002:7f00:1::]/x",
    "http://[::]/x",
]


@pytest.mark.parametrize("url", INTERNAL)
def test_registration_refuses_internal_addresses(customer: Any, url: str) -> None:
    """Regression: these used to be accepted and called by the worker."""
    with pytest.raises(ValidationError) as caught:
        do_create_webhook(company=customer, url=url, events=["invoice.received"])
    assert caught.value.code in {"internal_address", "url"}
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "8.8.8.8"]
)
def test_public_addresses_pass(address: str) -> None:
    assert egress.is_public_address(ipaddress.ip_address(address))


def test_operator_allow_list_admits_named_internal_hosts(customer: Any, settings: Any) -> None:
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = ["erp-gateway.internal", "10.0.0.5"]
    do_create_webhook(company=customer, url="http://10.0.0.5/in", events=["invoice.received"])
    assert Webhook.objects.count() == 1
    with pytest.raises(ValidationError):
        do_create_webhook(company=customer, url="http://10.0.0.6/in", events=["invoice.received"])


class _Receiver:
    """A real HTTP server on loopback that records calls and can answer with a redirect."""

    def __init__(self, redirect_to: str = "") -> None:
        calls: list[str] = []
        self.calls = calls

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                calls.append(f"{self.headers.get('Host')} {self.path}")
                if redirect_to:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                else:
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _delivery(company: Any, url: str) -> WebhookDelivery:
    from efactura.signing.services import encrypt

    hook = Webhook.objects.create(
        company=company,
        url=url,
        events=["invoice.received"],
        secret_encrypted=encrypt(b"whsec_test"),
        secret_hint="whsec_test",
    )
    return WebhookDelivery.objects.create(
        webhook=hook, event="invoice.received", payload={"id": "evt_1"}
    )


def test_delivery_rechecks_the_address_and_never_calls_internal_hosts(
    customer: Any, settings: Any
) -> None:
    """A hook stored before the rule (or whose name now resolves inside) is refused at send."""
    receiver = _Receiver()
    try:
        delivery = _delivery(customer, f"http://127.0.0.1:{receiver.port}/in")
        result = do_attempt_webhook_delivery(delivery_id=delivery.pk)
        assert result is not None
        assert result.last_error.startswith("Refused:") and "(127.0.0.1)" in result.last_error
        assert receiver.calls == []
    finally:
        receiver.close()


def test_delivery_connects_to_the_address_it_checked(
    customer: Any, settings: Any, monkeypatch: Any
) -> None:
    """DNS rebinding: the name is resolved once; the connection goes to that checked address."""
    receiver = _Receiver()
    answers: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_dns(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.rebind.test":
            # First answer looks public; any later lookup would point inside.
            answer = "93.184.216.34" if not answers else "127.0.0.1"
            answers.append(answer)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answer, args[0] if args else 80))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    try:
        target = egress.check_url(f"http://hooks.rebind.test:{receiver.port}/in")
        assert target.address == "93.184.216.34"
        assert answers == ["93.184.216.34"]
    finally:
        receiver.close()


def test_delivery_does_not_follow_redirects(customer: Any, settings: Any) -> None:
    settings.EFACTURA_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    inner = _Receiver()
    outer = _Receiver(redirect_to=f"http://127.0.0.1:{inner.port}/secret")
    try:
        delivery = _delivery(customer, f"http://127.0.0.1:{outer.port}/in")
        result = do_attempt_webhook_delivery(delivery_id=delivery.pk)
        assert result is not None and result.last_status_code == 302
        assert len(outer.calls) == 1 and inner.calls == []
    finally:
        inner.close()
        outer.close()


def test_delivery_sends_the_host_name_to_the_checked_address(
    customer: Any, settings: Any, monkeypatch: Any
) -> None:
    """The request goes to the checked IP literal while ``Host`` keeps the URL's name."""
    receiver = _Receiver()
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        egress, "is_public_address", lambda ip: str(ip) == "127.0.0.1"
    )  # stands in for a public address: only loopback can be reached here

    def dns(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "erp.example.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.port))]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns)
    try:
        delivery = _delivery(customer, f"http://erp.example.test:{receiver.port}/in")
        result = do_attempt_webhook_delivery(delivery_id=delivery.pk)
        assert result is not None and result.status == "succeeded", result.last_error
        assert receiver.calls == [f"erp.example.test:{receiver.port} /in"]
    finally:
        receiver.close()
