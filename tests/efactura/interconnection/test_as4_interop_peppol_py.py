"""Interoperability: peppol-py, an AS4 sender efactura does not use, delivers a Peppol BIS
invoice to a running efactura and the receipt efactura answers with is checked.

peppol-py (0BSD) is used as a test-only sender with three adaptations, none of which touch
its message building: its SML DNS lookup is pointed at efactura's SMP on localhost (it only
knows the Peppol SMLs), its receiver-certificate check trusts the test CA instead of
OpenPeppol's PKI with online revocation, and its ``xmlsec1`` command is a python-xmlsec
stand-in (``xmlsec1_shim.py``) because Debian 12's xmlsec1 is older than the 1.3 it needs.

peppol-py itself only checks "HTTP 200 and a Receipt"; the receipt is verified here further
with python-xmlsec directly (not with the ``as4`` package efactura uses): its WS-Security
signature with efactura's certificate, its reference to peppol-py's MessageId, and
non-repudiation information echoing every reference peppol-py signed.
"""

from __future__ import annotations

import base64
import email
import email.policy
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from tests.efactura.interconnection.testpki import Issued, TestCA
from tests.efactura.invoices.helpers import BUYER_TAX_ID, company, external_invoice

from efactura.invoices.models import Invoice
from einvoice import formats

peppol_py = pytest.importorskip("peppol_py")
xmlsec = pytest.importorskip("xmlsec")

EB = "http://docs.oasis-open.org/ebxml-msg/ebms/v3.0/ns/core/200704/"
DS = "http://www.w3.org/2000/09/xmldsig#"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
EBBP = "http://docs.oasis-open.org/ebxml-bp/ebbp-signals-2.0"


def _shim(folder: Path) -> Path:
    script = folder / "xmlsec1"
    source = Path(__file__).with_name("xmlsec1_shim.py")
    script.write_text(f"#!{sys.executable}\n" + source.read_text())
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def _trusting(ca: TestCA) -> Any:
    def validate_certificate(cert: bytes, test: bool) -> None:
        certificate = x509.load_pem_x509_certificate(cert)
        certificate.verify_directly_issued_by(ca.certificate)

    return validate_certificate


def _soap_part(request: bytes, content_type: str) -> bytes:
    # peppol-py's body carries its own MIME headers; add the HTTP one only if it does not.
    if not request.lower().startswith(b"content-type"):
        request = f"Content-Type: {content_type}\r\n\r\n".encode() + request
    message = email.message_from_bytes(request, policy=email.policy.default)
    first = next(iter(message.iter_parts()))
    payload = first.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload


def _verify_receipt(receipt: bytes, *, node_certificate: x509.Certificate, soap: bytes) -> None:
    root = etree.fromstring(receipt)
    signal = root.find(f".//{{{EB}}}SignalMessage")
    assert signal is not None
    sent = etree.fromstring(soap)
    sent_id = sent.findtext(f".//{{{EB}}}UserMessage/{{{EB}}}MessageInfo/{{{EB}}}MessageId")
    assert signal.findtext(f"{{{EB}}}MessageInfo/{{{EB}}}RefToMessageId") == sent_id
    # Non-repudiation: every reference peppol-py signed comes back with the same digest.
    sent_digests = {
        r.get("URI"): r.findtext(f"{{{DS}}}DigestValue")
        for r in sent.iter(f"{{{DS}}}Reference")
        if r.getparent().tag == f"{{{DS}}}SignedInfo"
    }
    echoed = {
        r.get("URI"): r.findtext(f"{{{DS}}}DigestValue")
        for r in signal.iter(f"{{{DS}}}Reference")
        if r.getparent().tag == f"{{{EBBP}}}MessagePartNRInformation"
    }
    assert echoed == sent_digests and len(echoed) >= 3
    # The signature is efactura's, checked with python-xmlsec and the published certificate.
    token = root.find(f".//{{{WSSE}}}BinarySecurityToken")
    assert token is not None
    der = node_certificate.public_bytes(serialization.Encoding.DER)
    assert base64.b64decode(token.text or "") == der
    xmlsec.tree.add_ids(root, ["Id"])
    signature = root.find(f".//{{{DS}}}Signature")
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(
        node_certificate.public_bytes(serialization.Encoding.PEM), xmlsec.KeyFormat.CERT_PEM
    )
    context.verify(signature)


@pytest.mark.django_db(transaction=True)
def test_peppol_py_delivers_a_bis_invoice_and_accepts_the_signed_receipt(
    live_server: Any,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    ca: TestCA,
    as4_node: Any,
    partner: Any,
    partner_issued: Issued,
    make_company: Any,
) -> None:
    buyer = company(make_company, "Hostelería Cantábrica, S.A.", BUYER_TAX_ID)
    settings.EFACTURA_BASE_URL = live_server.url
    smp_base = f"{live_server.url}/smp"
    monkeypatch.setattr(
        peppol_py.smp,
        "get_smp_url_from_dns",
        lambda participant, test: f"{smp_base}/iso6523-actorid-upis::{participant}",
    )
    monkeypatch.setattr(peppol_py.sender, "validate_certificate", _trusting(ca))
    exchanged: list[tuple[bytes, bytes]] = []
    original_post = peppol_py.as4_sender.requests.post

    def recording_post(url: str, data: bytes, **kwargs: Any) -> Any:
        answer = original_post(url, data=data, **kwargs)
        exchanged.append((_soap_part(data, kwargs["headers"]["Content-Type"]), answer.content))
        return answer

    monkeypatch.setattr(peppol_py.as4_sender.requests, "post", recording_post)
    key_file, cert_file = tmp_path / "partner.key.pem", tmp_path / "partner.cert.pem"
    key_file.write_bytes(partner_issued.key)
    cert_file.write_bytes(partner_issued.certificate)

    invoice = formats.render("ubl", [external_invoice("PPY-0001")])
    stats = peppol_py.send_peppol_document(
        invoice,
        xmlsec_path=str(_shim(tmp_path)),
        keyfile=str(key_file),
        keyfile_password=None,
        certfile=str(cert_file),
        document_type_version="2.1",
        test_environment=True,
        timeout=60,
    )
    assert stats["receiver_common_name"] == "POP-LOCAL"
    [stored] = Invoice.objects.filter(recipient=buyer)
    assert stored.full_number == "PPY-0001" and stored.origin == "peer"
    [(request, receipt)] = exchanged
    _verify_receipt(receipt, node_certificate=as4_node.certificate, soap=request)
