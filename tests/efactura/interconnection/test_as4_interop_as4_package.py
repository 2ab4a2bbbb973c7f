"""Interoperability with the ``as4`` package, an independent Peppol AS4 implementation.

efactura's message layer (:mod:`efactura.interconnection.wire`) is its own; the ``as4``
package checks it from outside in both directions:

- the ``as4`` package builds, signs and encrypts a message; efactura's endpoint accepts it and
  the ``as4`` package verifies efactura's receipt (also in ``test_as4_receive``, whose partner
  access point is the ``as4`` package);
- efactura builds a message that the ``as4`` package's receiving side parses, verifies,
  decrypts and decompresses, and efactura verifies the ``as4`` package's signed receipt (and
  reads its signed ebMS errors).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from as4 import AS4LocalPrivateKey, SecurityPolicy, pinned_certificates
from as4.peppol import PeppolAS4Profile, PeppolReceivingExchange, create_peppol_internal_party
from as4.profiles.peppol.profile import certificate_names_the_sender
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from tests.efactura.interconnection.sender import PartnerAP, signal_errors
from tests.efactura.interconnection.testpki import Issued

from efactura.interconnection import pki, transport, wire
from efactura.interconnection.choices import BILLING_PROCESS, INVOICE_UBL, PING_PROCESS

SELLER = "9920:ESB28015865"
BUYER = "9920:ESA39123450"
UBL = b'<?xml version="1.0" encoding="UTF-8"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>X-1</ID></Invoice>'  # noqa: E501


def _partner_receiver(issued: Issued, sender_certificate: x509.Certificate) -> Any:
    key = serialization.load_pem_private_key(issued.key, None)
    party = create_peppol_internal_party(
        issued.cn,
        x509.load_pem_x509_certificate(issued.certificate),
        AS4LocalPrivateKey(key),  # type: ignore[arg-type]
    )
    policy = SecurityPolicy(
        signer_resolver=certificate_names_the_sender(pinned_certificates(sender_certificate))
    )
    return party, policy


def _build(partner_issued: Issued, *, process: str = BILLING_PROCESS) -> transport.Outgoing:
    return transport.build(
        payload=UBL,
        message_id=f"{uuid.uuid4()}@efactura",
        sender=SELLER,
        recipient=BUYER,
        document_type=INVOICE_UBL,
        process=process,
        instance_id=str(uuid.uuid4()),
        receiver_certificate=x509.load_pem_x509_certificate(partner_issued.certificate),
    )


@pytest.mark.django_db
def test_the_as4_package_reads_our_message_and_we_verify_its_receipt(
    as4_node: Any, partner_issued: Issued
) -> None:
    outgoing = _build(partner_issued)
    party, policy = _partner_receiver(partner_issued, pki.credential().certificate)
    exchange = PeppolReceivingExchange(profile=PeppolAS4Profile, local_party=party).receive(
        request_headers=outgoing.headers, request_body=outgoing.body, security_policy=policy
    )
    message = exchange.message
    assert message.parse_error is None
    assert (message.sender, message.recipient) == (SELLER, BUYER)
    assert message.document_type_identifier_value == INVOICE_UBL
    assert message.process_identifier == BILLING_PROCESS
    assert message.message_id == outgoing.message_id
    [sbd] = message.decrypted_data.values()
    assert bytes(sbd).endswith(UBL.split(b"\n", 1)[1] + b"</StandardBusinessDocument>")
    _headers, answer = exchange.build_signal()
    assert transport.check_receipt(outgoing, answer).successful


@pytest.mark.django_db
def test_a_receipt_for_another_message_or_tampered_is_not_proof(
    as4_node: Any, partner_issued: Issued
) -> None:
    first, second = _build(partner_issued), _build(partner_issued)
    party, policy = _partner_receiver(partner_issued, pki.credential().certificate)
    exchange = PeppolReceivingExchange(profile=PeppolAS4Profile, local_party=party).receive(
        request_headers=first.headers, request_body=first.body, security_policy=policy
    )
    _headers, answer = exchange.build_signal()
    with pytest.raises(wire.ReceiptError, match="refers to"):
        transport.check_receipt(second, answer)
    tampered = answer.replace(b"<eb3:Timestamp>2", b"<eb3:Timestamp>1", 1)
    assert tampered != answer
    with pytest.raises(wire.ReceiptError, match="signature"):
        transport.check_receipt(first, tampered)


@pytest.mark.django_db
def test_the_as4_package_refuses_a_message_for_another_key_and_we_read_its_error(
    as4_node: Any, partner_issued: Issued, ca: Any
) -> None:
    other = ca.issue("POP-OTHER")
    outgoing = _build(partner_issued)
    # A receiver that is not the one we encrypted for (another key) cannot decrypt.
    party, policy = _partner_receiver(partner_issued, pki.credential().certificate)
    party_other = create_peppol_internal_party(
        partner_issued.cn,
        x509.load_pem_x509_certificate(other.certificate),
        AS4LocalPrivateKey(serialization.load_pem_private_key(other.key, None)),  # type: ignore[arg-type]
    )
    exchange = PeppolReceivingExchange(profile=PeppolAS4Profile, local_party=party_other).receive(
        request_headers=outgoing.headers, request_body=outgoing.body, security_policy=policy
    )
    assert exchange.message.parse_error is not None
    _headers, answer = exchange.build_signal()
    # Signed by a key other than the one we sent to: not a usable answer.
    with pytest.raises(wire.ReceiptError):
        transport.check_receipt(outgoing, answer)
    # The same error signed by the AP we sent to is read as a refusal.
    from as4.profiles.peppol.receipt import PeppolAS4Receipt

    error = PeppolAS4Receipt.create_error_signal_from_exception(
        exception=exchange.message.parse_error,
        local_party=party,
        referenced_message_id=outgoing.message_id,
        referenced_messaging_id=exchange.message.messaging_id,
    )
    signal = transport.check_receipt(outgoing, error.get_request_data()[1])
    assert not signal.successful
    assert signal_errors(error.get_request_data()[1]) == [signal.errors[0][0]]


@pytest.mark.django_db
def test_our_ping_reaches_our_own_endpoint_and_the_receipt_proves_it(
    client: Any, as4_node: Any, partner_issued: Issued, partner: Any, make_company: Any
) -> None:
    """Our sender to our receiver (a partner node with this node's code), with the partner's
    certificate: the ping is answered with a receipt our sender verifies."""
    from tests.efactura.invoices.helpers import company

    company(make_company, "Hostelería Cantábrica, S.A.", BUYER.split(":ES")[1])
    own = pki.credential().certificate
    partner_identity = wire.identity(
        x509.load_pem_x509_certificate(partner_issued.certificate),
        serialization.load_pem_private_key(partner_issued.key, None),  # type: ignore[arg-type]
    )
    document = wire.sbd(
        b"<Ping xmlns='urn:efactura:ping'/>",
        sender=SELLER,
        recipient=BUYER,
        document_type=INVOICE_UBL,
        process=PING_PROCESS,
        instance_id=str(uuid.uuid4()),
        country="ES",
    )
    outgoing = wire.build_message(
        signer=partner_identity,
        receiver_certificate=own,
        message_id=f"{uuid.uuid4()}@partner",
        document=document,
        sender=SELLER,
        recipient=BUYER,
        document_type=INVOICE_UBL,
        process=PING_PROCESS,
    )
    answer = client.post("/as4", data=outgoing.body, content_type=outgoing.headers["Content-Type"])
    assert answer["X-AS4-Outcome"] == "ping"
    assert transport.check_receipt(outgoing, answer.content).successful
    # The as4 package's sender gets the same kind of answer (its own receipt check).
    built = PartnerAP(partner_issued).build(
        b"<Ping xmlns='urn:efactura:ping'/>",
        to_certificate=own,
        sender=SELLER,
        recipient=BUYER,
        document_type=INVOICE_UBL,
        process=PING_PROCESS,
    )
    again = client.post("/as4", data=built.body, content_type=built.headers["Content-Type"])
    built.exchange.receive_signal(again.content)
    assert built.exchange.successful
