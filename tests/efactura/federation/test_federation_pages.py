"""What the issuer sees in the browser when its invoice travels to a federated platform:
delivered to the peer, then accepted there; and a delivery the peer refused, with its reason.

Real components: Debian's chromium, Django's live server (which the scripted peer calls back
over HTTP with a signed status message), the real issuing, signing and federation code.
Screenshots are kept in the test's temporary folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.efactura.federation.helpers import StubPeer
from tests.efactura.invoices.helpers import ADDRESS, draft

from efactura.federation import identity, protocol
from efactura.federation.models import OutboundMessage
from efactura.invoices.services import do_issue_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def peer_b(settings: Any) -> Iterator[StubPeer]:
    settings.EFACTURA_NODE_ID = "node-a"
    stub = StubPeer("bank-b")
    stub.sender_key = identity.public_key_text()
    stub.served.add("9920:ESA39123450")
    settings.EFACTURA_PEERS = [stub.entry()]
    yield stub
    stub.close()


def status_from_peer(stub: StubPeer, base: str, invoice: Any, event: str, **extra: str) -> None:
    """bank-b tells this node, over real HTTP, what its customer did."""
    original = OutboundMessage.objects.get(invoice=invoice, kind="invoice")
    body = protocol.canonical_json(
        {"in_reply_to": str(original.message_id), "event": event, "status": event, **extra}
    )
    envelope = stub.envelope(
        body,
        kind=protocol.KIND_STATUS,
        invoice=original.reference,
        seller_tax_id=invoice.buyer_tax_id,
        buyer_tax_id=invoice.seller_tax_id,
        receiver="node-a",
        document_type=protocol.STATUS_DOCUMENT_TYPE,
    )
    response = httpx.post(
        f"{base}/federation/v1/messages",
        content=body,
        headers={**stub.headers(envelope), "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text


def test_issuer_sees_peer_delivery_acceptance_and_refusal(
    browser: Any,
    live_server: Any,
    peer_b: StubPeer,
    make_company: Any,
    make_user: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    issuer = make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)
    make_user("proveedor@example.com", issuer, language="es")
    accepted = do_issue_invoice(company=issuer, actor=None, draft=draft("A39123450"))
    status_from_peer(peer_b, live_server.url, accepted, "rejected", reason="Falta el pedido")
    peer_b.answers = ["reject"]
    refused = do_issue_invoice(company=issuer, actor=None, draft=draft("A39123450"))

    page = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 1000}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "proveedor@example.com")
    page.fill("input[name=password]", "pw-Secret-123")
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/invoices/{accepted.pk}/")
    page.screenshot(path=str(tmp_path / "peer-rejected-by-customer.png"), full_page=True)
    routing = page.locator("#routing-title").locator("xpath=..")
    assert "bank-b" in routing.inner_text()
    timeline = page.locator(".timeline").inner_text()
    assert "Entregada" in timeline or "Entregado" in timeline, timeline
    assert "Rechazada" in timeline and "Falta el pedido" in timeline, timeline
    # The customer on the peer platform rejected it, not the issuer.
    rejected = page.locator(".timeline-rejected").inner_text()
    assert "Hostelería Cantábrica, S.A. (bank-b) · Plataforma federada" in rejected, rejected
    assert "Suministros" not in rejected, rejected

    page.goto(f"{live_server.url}/invoices/{refused.pk}/")
    page.screenshot(path=str(tmp_path / "peer-refused-delivery.png"), full_page=True)
    timeline = page.locator(".timeline").inner_text()
    assert "BR-CO-15" in timeline and "bank-b" in timeline, timeline
    assert errors == []
    print(f"screenshots in {tmp_path}")
