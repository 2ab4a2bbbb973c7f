"""Sending to a peer: discovery, signed delivery, receipts, retries and failures.

This node is ``node-a`` (the issuer's platform); the peer ``node-b`` is a scripted HTTP server
on a real localhost port (``StubPeer``), or a closed port when it must be down.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from tests.efactura.federation.helpers import StubPeer, free_port
from tests.efactura.invoices.helpers import ADDRESS, draft

from efactura.federation import identity, protocol
from efactura.federation.models import OutboundMessage, ParticipantRoute
from efactura.federation.resolvers import find_peer
from efactura.invoices import storage
from efactura.invoices.choices import EventKind, Route, Transport
from efactura.invoices.models import Document, Invoice
from efactura.invoices.services import do_issue_invoice

CUSTOMER = "A39123450"
CUSTOMER_PARTICIPANT = "9920:ESA39123450"


@pytest.fixture
def stub(settings: Any) -> Iterator[StubPeer]:
    settings.EFACTURA_NODE_ID = "node-a"
    peer = StubPeer("node-b")
    peer.sender_key = identity.public_key_text()
    peer.served.add(CUSTOMER_PARTICIPANT)
    settings.EFACTURA_PEERS = [peer.entry()]
    settings.EFACTURA_FEDERATION_MAX_ATTEMPTS = 3
    yield peer
    peer.close()


@pytest.fixture
def issuer(make_company: Any) -> Any:
    return make_company("Suministros Levante, S.L.", tax_id="B98765431", **ADDRESS)


def issue(issuer: Any, capture: Any) -> Invoice:
    with capture(execute=True):
        invoice = do_issue_invoice(
            company=issuer, actor=None, draft=draft(CUSTOMER), series_code="F"
        )
    invoice.refresh_from_db()
    return invoice


def test_invoice_for_a_peers_customer_is_delivered_with_signed_envelope(
    stub: StubPeer, issuer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = issue(issuer, django_capture_on_commit_callbacks)

    assert invoice.route == Route.PEER
    assert invoice.route_detail == "node-b"
    assert invoice.transport == Transport.DELIVERED
    [(envelope, payload, signature)] = stub.received
    assert signature == "valid"
    original = invoice.documents.get(role=Document.Role.ORIGINAL)
    assert payload == storage.read(original)  # the signed original, byte for byte
    assert envelope["sha256"] == protocol.sha256_hex(payload)
    assert envelope["sender"] == "node-a" and envelope["receiver"] == "node-b"
    assert envelope["sender_participant"] == "9920:ESB98765431"
    assert envelope["receiver_participant"] == CUSTOMER_PARTICIPANT
    assert envelope["document_type"] == "facturae/3.2.2"
    assert envelope["invoice"]["number"] == invoice.number
    message = OutboundMessage.objects.get(invoice=invoice)
    assert message.status == "delivered"
    assert message.attempts == 1
    assert message.receipt["status"] == "accepted"
    assert str(message.message_id) == envelope["message_id"]
    event = invoice.events.get(kind=EventKind.DELIVERED)
    assert event.data["peer"] == "node-b"
    assert ParticipantRoute.objects.get(participant=CUSTOMER_PARTICIPANT).peer_id == "node-b"


def test_rejection_receipt_fails_the_delivery_with_the_peers_reasons(
    stub: StubPeer, issuer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stub.answers = ["reject"]
    invoice = issue(issuer, django_capture_on_commit_callbacks)

    assert invoice.transport == Transport.FAILED
    event = invoice.events.get(kind=EventKind.DELIVERY_FAILED)
    assert "BR-CO-15" in event.data["reason"]
    assert "node-b" in event.data["reason"]
    assert OutboundMessage.objects.get(invoice=invoice).status == "rejected"
    assert len(stub.received) == 1  # a rejection is an answer: no retry


def test_peer_errors_are_retried_until_it_answers(
    stub: StubPeer, issuer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stub.answers = ["503", "badsig", "accept"]
    invoice = issue(issuer, django_capture_on_commit_callbacks)

    assert invoice.transport == Transport.DELIVERED
    message = OutboundMessage.objects.get(invoice=invoice)
    assert message.attempts == 3
    ids = {envelope["message_id"] for envelope, _, _ in stub.received}
    assert ids == {str(message.message_id)}  # retries keep the message id
    sent_times = [envelope["sent"] for envelope, _, _ in stub.received]
    assert len(stub.received) == 3 and sent_times == sorted(sent_times)


def test_peer_down_is_retried_then_failed_visibly(
    stub: StubPeer, issuer: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Discovery found node-b earlier; now it is down (nothing listens on its port).
    ParticipantRoute.objects.create(
        participant=CUSTOMER_PARTICIPANT,
        peer_id="node-b",
        expires=timezone.now() + dt.timedelta(hours=1),
    )
    settings.EFACTURA_PEERS = [dict(stub.entry(), url=f"http://127.0.0.1:{free_port()}")]
    invoice = issue(issuer, django_capture_on_commit_callbacks)

    assert invoice.transport == Transport.FAILED
    message = OutboundMessage.objects.get(invoice=invoice)
    assert message.status == "failed"
    assert message.attempts == 3
    event = invoice.events.get(kind=EventKind.DELIVERY_FAILED)
    assert "3" in event.data["reason"] and "node-b" in event.data["reason"]
    assert any(invoice.full_number in m.subject + m.body for m in mail.outbox), [
        m.subject for m in mail.outbox
    ]


def test_peer_refusal_fails_at_once(
    stub: StubPeer, issuer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    stub.answers = ["403"]
    invoice = issue(issuer, django_capture_on_commit_callbacks)

    assert invoice.transport == Transport.FAILED
    assert len(stub.received) == 1
    reason = invoice.events.get(kind=EventKind.DELIVERY_FAILED).data["reason"]
    assert "403" in reason and "Who are you?" in reason


def test_discovery_answers_are_cached(stub: StubPeer, db: Any) -> None:
    first = find_peer("ESA39123450")
    second = find_peer("ESA39123450")

    assert first is not None and first.route == Route.PEER and first.detail == "node-b"
    assert second == first
    assert stub.queries == [CUSTOMER_PARTICIPANT]
    assert find_peer("ESB48123459") is None
    assert find_peer("ESB48123459") is None
    assert stub.queries.count("9920:ESB48123459") == 1  # "nobody" is cached too


def test_unreachable_peer_is_not_cached_as_a_no(settings: Any, db: Any) -> None:
    settings.EFACTURA_NODE_ID = "node-a"
    settings.EFACTURA_PEERS = [
        {
            "id": "node-b",
            "url": f"http://127.0.0.1:{free_port()}",
            "public_key": identity.public_key_text(),
        }
    ]
    assert find_peer("ESA39123450") is None
    assert not ParticipantRoute.objects.exists()


def test_answer_signed_by_another_key_is_ignored(stub: StubPeer, settings: Any, db: Any) -> None:
    settings.EFACTURA_PEERS = [dict(stub.entry(), public_key=identity.public_key_text())]
    assert find_peer("ESA39123450") is None


def test_without_peers_nobody_is_asked(
    settings: Any, issuer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EFACTURA_PEERS = []
    invoice = issue(issuer, django_capture_on_commit_callbacks)

    assert invoice.route == Route.AWAITING_REGISTRATION
    assert not OutboundMessage.objects.exists()
