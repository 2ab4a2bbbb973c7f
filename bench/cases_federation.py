"""Benchmark cases for the federation wire format (``efactura.federation.protocol``).

The document is the corpus invoice ``omeuid/Facturae-3.2.2-valid.xml``.  "envelope: build +
sign" is what the sender does per attempt (SHA-256 of the document, canonical JSON,
Ed25519 signature); "envelope: authenticate" is what the receiver does before believing
anything (base64url + JSON decode, signature verification, SHA-256 of the body); "receipt:
sign + verify" is one receipt round.  Validation and storage of the invoice on arrival are
measured by the validation and signing benchmarks; HTTP and the database are not measured.
"""

from __future__ import annotations

import datetime as dt
import uuid

from bench import Case
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.corpus import samples

from efactura.federation import protocol


def cases() -> list[Case]:
    [path] = [p for p in samples("facturae", "samples") if p.name == "Facturae-3.2.2-valid.xml"]
    document = path.read_bytes()
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    now = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    reference = protocol.invoice_reference(
        seller_tax_id="ESB28015865", series="A", number="1", issue_date="2026-03-02"
    )

    def build_and_sign() -> tuple[str, bytes]:
        envelope = protocol.build_envelope(
            message_id=str(uuid.uuid4()),
            kind=protocol.KIND_INVOICE,
            sender="bank-a",
            receiver="bank-b",
            sender_participant="9920:ESB28015865",
            receiver_participant="9920:ESA39123450",
            document_type="facturae/3.2.2",
            invoice=reference,
            payload=document,
            created=now,
            sent=now,
        )
        raw, header = protocol.encode_envelope(envelope)
        return header, key.sign(raw)

    header, signature = build_and_sign()

    def authenticate() -> object:
        raw, envelope = protocol.decode_envelope(header)
        public.verify(signature, raw)
        assert envelope["sha256"] == protocol.sha256_hex(document)
        return protocol.fingerprint(envelope)

    receipt = {
        "version": 1,
        "message_id": str(uuid.uuid4()),
        "node": "bank-b",
        "status": "accepted",
        "invoice": reference,
        "violations": [],
        "received": protocol.utc_text(now),
    }

    def receipt_round() -> object:
        body = protocol.signed_body(
            "receipt", receipt, key.sign(protocol.canonical_json(receipt)).hex()
        )
        content, canonical, sig = protocol.read_signed_body("receipt", body)
        public.verify(bytes.fromhex(sig), canonical)
        return content

    note = f"{path.name} ({len(document):,} bytes), Ed25519"
    return [
        Case("federation", "envelope: build + sign", build_and_sign, unit="msgs", setup_note=note),
        Case("federation", "envelope: authenticate", authenticate, unit="msgs", setup_note=note),
        Case("federation", "receipt: sign + verify", receipt_round, unit="msgs", setup_note=note),
    ]
