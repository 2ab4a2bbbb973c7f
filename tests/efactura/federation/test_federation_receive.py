"""Receiving from a peer: POST /federation/v1/messages on this node (node-b)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from tests.efactura.federation.helpers import FakePeer, reference, signed_facturae

from efactura.federation import identity, protocol
from efactura.federation.models import InboundMessage
from efactura.invoices import storage
from efactura.invoices.choices import EventKind, Origin, Transport
from efactura.invoices.models import Document, Invoice

URL = "/federation/v1/messages"


def post(
    client: Any, payload: bytes, headers: dict[str, str], content_type: str = "application/xml"
) -> Any:
    return client.post(URL, data=payload, content_type=content_type, headers=headers)


def signed_receipt(response: Any) -> dict[str, Any]:
    """The receipt, after checking this node's signature over it."""
    receipt, canonical, signature = protocol.read_signed_body("receipt", response.content)
    assert identity.verify(
        public_key=identity.public_key_text(), signature=signature, data=canonical
    )
    return receipt


@pytest.fixture
def invoice_message(federation: FakePeer, seller: Any, buyer: Any) -> tuple[bytes, dict[str, Any]]:
    document, invoice = signed_facturae(seller, buyer.tax_id)
    envelope = federation.envelope(
        document,
        invoice=reference(invoice),
        seller_tax_id=seller.tax_id,
        buyer_tax_id=buyer.tax_id,
    )
    return document, envelope


def test_invoice_from_peer_lands_in_the_recipients_inbox_byte_identical(
    client: Any, federation: FakePeer, buyer: Any, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    response = post(client, document, federation.headers(envelope))

    assert response.status_code == 200, response.content
    receipt = signed_receipt(response)
    assert receipt["status"] == "accepted"
    assert receipt["message_id"] == envelope["message_id"]
    assert receipt["node"] == "node-b"
    assert receipt["violations"] == []
    invoice = Invoice.objects.get(recipient=buyer)
    assert invoice.origin == Origin.PEER
    assert invoice.issuer is None
    assert invoice.transport == Transport.DELIVERED
    assert invoice.route_detail == "node-a"
    assert invoice.response_due is not None
    assert receipt["invoice"]["number"] == invoice.number
    original = invoice.documents.get(role=Document.Role.ORIGINAL)
    assert storage.read(original) == document
    assert original.signed is True
    assert invoice.signature["status"] == "valid"
    delivered = invoice.events.get(kind=EventKind.DELIVERED)
    assert delivered.source == "peer"
    assert delivered.data["from_peer"] == "node-a"


def test_the_same_message_twice_gives_the_same_receipt_and_one_invoice(
    client: Any, federation: FakePeer, buyer: Any, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    first = post(client, document, federation.headers(envelope))
    # A retry: same message id and content, re-signed with a later "sent" time.
    retry = dict(
        envelope, sent=protocol.utc_text(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5))
    )
    second = post(client, document, federation.headers(retry))

    assert second.status_code == 200
    assert second["Efactura-Replayed"] == "true"
    assert signed_receipt(second) == signed_receipt(first)
    assert Invoice.objects.filter(recipient=buyer).count() == 1
    assert InboundMessage.objects.count() == 1


def test_a_message_id_reused_for_other_content_is_refused(
    client: Any, federation: FakePeer, seller: Any, buyer: Any, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    assert post(client, document, federation.headers(envelope)).status_code == 200
    other, invoice = signed_facturae(seller, buyer.tax_id, number="000002")
    forged = federation.envelope(
        other,
        invoice=reference(invoice),
        seller_tax_id=seller.tax_id,
        buyer_tax_id=buyer.tax_id,
        message_id=envelope["message_id"],
    )
    response = post(client, other, federation.headers(forged))

    assert response.status_code == 409
    assert response.json()["error"] == "FED-REPLAY"
    assert Invoice.objects.filter(recipient=buyer).count() == 1


def test_unknown_peer_is_refused(client: Any, federation: FakePeer, invoice_message: Any) -> None:
    document, envelope = invoice_message
    stranger = FakePeer("node-x")
    response = post(client, document, stranger.headers(dict(envelope, sender="node-x")))

    assert response.status_code == 403
    assert response.json()["error"] == "FED-UNKNOWN-PEER"
    assert not Invoice.objects.exists()


def test_envelope_signed_by_another_key_is_refused(
    client: Any, federation: FakePeer, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    impostor = FakePeer("node-a")  # right name, wrong key
    response = post(client, document, federation.headers(envelope, signer=impostor))

    assert response.status_code == 401
    assert response.json()["error"] == "FED-SIGNATURE"


def test_tampered_envelope_is_refused(
    client: Any, federation: FakePeer, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    headers = federation.headers(envelope)
    raw, _ = protocol.encode_envelope(envelope)
    tampered = json.loads(raw)
    tampered["receiver_participant"] = "9920:ESB48123459"
    headers[protocol.ENVELOPE_HEADER] = protocol.encode_envelope(tampered)[1]
    response = post(client, document, headers)

    assert response.status_code == 401
    assert response.json()["error"] == "FED-SIGNATURE"


def test_tampered_document_is_refused(
    client: Any, federation: FakePeer, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    altered = document.replace(b"Caf", b"Kaf", 1)
    response = post(client, altered, federation.headers(envelope))

    assert response.status_code == 400
    assert response.json()["error"] == "FED-DIGEST"
    assert not Invoice.objects.exists()


def test_message_outside_the_replay_window_is_refused(
    client: Any, federation: FakePeer, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    old = dict(envelope, sent=protocol.utc_text(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)))
    response = post(client, document, federation.headers(old))

    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "FED-STALE"
    assert "600 seconds" in body["message"]


def test_message_for_another_node_is_refused(
    client: Any, federation: FakePeer, invoice_message: Any
) -> None:
    document, envelope = invoice_message
    response = post(client, document, federation.headers(dict(envelope, receiver="node-c")))

    assert response.status_code == 403
    assert response.json()["error"] == "FED-WRONG-NODE"


def test_invalid_invoice_gets_a_signed_rejection_with_the_rules(
    client: Any, federation: FakePeer, seller: Any, buyer: Any
) -> None:
    document, invoice = signed_facturae(seller, buyer.tax_id)
    broken = document.replace(b"<InvoiceTotal>", b"<InvoiceTotal>9", 1)
    envelope = federation.envelope(
        broken, invoice=reference(invoice), seller_tax_id=seller.tax_id, buyer_tax_id=buyer.tax_id
    )
    response = post(client, broken, federation.headers(envelope))

    assert response.status_code == 200
    receipt = signed_receipt(response)
    assert receipt["status"] == "rejected"
    assert receipt["violations"], receipt
    assert all(v["rule"] and v["message"] and v["message_es"] for v in receipt["violations"])
    assert not Invoice.objects.exists()
    again = post(client, broken, federation.headers(envelope))
    assert signed_receipt(again) == receipt


def test_invoice_for_a_company_not_registered_here_is_rejected(
    client: Any, federation: FakePeer, seller: Any, buyer: Any
) -> None:
    document, invoice = signed_facturae(seller, "B48123459")
    envelope = federation.envelope(
        document, invoice=reference(invoice), seller_tax_id=seller.tax_id, buyer_tax_id="B48123459"
    )
    receipt = signed_receipt(post(client, document, federation.headers(envelope)))

    assert receipt["status"] == "rejected"
    assert receipt["violations"][0]["rule"] == "FED-UNKNOWN-RECIPIENT"


def test_envelope_naming_another_seller_is_rejected(
    client: Any, federation: FakePeer, seller: Any, buyer: Any
) -> None:
    document, invoice = signed_facturae(seller, buyer.tax_id)
    envelope = federation.envelope(
        document, invoice=reference(invoice), seller_tax_id="B48123459", buyer_tax_id=buyer.tax_id
    )
    receipt = signed_receipt(post(client, document, federation.headers(envelope)))

    assert receipt["status"] == "rejected"
    assert receipt["violations"][0]["rule"] == "FED-NOT-SELLER"


def test_unsigned_request_is_refused(client: Any, federation: FakePeer) -> None:
    response = client.post(URL, data=b"<x/>", content_type="application/xml")

    assert response.status_code == 400
    assert response.json()["error"] == "FED-ENVELOPE"


def test_message_ids_must_be_uuids(client: Any, federation: FakePeer, invoice_message: Any) -> None:
    document, envelope = invoice_message
    response = post(client, document, federation.headers(dict(envelope, message_id="1")))

    assert response.status_code == 400
    assert response.json()["error"] == "FED-ENVELOPE"
