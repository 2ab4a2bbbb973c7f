"""Builders for the federation tests: a fake peer node that signs like a real one, and signed
Facturae invoices made by the real issuing pipeline (without storing them)."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.efactura.invoices.helpers import draft

from efactura.companies.models import Company
from efactura.federation import protocol
from efactura.invoices.services import seller_party
from einvoice import formats, totals
from einvoice import model as em
from einvoice.identifiers import participant_id

LOCAL_NODE = "node-b"


class FakePeer:
    """Another platform as the node under test sees it: an id, a URL and a signing key."""

    def __init__(self, node_id: str = "node-a", url: str = "http://node-a.test") -> None:
        self.node_id = node_id
        self.url = url
        self.key = Ed25519PrivateKey.generate()

    @property
    def public_key(self) -> str:
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode()

    def entry(self) -> dict[str, str]:
        return {"id": self.node_id, "url": self.url, "public_key": self.public_key}

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.key.sign(data)).decode()

    def envelope(
        self,
        payload: bytes,
        *,
        invoice: dict[str, str],
        seller_tax_id: str,
        buyer_tax_id: str,
        kind: str = protocol.KIND_INVOICE,
        message_id: str | None = None,
        receiver: str = LOCAL_NODE,
        sent: dt.datetime | None = None,
        document_type: str = "facturae/3.2.2",
    ) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        return protocol.build_envelope(
            message_id=message_id or str(uuid.uuid4()),
            kind=kind,
            sender=self.node_id,
            receiver=receiver,
            sender_participant=participant_id(seller_tax_id),
            receiver_participant=participant_id(buyer_tax_id),
            document_type=document_type,
            invoice=invoice,
            payload=payload,
            created=now,
            sent=sent or now,
        )

    def headers(
        self, envelope: dict[str, Any], *, signer: FakePeer | None = None
    ) -> dict[str, str]:
        raw, header = protocol.encode_envelope(envelope)
        return {
            protocol.ENVELOPE_HEADER: header,
            protocol.SIGNATURE_HEADER: (signer or self).sign(raw),
        }


def signed_facturae(
    seller: Company, buyer_tax_id: str, *, series: str = "F26", number: str = "000001"
) -> tuple[bytes, em.Invoice]:
    """A Facturae 3.2.2 of ``seller`` signed with the platform seal, as issuing makes it."""
    from efactura.signing.services import sign_for_company

    prepared = dataclasses.replace(
        draft(buyer_tax_id), series=series, number=number, seller=seller_party(seller)
    )
    computed = totals.compute(prepared)
    xml = formats.render("facturae", [computed])
    signed, _report = sign_for_company(company=seller, xml=xml)
    return signed, computed


def reference(invoice: em.Invoice) -> dict[str, str]:
    return protocol.invoice_reference(
        seller_tax_id=invoice.seller.tax_id,
        series=invoice.series,
        number=invoice.number,
        issue_date=invoice.issue_date,
    )


class StubPeer(FakePeer):
    """A peer platform on a real localhost HTTP port, scripted by the test.

    It checks every message's signature with the node-under-test's public key, remembers
    what it received, and answers discovery and messages as ``answers`` says: a list of
    ``"accept"``, ``"reject"``, ``"503"``, ``"403"``, ``"badsig"`` consumed one per message
    (the last one repeats).
    """

    def __init__(self, node_id: str = "node-b") -> None:
        import http.server
        import threading

        super().__init__(node_id, url="")
        self.served: set[str] = set()
        self.answers: list[str] = ["accept"]
        self.received: list[tuple[dict[str, Any], bytes, str]] = []
        self.queries: list[str] = []
        self.sender_key = ""
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                participant = self.path.rsplit("/", 1)[-1]
                stub.queries.append(participant)
                answer = {
                    "participant": participant,
                    "served": participant in stub.served,
                    "node": stub.node_id,
                    "answered": protocol.utc_text(dt.datetime.now(dt.UTC)),
                }
                sig = stub.sign(protocol.canonical_json(answer))
                self._send(200, protocol.signed_body("answer", answer, sig))

            def do_POST(self) -> None:
                from efactura.federation import identity

                payload = self.rfile.read(int(self.headers["Content-Length"]))
                raw, envelope = protocol.decode_envelope(self.headers[protocol.ENVELOPE_HEADER])
                valid = identity.verify(
                    public_key=stub.sender_key,
                    signature=self.headers[protocol.SIGNATURE_HEADER],
                    data=raw,
                )
                stub.received.append((envelope, payload, "valid" if valid else "invalid"))
                mode = stub.answers.pop(0) if len(stub.answers) > 1 else stub.answers[0]
                if mode == "503":
                    self._send(503, b'{"error": "busy", "message": "Maintenance"}')
                    return
                if mode == "403":
                    self._send(403, b'{"error": "FED-UNKNOWN-PEER", "message": "Who are you?"}')
                    return
                receipt = {
                    "version": 1,
                    "message_id": envelope["message_id"],
                    "node": stub.node_id,
                    "status": "rejected" if mode == "reject" else "accepted",
                    "invoice": envelope["invoice"],
                    "violations": [
                        {
                            "rule": "BR-CO-15",
                            "message": "Invoice total is wrong.",
                            "message_es": "El total de la factura es erróneo.",
                        }
                    ]
                    if mode == "reject"
                    else [],
                    "received": protocol.utc_text(dt.datetime.now(dt.UTC)),
                }
                signer = FakePeer() if mode == "badsig" else stub
                sig = signer.sign(protocol.canonical_json(receipt))
                self._send(200, protocol.signed_body("receipt", receipt, sig))

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
