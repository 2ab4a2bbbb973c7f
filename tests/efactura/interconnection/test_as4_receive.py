"""The inbound AS4 endpoint: trust, integrity, duplicate elimination, one inbound pipeline."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tests.efactura.interconnection.sender import PartnerAP, is_receipt, signal_errors
from tests.efactura.interconnection.testpki import Issued, TestCA
from tests.efactura.invoices.helpers import BUYER_TAX_ID, company, external_invoice

from efactura.interconnection.choices import BILLING_PROCESS, INVOICE_UBL
from efactura.interconnection.models import InboundMessage
from efactura.invoices.models import Invoice
from einvoice import formats

pytestmark = pytest.mark.django_db

BUYER = f"9920:ES{BUYER_TAX_ID}"
SELLER = "9920:ESB28015865"


@pytest.fixture
def buyer(make_company: Any, as4_node: Any) -> Any:
    return company(make_company, "Hostelería Cantábrica, S.A.", BUYER_TAX_ID)


def _ubl(number: str = "EXT-1") -> bytes:
    return formats.render("ubl", [external_invoice(number)])


def _post(client: Any, built: Any) -> Any:
    return client.post("/as4", data=built.body, content_type=built.headers["Content-Type"])


def _send(client: Any, ap: PartnerAP, node: Any, payload: bytes, **kwargs: Any) -> tuple[Any, Any]:
    built = ap.build(
        payload,
        to_certificate=node.certificate,
        sender=kwargs.pop("sender", SELLER),
        recipient=kwargs.pop("recipient", BUYER),
        document_type=kwargs.pop("document_type", INVOICE_UBL),
        process=kwargs.pop("process", BILLING_PROCESS),
        **kwargs,
    )
    return built, _post(client, built)


def test_invoice_arrives_through_the_import_pipeline_with_a_signed_receipt(
    client: Any, as4_node: Any, partner: Any, buyer: Any, partner_issued: Issued
) -> None:
    ap = PartnerAP(partner_issued)
    built, answer = _send(client, ap, as4_node, _ubl())
    assert answer.status_code == 200
    assert answer["X-AS4-Outcome"] == "stored"
    # The partner verifies the receipt: our signature, its MessageId, non-repudiation.
    built.exchange.receive_signal(answer.content)
    assert built.exchange.successful
    [invoice] = Invoice.objects.filter(recipient=buyer)
    assert invoice.full_number == "EXT-1"
    assert invoice.origin == "peer" and invoice.route_detail == "banco-b"
    assert [e.kind for e in invoice.events.all()] == ["imported"]


def test_replayed_message_id_gets_a_receipt_and_no_duplicate(
    client: Any, as4_node: Any, partner: Any, buyer: Any, partner_issued: Issued
) -> None:
    ap = PartnerAP(partner_issued)
    message_id = f"{uuid.uuid4()}@partner"
    built, first = _send(client, ap, as4_node, _ubl(), message_id=message_id)
    assert first["X-AS4-Outcome"] == "stored"
    replay = _post(client, built)
    assert replay.status_code == 200 and is_receipt(replay.content)
    assert replay["X-AS4-Outcome"] == "duplicate"
    # A retry built anew with the same MessageId (as a sender's retry is) is also answered.
    rebuilt, again = _send(client, ap, as4_node, _ubl(), message_id=message_id)
    rebuilt.exchange.receive_signal(again.content)
    assert rebuilt.exchange.successful
    assert Invoice.objects.filter(recipient=buyer).count() == 1
    assert InboundMessage.objects.filter(message_id=message_id).count() == 1


def test_tampered_signature_gets_an_error_and_nothing_is_stored(
    client: Any, as4_node: Any, partner: Any, buyer: Any, partner_issued: Issued
) -> None:
    ap = PartnerAP(partner_issued)
    built = ap.build(
        _ubl(),
        to_certificate=as4_node.certificate,
        sender=SELLER,
        recipient=BUYER,
        document_type=INVOICE_UBL,
        process=BILLING_PROCESS,
    )
    conversation = built.exchange.conversation_id.encode()
    built.body = built.body.replace(conversation, conversation[:-4] + b"dead")
    answer = _post(client, built)
    assert answer.status_code == 200 and not is_receipt(answer.content)
    assert signal_errors(answer.content) == ["EBMS:0101"]
    assert not Invoice.objects.exists() and not InboundMessage.objects.exists()


def test_tampered_payload_gets_an_error_and_nothing_is_stored(
    client: Any, as4_node: Any, partner: Any, buyer: Any, partner_issued: Issued
) -> None:
    ap = PartnerAP(partner_issued)
    built = ap.build(
        _ubl(),
        to_certificate=as4_node.certificate,
        sender=SELLER,
        recipient=BUYER,
        document_type=INVOICE_UBL,
        process=BILLING_PROCESS,
    )
    boundary = built.body.rstrip().rsplit(b"\r\n", 1)[-1]
    head, _tail = built.body.rsplit(boundary, 1)
    # Flip one byte inside the encrypted attachment (just before the closing boundary).
    position = len(head) - 40
    tampered = bytearray(built.body)
    tampered[position] = ord("A") if tampered[position] != ord("A") else ord("B")
    built.body = bytes(tampered)
    answer = _post(client, built)
    assert not is_receipt(answer.content)
    assert signal_errors(answer.content)[0] in {"EBMS:0101", "EBMS:0102", "EBMS:0303"}
    assert not Invoice.objects.exists() and not InboundMessage.objects.exists()


def test_certificate_from_an_untrusted_ca_is_refused(
    client: Any, as4_node: Any, partner: Any, buyer: Any
) -> None:
    stranger = TestCA("Somebody Else's CA").issue("POP-PARTNER")
    answer = _send(client, PartnerAP(stranger), as4_node, _ubl())[1]
    assert signal_errors(answer.content) == ["EBMS:0101"]
    assert not Invoice.objects.exists()


def test_trusted_certificate_of_an_unregistered_partner_is_refused(
    client: Any, as4_node: Any, partner: Any, buyer: Any, ca: TestCA
) -> None:
    unknown = ca.issue("POP-UNKNOWN")
    answer = _send(client, PartnerAP(unknown), as4_node, _ubl())[1]
    assert signal_errors(answer.content) == ["EBMS:0101"]
    assert not Invoice.objects.exists()


def test_recipient_not_served_here_is_not_serviced(
    client: Any, as4_node: Any, partner: Any, buyer: Any, partner_issued: Issued
) -> None:
    answer = _send(
        client, PartnerAP(partner_issued), as4_node, _ubl(), recipient="9920:ESB48123459"
    )[1]
    assert signal_errors(answer.content) == ["EBMS:0004"]
    assert b"PEPPOL:NOT_SERVICED" in answer.content


def test_invalid_invoice_gets_a_receipt_and_a_message_level_status_is_queued(
    client: Any, as4_node: Any, partner: Any, buyer: Any, partner_issued: Issued
) -> None:
    from efactura.interconnection.models import OutboundMessage

    broken = _ubl().replace(b"<cbc:IssueDate>", b"<cbc:IssueDate>x", 1)
    _built, answer = _send(client, PartnerAP(partner_issued), as4_node, broken)
    assert is_receipt(answer.content) and answer["X-AS4-Outcome"] == "rejected"
    assert not Invoice.objects.exists()
    [mls] = OutboundMessage.objects.filter(kind="mls")
    assert mls.recipient_participant == SELLER
    assert b"<cbc:ResponseCode>RE</cbc:ResponseCode>" in bytes(mls.payload)


def test_non_http_garbage_is_answered_in_both_languages(client: Any, as4_node: Any) -> None:
    answer = client.post("/as4", data=b"hello", content_type="text/plain")
    assert answer.status_code == 415
    assert "multipart/related" in answer.content.decode()
    assert "mensaje SOAP" in answer.content.decode()


@pytest.fixture
def issued(make_company: Any, as4_node: Any) -> Any:
    """An invoice issued here by our supplier to a customer on the partner platform."""
    from efactura.invoices.mapping import row_fields

    seller = company(make_company, "Suministros Levante, S.L.", "B98765431")
    return Invoice.objects.create(
        issuer=seller,
        route="peer",
        transport="delivered",
        **row_fields(
            external_invoice("F26-7", seller_tax_id=seller.tax_id, buyer_tax_id="ESA39123450")
        ),
    )


def test_invoice_response_from_the_partner_sets_the_issued_invoice_status(
    client: Any, as4_node: Any, partner: Any, partner_issued: Issued, issued: Any
) -> None:
    from efactura.interconnection import documents
    from efactura.interconnection.choices import INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS

    response = documents.build_invoice_response(
        documents.InvoiceResponse(
            code="RE",
            invoice_number="F26-7",
            invoice_issue_date=issued.issue_date,
            sender="9920:ESA39123450",
            receiver="9920:ESB98765431",
            reason_code="OTH",
            reason="Falta el número de pedido",
        )
    )
    answer = _send(
        client,
        PartnerAP(partner_issued),
        as4_node,
        response,
        sender="9920:ESA39123450",
        recipient="9920:ESB98765431",
        document_type=INVOICE_RESPONSE,
        process=INVOICE_RESPONSE_PROCESS,
    )[1]
    assert is_receipt(answer.content) and answer["X-AS4-Outcome"] == "applied"
    issued.refresh_from_db()
    assert issued.status == "rejected" and issued.rejection_reason == "Falta el número de pedido"
    assert [e.source for e in issued.events.filter(kind="rejected")] == ["peer"]


def test_message_level_status_re_marks_the_delivery_failed(
    client: Any, as4_node: Any, partner: Any, partner_issued: Issued, issued: Any
) -> None:
    from efactura.interconnection import documents
    from efactura.interconnection.choices import MLS, MLS_PROCESS
    from efactura.interconnection.models import OutboundMessage

    sent = OutboundMessage.objects.create(
        kind="invoice",
        invoice=issued,
        sender_participant="9920:ESB98765431",
        recipient_participant="9920:ESA39123450",
        status="delivered",
    )
    status = documents.build_mls(
        documents.MessageLevelStatus(
            code="RE",
            reference=str(sent.instance_id),
            sender="9920:ESA39123450",
            receiver="9920:ESB98765431",
            lines=[("NA", "BV", "[BR-CO-15] Invoice total amount is wrong")],
        )
    )
    answer = _send(
        client,
        PartnerAP(partner_issued),
        as4_node,
        status,
        sender="9920:ESA39123450",
        recipient="9920:ESB98765431",
        document_type=MLS,
        process=MLS_PROCESS,
    )[1]
    assert answer["X-AS4-Outcome"] == "applied"
    issued.refresh_from_db()
    assert issued.transport == "failed"
    [failed] = issued.events.filter(kind="delivery_failed")
    assert "BR-CO-15" in failed.data["error"]
