"""Revocation of partners' certificates: the test CA publishes a CRL and answers OCSP over
HTTP on a free port of localhost; a revoked partner is refused with EBMS:0101, a good one
passes, answers are cached, and an unreachable responder is soft- or hard-fail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography import x509
from django.core.exceptions import ValidationError
from tests.efactura.interconnection.sender import PartnerAP, signal_errors
from tests.efactura.interconnection.testpki import Issued, TestCA
from tests.efactura.invoices.helpers import BUYER_TAX_ID, company, external_invoice

from efactura.interconnection import pki, revocation
from efactura.interconnection.choices import BILLING_PROCESS, INVOICE_UBL
from efactura.interconnection.models import InboundMessage
from efactura.interconnection.pki import UntrustedSignerError
from efactura.interconnection.services import do_add_partner
from efactura.invoices.models import Invoice
from einvoice import formats


class Responder:
    """The CA's CRL (``GET /ca.crl``) and OCSP responder (``POST /ocsp``)."""

    def __init__(self, ca: TestCA) -> None:
        self.ca = ca
        self.revoked: list[Issued] = []
        self.hits: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                owner.hits.append("crl")
                self._answer(owner.ca.crl(owner.revoked), "application/pkix-crl")

            def do_POST(self) -> None:
                owner.hits.append("ocsp")
                request = self.rfile.read(int(self.headers["Content-Length"]))
                self._answer(
                    owner.ca.ocsp_answer(request, owner.revoked), "application/ocsp-response"
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def responder(ca: TestCA) -> Iterator[Responder]:
    revocation.clear_cache()
    served = Responder(ca)
    yield served
    served.stop()
    revocation.clear_cache()


def _cert(issued: Issued) -> x509.Certificate:
    return x509.load_pem_x509_certificate(issued.certificate)


def test_crl_refuses_a_revoked_certificate_and_passes_a_good_one(
    ca: TestCA, responder: Responder
) -> None:
    good = ca.issue("POP-GOOD", crl_url=f"{responder.url}/ca.crl")
    bad = ca.issue("POP-BAD", crl_url=f"{responder.url}/ca.crl")
    responder.revoked = [bad]
    revocation.check(_cert(good), ca.certificate)
    with pytest.raises(revocation.CertificateRevoked, match=r"POP-BAD.*is revoked \(CRL"):
        revocation.check(_cert(bad), ca.certificate)
    # One CRL download served both certificates; the answers are cached.
    revocation.check(_cert(good), ca.certificate)
    assert responder.hits == ["crl"]


def test_ocsp_is_asked_first_and_cached(ca: TestCA, responder: Responder) -> None:
    good = ca.issue("POP-OCSP-GOOD", ocsp_url=f"{responder.url}/ocsp", crl_url=f"{responder.url}/c")
    bad = ca.issue("POP-OCSP-BAD", ocsp_url=f"{responder.url}/ocsp")
    responder.revoked = [bad]
    revocation.check(_cert(good), ca.certificate)
    revocation.check(_cert(good), ca.certificate)
    with pytest.raises(revocation.CertificateRevoked, match="OCSP"):
        revocation.check(_cert(bad), ca.certificate)
    assert responder.hits == ["ocsp", "ocsp"]


def test_a_forged_ocsp_answer_is_not_believed(
    ca: TestCA, responder: Responder, settings: Any
) -> None:
    other = TestCA("another CA")
    responder.ca = other  # answers signed by a CA that did not issue the certificate
    issued = ca.issue("POP-FORGED", ocsp_url=f"{responder.url}/ocsp")
    settings.EFACTURA_AS4_REVOCATION = "hard"
    with pytest.raises(revocation.CertificateRevoked, match="could not be checked"):
        revocation.check(_cert(issued), ca.certificate)


def test_unreachable_responder_soft_and_hard_fail(ca: TestCA, settings: Any) -> None:
    revocation.clear_cache()
    issued = ca.issue("POP-NOWHERE", crl_url="http://127.0.0.1:9/ca.crl")
    settings.EFACTURA_AS4_REVOCATION = "soft"
    revocation.check(_cert(issued), ca.certificate)
    settings.EFACTURA_AS4_REVOCATION = "hard"
    with pytest.raises(revocation.CertificateRevoked, match="could not be checked"):
        revocation.check(_cert(issued), ca.certificate)
    settings.EFACTURA_AS4_REVOCATION = "off"
    revocation.check(_cert(issued), ca.certificate)


def test_certificates_without_revocation_information_pass(ca: TestCA, settings: Any) -> None:
    settings.EFACTURA_AS4_REVOCATION = "hard"
    revocation.check(_cert(ca.issue("POP-PLAIN")), ca.certificate)


@pytest.mark.django_db
def test_no_responder_is_asked_inside_a_transaction(
    ca: TestCA, responder: Responder, settings: Any
) -> None:
    issued = ca.issue("POP-ATOMIC", crl_url=f"{responder.url}/ca.crl")
    settings.EFACTURA_AS4_REVOCATION = "hard"
    with pytest.raises(revocation.CertificateRevoked, match="inside a database transaction"):
        revocation.check(_cert(issued), ca.certificate)
    assert responder.hits == []


@pytest.mark.django_db(transaction=True)
def test_a_revoked_partner_cannot_be_registered(
    as4_node: Any, ca: TestCA, responder: Responder
) -> None:
    bad = ca.issue("POP-REVOKED-REG", crl_url=f"{responder.url}/ca.crl")
    responder.revoked = [bad]
    with pytest.raises(ValidationError, match="is revoked"):
        do_add_partner(name="x", smp_url="http://127.0.0.1:9/smp", certificate_pem=bad.certificate)
    with pytest.raises(UntrustedSignerError, match="is revoked"):
        pki.check_trusted(_cert(bad))


@pytest.mark.django_db(transaction=True)
def test_message_from_a_revoked_partner_is_refused_with_an_ebms_error(
    client: Any, as4_node: Any, ca: TestCA, responder: Responder, make_company: Any
) -> None:
    company(make_company, "Hostelería Cantábrica, S.A.", BUYER_TAX_ID)
    issued = ca.issue("POP-LATER-REVOKED", ocsp_url=f"{responder.url}/ocsp")
    do_add_partner(
        name="banco-r", smp_url="http://127.0.0.1:9/smp", certificate_pem=issued.certificate
    )
    ap = PartnerAP(issued)

    def send(number: str) -> Any:
        built = ap.build(
            formats.render("ubl", [external_invoice(number)]),
            to_certificate=as4_node.certificate,
            sender="9920:ESB28015865",
            recipient=f"9920:ES{BUYER_TAX_ID}",
            document_type=INVOICE_UBL,
            process=BILLING_PROCESS,
        )
        return client.post("/as4", data=built.body, content_type=built.headers["Content-Type"])

    first = send("REV-1")
    assert first["X-AS4-Outcome"] == "stored"
    # The CA revokes the partner's certificate; once the cached answer expires, it is refused.
    responder.revoked = [issued]
    revocation.clear_cache()
    second = send("REV-2")
    assert second["X-AS4-Outcome"] == "error"
    assert "EBMS:0101" in signal_errors(second.content)
    assert list(Invoice.objects.values_list("full_number", flat=True)) == ["REV-1"]
    assert InboundMessage.objects.count() == 1
