"""The wire format of federation messages (docs/federation.md), as pure functions.

Nothing here touches the database or settings, so the receiver, the sender, the tests and the
benchmarks share one definition of what is signed and how.

Every signature is Ed25519 over a **canonical JSON** text: UTF-8, keys sorted, no
insignificant whitespace, non-ASCII characters as themselves.  Values are strings, integers,
lists, objects or null, never floats, so every implementation produces the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import Any

VERSION = 1

ENVELOPE_HEADER = "Efactura-Envelope"
"""HTTP header carrying the envelope: base64url of its canonical JSON."""
SIGNATURE_HEADER = "Efactura-Signature"
"""HTTP header carrying the sender's Ed25519 signature (base64) over the envelope bytes."""
NODE_HEADER = "Efactura-Node"
"""Discovery requests: id of the asking node."""
TIME_HEADER = "Efactura-Time"
"""Discovery requests: when the request was signed (ISO 8601, UTC)."""

KIND_INVOICE = "invoice"
KIND_STATUS = "status"
STATUS_DOCUMENT_TYPE = "status/1"

ENVELOPE_FIELDS = frozenset(
    {
        "version",
        "message_id",
        "kind",
        "sender",
        "receiver",
        "sender_participant",
        "receiver_participant",
        "document_type",
        "invoice",
        "sha256",
        "size",
        "created",
        "sent",
    }
)


class ProtocolError(Exception):
    """A message that does not follow the wire format; ``code`` names the rule broken."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def canonical_json(value: Any) -> bytes:
    """The canonical JSON bytes of ``value`` (what signatures cover)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def utc_text(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with seconds precision and a ``Z`` (``2026-03-01T09:30:00Z``)."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise ProtocolError("FED-TIME", f"{text!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise ProtocolError("FED-TIME", f"{text!r} has no time zone.")
    return moment


def invoice_reference(
    *, seller_tax_id: str, series: str, number: str, issue_date: dt.date | str
) -> dict[str, str]:
    """How both platforms name one invoice: seller, series, number and issue date."""
    day = issue_date if isinstance(issue_date, str) else issue_date.isoformat()
    return {
        "seller_tax_id": seller_tax_id,
        "series": series,
        "number": number,
        "issue_date": day,
    }


def build_envelope(
    *,
    message_id: str,
    kind: str,
    sender: str,
    receiver: str,
    sender_participant: str,
    receiver_participant: str,
    document_type: str,
    invoice: dict[str, str],
    payload: bytes,
    created: dt.datetime,
    sent: dt.datetime,
) -> dict[str, Any]:
    return {
        "version": VERSION,
        "message_id": message_id,
        "kind": kind,
        "sender": sender,
        "receiver": receiver,
        "sender_participant": sender_participant,
        "receiver_participant": receiver_participant,
        "document_type": document_type,
        "invoice": invoice,
        "sha256": sha256_hex(payload),
        "size": len(payload),
        "created": utc_text(created),
        "sent": utc_text(sent),
    }


def encode_envelope(envelope: dict[str, Any]) -> tuple[bytes, str]:
    """The envelope's canonical bytes and their base64url text for the header."""
    raw = canonical_json(envelope)
    return raw, base64.urlsafe_b64encode(raw).decode("ascii")


def decode_envelope(header: str) -> tuple[bytes, dict[str, Any]]:
    """Header text → (the exact bytes the signature covers, the envelope as a dict)."""
    try:
        raw = base64.urlsafe_b64decode(header.encode("ascii"))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeError):
        raise ProtocolError(
            "FED-ENVELOPE", f"The {ENVELOPE_HEADER} header is not base64url of a JSON object."
        ) from None
    if not isinstance(data, dict):
        raise ProtocolError("FED-ENVELOPE", "The envelope is not a JSON object.")
    missing = sorted(ENVELOPE_FIELDS - data.keys())
    if missing:
        raise ProtocolError("FED-ENVELOPE", f"The envelope lacks {', '.join(missing)}.")
    if data["version"] != VERSION:
        raise ProtocolError("FED-VERSION", f"Envelope version {data['version']!r} is not 1.")
    if data["kind"] not in {KIND_INVOICE, KIND_STATUS}:
        raise ProtocolError("FED-KIND", f"Message kind {data['kind']!r} is not known.")
    if not isinstance(data["invoice"], dict):
        raise ProtocolError("FED-ENVELOPE", "The envelope's invoice is not an object.")
    return raw, data


def fingerprint(envelope: dict[str, Any]) -> str:
    """What makes two transmissions *the same message*: everything but the ``sent`` time.

    A retry re-signs the envelope with a new ``sent`` time (so it passes the replay window)
    and keeps everything else; the receiver answers it with the receipt it already gave.
    """
    return sha256_hex(canonical_json({k: v for k, v in envelope.items() if k != "sent"}))


def discovery_material(*, path: str, node: str, time: str) -> bytes:
    """What a discovery request's signature covers."""
    return f"GET\n{path}\n{node}\n{time}".encode()


def signed_body(name: str, content: dict[str, Any], signature: str) -> bytes:
    """A signed JSON answer: ``{"<name>": content, "signature": sig over canonical(content)}``."""
    return json.dumps({name: content, "signature": signature}, ensure_ascii=False).encode()


def read_signed_body(name: str, body: bytes) -> tuple[dict[str, Any], bytes, str]:
    """Parse a signed JSON answer → (content, canonical bytes to verify, signature)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ProtocolError("FED-ANSWER", "The peer's answer is not JSON.") from None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get(name), dict)
        or not isinstance(data.get("signature"), str)
    ):
        raise ProtocolError("FED-ANSWER", f"The peer's answer has no signed {name}.")
    content: dict[str, Any] = data[name]
    return content, canonical_json(content), data["signature"]
