"""The AS4 message layer against captured messages of other implementations, and its faults.

- A user message peppol-py sent (captured in the corpus with its TEST-ONLY keys) is unpacked,
  verified and decrypted to exactly the SBD the ``as4`` package decrypted from it.
- Receipts real access points sent (phase4 and others) verify, and the one known to be
  broken does not.
- Tampering with the encrypted payload, a payload that inflates beyond the limit, or a
  message for another access point are refused with the ebMS error for it.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from tests.corpus import CORPUS
from tests.efactura.interconnection.testpki import Issued, TestCA

from efactura.interconnection import wire
from efactura.interconnection.choices import BILLING_PROCESS, INVOICE_UBL

AS4 = CORPUS / "peppol-edelivery" / "examples" / "as4"
PEPPOL_PY = AS4 / "interop-peppol-py-to-as4"


def _identity(certificate: Path | bytes, key: Path | bytes) -> wire.Identity:
    cert = certificate.read_bytes() if isinstance(certificate, Path) else certificate
    pem = key.read_bytes() if isinstance(key, Path) else key
    private = serialization.load_pem_private_key(pem, None)
    return wire.identity(x509.load_pem_x509_certificate(cert), private)  # type: ignore[arg-type]


def _accept(expected: x509.Certificate) -> object:
    def resolve(party_id: str, certificate: x509.Certificate) -> x509.Certificate:
        if certificate != expected or wire.common_name(certificate) != party_id:
            raise wire.UntrustedSigner("not the expected sender")
        return certificate

    return resolve


def test_a_message_peppol_py_sent_is_unpacked_to_the_sbd_it_carried() -> None:
    raw = (PEPPOL_PY / "peppol-py-usermessage.mime").read_bytes()
    head, _sep, body = raw.partition(b"\r\n\r\n")
    content_type = " ".join(head.decode().split()).split("Content-Type: ")[1].split(" MIME")[0]
    me = _identity(
        PEPPOL_PY / "TEST-ONLY-receiver-POP000002.cert.pem",
        PEPPOL_PY / "TEST-ONLY-receiver-POP000002.key.pem",
    )
    sender = x509.load_pem_x509_certificate(
        (PEPPOL_PY / "TEST-ONLY-sender-POP000001.cert.pem").read_bytes()
    )
    received = wire.receive(
        content_type,
        body,
        recipient_identity=me,
        resolve_signer=_accept(sender),  # type: ignore[arg-type]
    )
    assert received.error is None
    assert received.party_from == "POP000001"
    assert received.process == BILLING_PROCESS
    assert received.document == (PEPPOL_PY / "received-sbd.xml").read_bytes()
    # Its receipt repeats the three references peppol-py signed (Messaging, Body, payload).
    receipt = etree.fromstring(wire.receipt(received, me))
    assert len(receipt.findall(".//{http://www.w3.org/2000/09/xmldsig#}Reference")) == 3 + 2


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("helger.as4in", True),
        ("governikus.as4in", True),
        ("dataport1-mustunderstand.as4in", True),
        ("dataport1.as4in", False),
    ],
)
def test_receipts_of_other_access_points_verify(name: str, valid: bool) -> None:
    raw = (AS4 / "real-receipts" / name).read_bytes()
    root = etree.fromstring(raw[raw.find(b"<?xml") :])
    security = root.find("S12:Header/wsse:Security", wire._NS)
    assert security is not None
    if valid:
        checked = wire._check_signature(root, security, lambda c: c, wire._ids(root))
        assert len(checked.references) == 2
    else:
        with pytest.raises(wire.AS4Error, match="digest"):
            wire._check_signature(root, security, lambda c: c, wire._ids(root))


@pytest.fixture(scope="module")
def pair() -> tuple[Issued, Issued]:
    ca = TestCA()
    return ca.issue("POP-ONE"), ca.issue("POP-TWO")


def _message(one: Issued, two: Issued, document: bytes | None = None) -> wire.Outgoing:
    sbd = document or wire.sbd(
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'/>",
        sender="9920:ESB28015865",
        recipient="9920:ESA39123450",
        document_type=INVOICE_UBL,
        process=BILLING_PROCESS,
        instance_id=str(uuid.uuid4()),
        country="ES",
    )
    return wire.build_message(
        signer=_identity(one.certificate, one.key),
        receiver_certificate=x509.load_pem_x509_certificate(two.certificate),
        message_id=f"{uuid.uuid4()}@test",
        document=sbd,
        sender="9920:ESB28015865",
        recipient="9920:ESA39123450",
        document_type=INVOICE_UBL,
        process=BILLING_PROCESS,
    )


def _receive(outgoing: wire.Outgoing, one: Issued, two: Issued, **kwargs: object) -> wire.Received:
    return wire.receive(
        outgoing.headers["Content-Type"],
        outgoing.body,
        recipient_identity=_identity(two.certificate, two.key),
        resolve_signer=_accept(x509.load_pem_x509_certificate(one.certificate)),  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def test_round_trip_and_the_receipt_proves_it(pair: tuple[Issued, Issued]) -> None:
    one, two = pair
    outgoing = _message(one, two)
    received = _receive(outgoing, one, two)
    assert received.error is None and received.sender == "9920:ESB28015865"
    signal = wire.check_signal(
        outgoing, wire.receipt(received, _identity(two.certificate, two.key))
    )
    assert signal.successful


def test_tampered_ciphertext_is_a_decryption_failure(pair: tuple[Issued, Issued]) -> None:
    one, two = pair
    outgoing = _message(one, two)
    body = bytearray(outgoing.body)
    body[-60] ^= 0x01  # inside the encrypted attachment
    outgoing.body = bytes(body)
    received = _receive(outgoing, one, two)
    assert received.error is not None and received.error.code == "EBMS:0102"
    error = wire.error_signal(
        received.error, _identity(two.certificate, two.key), ref_to=received.message_id
    )
    assert wire.check_signal(outgoing, error).errors[0][0] == "EBMS:0102"


def test_a_payload_inflating_beyond_the_limit_is_refused(pair: tuple[Issued, Issued]) -> None:
    one, two = pair
    big = wire.sbd(
        b"<Invoice xmlns='urn:x'>" + b" " * 200_000 + b"</Invoice>",
        sender="9920:ESB28015865",
        recipient="9920:ESA39123450",
        document_type=INVOICE_UBL,
        process=BILLING_PROCESS,
        instance_id="1",
        country="ES",
    )
    received = _receive(_message(one, two, big), one, two, maximum_size=100_000)
    assert received.error is not None and received.error.code == "EBMS:0303"


def test_a_message_for_another_access_point_is_refused(pair: tuple[Issued, Issued]) -> None:
    one, two = pair
    outgoing = _message(one, two)
    received = wire.receive(
        outgoing.headers["Content-Type"],
        outgoing.body,
        recipient_identity=_identity(one.certificate, one.key),
        resolve_signer=_accept(x509.load_pem_x509_certificate(one.certificate)),  # type: ignore[arg-type]
    )
    assert received.error is not None and received.error.code == "EBMS:0003"


def test_mime_parts_with_lf_line_ends_and_base64_are_read() -> None:
    body = (
        b"preamble\n--b1\nContent-Type: application/soap+xml\n\n<soap/>\n"
        b"--b1\nContent-Type: application/octet-stream\nContent-ID: <a@b>\n"
        b"Content-Transfer-Encoding: base64\n\naGVsbG8=\n--b1--\n"
    )
    soap, attachments = wire.split_related('multipart/related; boundary="b1"', body)
    assert soap == b"<soap/>" and attachments == {"a@b": b"hello"}
    with pytest.raises(wire.AS4Error, match="boundary"):
        wire.split_related("multipart/related", body)
