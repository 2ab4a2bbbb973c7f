"""Status messages: the recipient's answers travel back to the issuer's platform."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from tests.efactura.federation.helpers import FakePeer, StubPeer, reference, signed_facturae
from tests.efactura.invoices.helpers import ADDRESS, draft

from efactura.federation import identity, protocol
from efactura.federation.models import OutboundMessage
from efactura.invoices.choices import EventKind, Route, Status, Transport
from efactura.invoices.models import Invoice
from efactura.invoices.services import (
    do_accept_invoice,
    do_issue_invoice,
    do_record_payment,
    do_reject_invoice,
)

URL = "/federation/v1/messages"


# -- Recipient side (this node is node-b; the invoice came from node-a) -----------------------


@pytest.fixture
def issuer_platform(settings: Any) -> Iterator[StubPeer]:
    """node-a, the issuer's platform, as a scripted HTTP server."""
    settings.EFACTURA_NODE_ID = "node-b"
    stub = StubPeer("node-a")
    stub.sender_key = identity.public_key_text()
    settings.EFACTURA_PEERS = [stub.entry()]
    yield stub
    stub.close()


def receive(client: Any, peer: FakePeer, seller: Any, buyer: Any) -> tuple[Invoice, str]:
    document, invoice = signed_facturae(seller, buyer.tax_id)
    envelope = peer.envelope(
        document, invoice=reference(invoice), seller_tax_id=seller.tax_id, buyer_tax_id=buyer.tax_id
    )
    response = client.post(
        URL, data=document, content_type="application/xml", headers=peer.headers(envelope)
    )
    assert response.status_code == 200, response.content
    return Invoice.objects.get(recipient=buyer), envelope["message_id"]


def test_acceptance_and_payment_travel_back_signed(
    client: Any,
    issuer_platform: StubPeer,
    seller: Any,
    buyer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invoice, original_id = receive(client, issuer_platform, seller, buyer)
    with django_capture_on_commit_callbacks(execute=True):
        do_accept_invoice(invoice=invoice, company=buyer, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        do_record_payment(
            invoice=invoice,
            company=buyer,
            actor=None,
            amount=invoice.payable,
            date=dt.date.today(),
        )

    assert [e["kind"] for e, _, _ in issuer_platform.received] == ["status", "status"]
    statuses = [json.loads(body) for _, body, _ in issuer_platform.received]
    assert all(sig == "valid" for _, _, sig in issuer_platform.received)
    assert statuses[0]["event"] == "accepted" and statuses[0]["status"] == "accepted"
    assert statuses[0]["in_reply_to"] == original_id
    assert statuses[1]["event"] == "payment" and statuses[1]["status"] == "paid"
    assert Decimal(statuses[1]["paid_total"]) == invoice.payable
    envelope = issuer_platform.received[0][0]
    assert envelope["receiver"] == "node-a"
    assert envelope["sender_participant"] == "9920:ESA39123450"
    assert envelope["document_type"] == protocol.STATUS_DOCUMENT_TYPE
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"delivered"}


def test_rejection_reason_travels_back(
    client: Any,
    issuer_platform: StubPeer,
    seller: Any,
    buyer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    invoice, _ = receive(client, issuer_platform, seller, buyer)
    with django_capture_on_commit_callbacks(execute=True):
        do_reject_invoice(invoice=invoice, company=buyer, actor=None, reason="Precio incorrecto")

    [(_, body, _)] = issuer_platform.received
    assert json.loads(body)["reason"] == "Precio incorrecto"


# -- Issuer side (this node is node-a; the invoice went to node-b) ----------------------------


@pytest.fixture
def delivered(
    settings: Any, make_company: Any, django_capture_on_commit_callbacks: Any
) -> Iterator[tuple[StubPeer, Invoice]]:
    settings.EFACTURA_NODE_ID = "node-a"
    stub = StubPeer("node-b")
    stub.sender_key = identity.public_key_text()
    stub.served.add("9920:ESA39123450")
    settings.EFACTURA_PEERS = [stub.entry()]
    issuer = make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = do_issue_invoice(company=issuer, actor=None, draft=draft("A39123450"))
    invoice.refresh_from_db()
    assert invoice.transport == Transport.DELIVERED
    yield stub, invoice
    stub.close()


def status_message(
    peer: FakePeer, invoice: Invoice, payload: dict[str, Any], **envelope_extra: Any
) -> tuple[bytes, dict[str, str]]:
    body = protocol.canonical_json(payload)
    envelope = peer.envelope(
        body,
        kind=protocol.KIND_STATUS,
        invoice=protocol.invoice_reference(
            seller_tax_id=invoice.seller_tax_id,
            series=invoice.series,
            number=invoice.number,
            issue_date=invoice.issue_date,
        ),
        seller_tax_id=invoice.buyer_tax_id,
        buyer_tax_id=invoice.seller_tax_id,
        receiver="node-a",
        document_type=protocol.STATUS_DOCUMENT_TYPE,
        **envelope_extra,
    )
    return body, peer.headers(envelope)


def original_id(invoice: Invoice) -> str:
    return str(OutboundMessage.objects.get(invoice=invoice, kind="invoice").message_id)


def test_peer_status_reaches_the_issued_invoice(client: Any, delivered: Any) -> None:
    stub, invoice = delivered
    payload = {"in_reply_to": original_id(invoice), "event": "accepted", "status": "accepted"}
    body, headers = status_message(stub, invoice, payload)
    response = client.post(URL, data=body, content_type="application/json", headers=headers)

    assert response.status_code == 200
    receipt, _, _ = protocol.read_signed_body("receipt", response.content)
    assert receipt["status"] == "accepted"
    invoice.refresh_from_db()
    assert invoice.status == Status.ACCEPTED
    event = invoice.events.get(kind=EventKind.ACCEPTED)
    assert event.source == "peer" and event.data["peer"] == "node-b"
    # Applying it twice (a retry) changes nothing more.
    client.post(URL, data=body, content_type="application/json", headers=headers)
    assert invoice.events.filter(kind=EventKind.ACCEPTED).count() == 1


def test_peer_payment_and_rejection_fields(client: Any, delivered: Any) -> None:
    stub, invoice = delivered
    payload = {
        "in_reply_to": original_id(invoice),
        "event": "payment",
        "status": "paid",
        "amount": str(invoice.payable),
        "paid_total": str(invoice.payable),
        "paid_date": "2026-03-02",
    }
    body, headers = status_message(stub, invoice, payload)
    client.post(URL, data=body, content_type="application/json", headers=headers)

    invoice.refresh_from_db()
    assert invoice.status == Status.PAID
    assert invoice.paid_amount == invoice.payable
    assert invoice.paid_date == dt.date(2026, 3, 2)


def test_late_read_does_not_undo_an_acceptance(client: Any, delivered: Any) -> None:
    stub, invoice = delivered
    for event in ("accepted", "read"):
        payload = {"in_reply_to": original_id(invoice), "event": event, "status": event}
        body, headers = status_message(stub, invoice, payload)
        client.post(URL, data=body, content_type="application/json", headers=headers)

    invoice.refresh_from_db()
    assert invoice.status == Status.ACCEPTED
    assert invoice.read_at is not None


def test_another_peer_cannot_change_the_status(client: Any, delivered: Any, settings: Any) -> None:
    stub, invoice = delivered
    intruder = FakePeer("node-c")
    settings.EFACTURA_PEERS = [stub.entry(), intruder.entry()]
    payload = {"in_reply_to": original_id(invoice), "event": "rejected", "status": "rejected"}
    body, headers = status_message(intruder, invoice, payload)
    response = client.post(URL, data=body, content_type="application/json", headers=headers)

    receipt, _, _ = protocol.read_signed_body("receipt", response.content)
    assert receipt["status"] == "rejected"
    assert receipt["violations"][0]["rule"] == "FED-UNKNOWN-INVOICE"
    invoice.refresh_from_db()
    assert invoice.status == Status.RECEIVED
    assert invoice.route == Route.PEER
