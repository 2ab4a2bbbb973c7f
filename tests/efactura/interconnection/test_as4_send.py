"""Sending: discovery through a partner's SMP, retries with back-off, visible failure,
Invoice Responses and Message Level Status mapped onto the lifecycle."""

from __future__ import annotations

import datetime as dt
import socket
from decimal import Decimal
from typing import Any

import pytest

from efactura.interconnection import documents, statuses
from efactura.interconnection.choices import INVOICE_UBL, MLS, MessageKind, OutboundStatus
from efactura.interconnection.models import DiscoveryEntry, OutboundMessage
from efactura.interconnection.services import (
    do_queue_invoice,
    do_queue_mls,
    do_send_message,
    retry_delay,
)
from efactura.invoices.choices import EventKind, Status, Transport

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Row:
    full_number = "F26-000007"
    issue_date = dt.date(2026, 11, 2)
    buyer_name = "Hostelería Cantábrica, S.A."
    seller_name = "Suministros Levante, S.L."
    paid_amount = Decimal("121.00")
    paid_date = dt.date(2026, 12, 1)
    status = Status.PAID


def test_invoice_response_round_trip_maps_onto_the_lifecycle() -> None:
    response = statuses.response_for_event(
        invoice=_Row(),
        event_kind=EventKind.PAYMENT,
        reason="",
        sender="9920:ESA39123450",
        receiver="9920:ESB98765431",
    )
    assert response is not None and response.code == "PD"
    parsed = documents.parse_invoice_response(documents.build_invoice_response(response))
    assert (parsed.invoice_number, parsed.paid_amount) == ("F26-000007", Decimal("121.00"))
    change = statuses.change_for_response(response=parsed, payable=Decimal("121.00"))
    assert change is not None and change.status == Status.PAID
    partial = statuses.change_for_response(response=parsed, payable=Decimal("500.00"))
    assert partial is not None and partial.status == Status.PARTIALLY_PAID
    rejected = documents.parse_invoice_response(
        documents.build_invoice_response(
            documents.InvoiceResponse(
                code="RE",
                invoice_number="F26-000007",
                invoice_issue_date=None,
                sender="9920:ESA39123450",
                receiver="9920:ESB98765431",
                reason_code="OTH",
                reason="Precio incorrecto",
            )
        )
    )
    change = statuses.change_for_response(response=rejected, payable=Decimal(1))
    assert change is not None and (change.status, change.reason) == (
        Status.REJECTED,
        "Precio incorrecto",
    )
    assert (
        statuses.change_for_response(
            response=documents.InvoiceResponse(
                code="UQ", invoice_number="1", invoice_issue_date=None, sender="", receiver=""
            ),
            payable=Decimal(1),
        )
        is None
    )


def test_invoice_response_is_valid_against_the_peppol_example_shape() -> None:
    from tests.corpus import CORPUS

    sample = CORPUS / "peppol-edelivery" / "examples" / "invoice-response"
    parsed = documents.parse_invoice_response(
        (sample / "T111-uc004a-Invoice is rejected.xml").read_bytes()
    )
    assert parsed.code == "RE" and parsed.reason_code == "REF"


def test_mls_round_trip() -> None:
    status = documents.MessageLevelStatus(
        code="RE",
        reference="4b3c0a4e",
        sender="9920:ESA39123450",
        receiver="9920:ESB98765431",
        lines=[("NA", "BV", "[BR-CO-15] total")],
    )
    parsed = documents.parse_mls(documents.build_mls(status))
    assert parsed.code == "RE" and parsed.lines == [("NA", "BV", "[BR-CO-15] total")]
    assert statuses.mls_failed(parsed.code)


def test_back_off_doubles() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]


@pytest.mark.django_db(transaction=True)
def test_unreachable_partner_is_retried_then_fails_visibly(
    settings: Any, as4_node: Any, make_company: Any, ca: Any
) -> None:
    from tests.efactura.invoices.helpers import company, external_invoice

    from efactura.invoices.mapping import row_fields
    from efactura.invoices.models import Invoice

    settings.EFACTURA_AS4_MAX_ATTEMPTS = 3
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    seller = company(make_company, "Suministros Levante, S.L.", "B98765431")
    invoice = Invoice.objects.create(
        issuer=seller,
        route="peer",
        transport=Transport.CREATED,
        **row_fields(external_invoice("F1", seller_tax_id=seller.tax_id)),
    )
    peer = ca.issue("POP-GONE")
    DiscoveryEntry.objects.create(
        participant="9920:ESA39123450",
        endpoints={
            INVOICE_UBL: {
                "url": f"http://127.0.0.1:{_closed_port()}/as4",
                "certificate": peer.certificate.decode(),
                "process": "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
                "smp": "http://127.0.0.1:9/smp",
                "partner": "banco-gone",
            }
        },
        expires=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    message = do_queue_invoice(invoice=invoice)
    outcomes = []
    for _attempt in range(3):
        OutboundMessage.objects.filter(pk=message.pk).update(next_attempt=None)
        outcomes.append(do_send_message(message_pk=message.pk))
    assert outcomes == [OutboundStatus.RETRYING, OutboundStatus.RETRYING, OutboundStatus.FAILED]
    message.refresh_from_db()
    assert message.kind == MessageKind.INVOICE and message.attempts == 3
    assert "Connection refused" in message.last_error
    invoice.refresh_from_db()
    assert invoice.transport == Transport.FAILED
    failed = [e for e in invoice.events.all() if e.kind == EventKind.DELIVERY_FAILED]
    assert len(failed) == 1 and failed[0].data["attempts"] == 3


@pytest.mark.django_db(transaction=True)
def test_one_task_sends_the_other_due_messages_at_the_same_time(
    settings: Any, as4_node: Any, ca: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    settings.EFACTURA_AS4_SEND_THREADS = 3
    peer = ca.issue("POP-BUSY")
    DiscoveryEntry.objects.create(
        participant="9920:ESA39123450",
        endpoints={
            documents_type: {
                "url": f"http://127.0.0.1:{_closed_port()}/as4",
                "certificate": peer.certificate.decode(),
                "process": "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0",
                "smp": "http://127.0.0.1:9/smp",
                "partner": "banco-busy",
            }
            for documents_type in (INVOICE_UBL, MLS)
        },
        expires=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    queued = [
        do_queue_mls(
            sender="9920:ESB98765431", recipient="9920:ESA39123450", reference=f"R{n}", code="AB"
        )
        for n in range(4)
    ]
    assert do_send_message(message_pk=queued[0].pk) == OutboundStatus.RETRYING
    attempted = OutboundMessage.objects.filter(attempts=1, status=OutboundStatus.RETRYING)
    # The task's own message and two others (three threads); the fourth waits for its task.
    assert attempted.count() == 3
    waiting = OutboundMessage.objects.get(attempts=0)
    taken = [m.pk for m in attempted if m.pk != queued[0].pk]
    assert do_send_message(message_pk=taken[0]) == "skipped"
    OutboundMessage.objects.filter(pk=waiting.pk).update(next_attempt=None)
    settings.EFACTURA_AS4_SEND_THREADS = 1
    assert do_send_message(message_pk=waiting.pk) == OutboundStatus.RETRYING
