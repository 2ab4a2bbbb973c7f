"""Writes of the federation app: receive messages from peers, queue and send messages to them.

Receiving (``do_receive_message``) runs the whole inbound check — known peer, signature, the
node the message was meant for, replay window, SHA-256 of the payload, idempotency by message
id — then hands an invoice to the inbound pipeline (``do_receive_from_peer``) or a status
change to the issued invoice it concerns (``do_receive_status_from_peer``).  The answer is a
receipt the edge signs; a refusal raises :class:`MessageRefused` (HTTP 4xx, unsigned).

Sending is two steps, so nothing leaves this node before the data behind it is committed:
signal receivers create an :class:`OutboundMessage` inside the invoice service's transaction
and enqueue the ``send_message`` task on commit; the task (``do_send_message``) signs and
POSTs it, records the peer's signed receipt, and retries with exponential back-off when the
peer is unreachable or answers 5xx, until ``EFACTURA_FEDERATION_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company
from efactura.federation import choices, identity, protocol, selectors, transport
from efactura.federation.choices import (
    FORWARDED_EVENTS,
    InboundStatus,
    MessageKind,
    OutboundStatus,
)
from efactura.federation.models import InboundMessage, OutboundMessage, Peer
from efactura.federation.selectors import PeerInfo
from efactura.invoices import storage
from efactura.invoices.models import Document, Event, Invoice
from efactura.invoices.services import (
    do_apply_peer_status,
    do_record_peer_delivery,
    do_store_peer_invoice,
)
from einvoice import model as em
from einvoice.identifiers import (
    TaxIdError,
    normalise_tax_id,
    parse_participant_id,
    participant_id,
    tax_id_from_participant,
)

logger = logging.getLogger(__name__)


def setting(name: str) -> Any:
    """A federation timing/limit: ``settings.EFACTURA_FEDERATION_<NAME>`` or the default."""
    return getattr(settings, f"EFACTURA_FEDERATION_{name}", getattr(choices, name))


# ---------------------------------------------------------------------------------------------
# Receiving
# ---------------------------------------------------------------------------------------------


class MessageRefused(Exception):
    """The message is not accepted for processing at all (HTTP ``status``, nothing stored)."""

    def __init__(self, status: int, code: str, message: str, message_es: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.message_es = message_es or message

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message, "message_es": self.message_es}


@dataclass
class Received:
    """The outcome of a received message: the receipt to sign and send back."""

    receipt: dict[str, Any]
    replayed: bool = False
    invoice: Invoice | None = None


@dataclass
class _Outcome:
    status: str
    invoice: Invoice | None = None
    violations: list[dict[str, str]] = field(default_factory=list)


def _problem(rule: str, en: str, es: str) -> dict[str, str]:
    return {"rule": rule, "message": en, "message_es": es}


def authenticate_message(
    *, envelope_header: str, signature: str, payload: bytes, now: dt.datetime | None = None
) -> tuple[PeerInfo, dict[str, Any]]:
    """Check who sent the message and that it is fresh and intact; raise :class:`MessageRefused`.

    Order matters: nothing about the content is believed before the signature of a known
    peer over the envelope is verified.
    """
    try:
        raw, envelope = protocol.decode_envelope(envelope_header)
    except protocol.ProtocolError as exc:
        raise MessageRefused(400, exc.code, exc.message) from None
    peer = selectors.access_peer_by_id(node_id=str(envelope["sender"]))
    if peer is None:
        raise MessageRefused(
            403,
            "FED-UNKNOWN-PEER",
            f"Node {envelope['sender']!r} is not a peer of {identity.node_id()}.",
            f"El nodo {envelope['sender']!r} no es un par de {identity.node_id()}.",
        )
    if not signature or not identity.verify(
        public_key=peer.public_key, signature=signature, data=raw
    ):
        raise MessageRefused(
            401,
            "FED-SIGNATURE",
            f"The envelope's signature does not verify with the public key of {peer.node_id}.",
            f"La firma del sobre no se verifica con la clave pública de {peer.node_id}.",
        )
    if envelope["receiver"] != identity.node_id():
        raise MessageRefused(
            403,
            "FED-WRONG-NODE",
            f"The message is addressed to node {envelope['receiver']!r}, not to "
            f"{identity.node_id()}.",
            f"El mensaje va dirigido al nodo {envelope['receiver']!r}, no a {identity.node_id()}.",
        )
    try:
        sent = protocol.parse_utc(str(envelope["sent"]))
        uuid.UUID(str(envelope["message_id"]))
    except (protocol.ProtocolError, ValueError):
        raise MessageRefused(
            400, "FED-ENVELOPE", "The envelope's sent time or message id is malformed."
        ) from None
    window = float(setting("REPLAY_WINDOW_SECONDS"))
    skew = abs(((now or timezone.now()) - sent).total_seconds())
    if skew > window:
        raise MessageRefused(
            401,
            "FED-STALE",
            f"The message was sent at {envelope['sent']}, more than {int(window)} seconds from "
            "this node's clock: refused as a possible replay (check both clocks).",
            f"El mensaje se envió el {envelope['sent']}, a más de {int(window)} segundos del "
            "reloj de este nodo: se rechaza como posible repetición (revise ambos relojes).",
        )
    if envelope["size"] != len(payload) or envelope["sha256"] != protocol.sha256_hex(payload):
        raise MessageRefused(
            400,
            "FED-DIGEST",
            "The document does not match the SHA-256 and size in the signed envelope: it was "
            "altered or cut in transit.",
            "El documento no coincide con el SHA-256 y el tamaño del sobre firmado: se alteró o "
            "se cortó por el camino.",
        )
    return peer, envelope


def do_receive_message(
    *, envelope_header: str, signature: str, payload: bytes, now: dt.datetime | None = None
) -> Received:
    """Receive one message from a peer and return the receipt to answer with.

    The same message id with the same content (a retry, or a replay inside the window) gets
    the receipt given the first time and changes nothing; the same id with other content is
    refused (409).
    """
    peer, envelope = authenticate_message(
        envelope_header=envelope_header, signature=signature, payload=payload, now=now
    )
    message_id = str(envelope["message_id"])
    print_ = protocol.fingerprint(envelope)
    previous = _previous(message_id=message_id, peer=peer, fingerprint=print_)
    if previous is not None:
        return previous
    checked: CheckedInvoice | _Outcome | None = None
    if envelope["kind"] == protocol.KIND_INVOICE:
        checked = check_receive_from_peer(peer=peer, envelope=envelope, document=payload)
    try:
        with transaction.atomic():
            if isinstance(checked, _Outcome):
                outcome = checked
            elif checked is not None:
                outcome = do_receive_from_peer(
                    peer=peer, envelope=envelope, document=payload, checked=checked
                )
            else:
                outcome = do_receive_status_from_peer(peer=peer, envelope=envelope, body=payload)
            receipt = _receipt(envelope=envelope, outcome=outcome)
            InboundMessage.objects.create(
                message_id=message_id,
                kind=envelope["kind"],
                peer_id=peer.node_id,
                fingerprint=print_,
                envelope=envelope,
                status=outcome.status,
                invoice=outcome.invoice,
                receipt=receipt,
            )
            record(
                action=f"federation.message.{outcome.status}",
                company=outcome.invoice.recipient if outcome.invoice is not None else None,
                obj=outcome.invoice,
                source=Source.PEER,
                data={
                    "message_id": message_id,
                    "kind": envelope["kind"],
                    "peer": peer.node_id,
                    "violations": [v["rule"] for v in outcome.violations],
                },
            )
    except IntegrityError:
        # The same message arrived twice at the same moment: the other request stored it.
        previous = _previous(message_id=message_id, peer=peer, fingerprint=print_)
        if previous is None:
            raise
        return previous
    return Received(receipt=receipt, invoice=outcome.invoice)


def _previous(*, message_id: str, peer: PeerInfo, fingerprint: str) -> Received | None:
    seen = InboundMessage.objects.filter(message_id=message_id).first()
    if seen is None:
        return None
    if seen.peer_id != peer.node_id or seen.fingerprint != fingerprint:
        raise MessageRefused(
            409,
            "FED-REPLAY",
            f"Message id {message_id} was already received with different content; a message "
            "id can be used for one message only.",
            f"El identificador de mensaje {message_id} ya se recibió con otro contenido; cada "
            "identificador sirve para un solo mensaje.",
        )
    return Received(receipt=seen.receipt, replayed=True, invoice=seen.invoice)


def _receipt(*, envelope: dict[str, Any], outcome: _Outcome) -> dict[str, Any]:
    reference: dict[str, Any] | None = envelope["invoice"] or None
    if outcome.invoice is not None:
        reference = protocol.invoice_reference(
            seller_tax_id=outcome.invoice.seller_tax_id,
            series=outcome.invoice.series,
            number=outcome.invoice.number,
            issue_date=outcome.invoice.issue_date,
        )
    return {
        "version": protocol.VERSION,
        "message_id": str(envelope["message_id"]),
        "node": identity.node_id(),
        "status": outcome.status,
        "invoice": reference,
        "violations": outcome.violations,
        "received": protocol.utc_text(timezone.now()),
    }


def _local_recipient(participant_text: str) -> Company | None:
    try:
        tax_id = tax_id_from_participant(parse_participant_id(participant_text))
    except TaxIdError:
        return None
    if not tax_id:
        return None
    return Company.objects.filter(tax_id=tax_id, is_active=True).first()


def _rejected(*violations: dict[str, str]) -> _Outcome:
    return _Outcome(status=InboundStatus.REJECTED, violations=list(violations))


@dataclass
class CheckedInvoice:
    """A peer's invoice that passed the inbound pipeline, ready to be stored."""

    company: Company
    invoice: em.Invoice
    fmt: str
    version: str
    signed: bool
    signature: dict[str, Any]


def check_receive_from_peer(
    *, peer: PeerInfo, envelope: dict[str, Any], document: bytes
) -> CheckedInvoice | _Outcome:
    """Run a peer's invoice through the inbound pipeline, without writing anything.

    Pipeline: recipient served here → size cap → hardened parse, format, XSD, official and
    Spanish rules (``einvoice.validation``) → signature verification when signed → the
    invoice named in the envelope is in the document, addressed to the recipient and issued
    by the sending participant.  Any failure is a *rejected* outcome with the violations
    (rule id and sentence in English and Spanish) for the receipt.  It runs outside the
    storing transaction, so validating a large invoice never holds the database's write lock.
    """
    from einvoice.signing.verify import verify
    from einvoice.validation import validate

    company = _local_recipient(str(envelope["receiver_participant"]))
    if company is None:
        return _rejected(
            _problem(
                "FED-UNKNOWN-RECIPIENT",
                f"No company with participant id {envelope['receiver_participant']} is "
                f"registered on {identity.node_id()}.",
                f"Ninguna empresa con identificador {envelope['receiver_participant']} está "
                f"registrada en {identity.node_id()}.",
            )
        )
    reference = envelope["invoice"]
    name = f"{reference.get('series', '')}{reference.get('number', '')}" or "invoice"
    limit = int(setting("MAX_MESSAGE_BYTES"))
    report = validate(document, filename=f"{name}.xml", max_bytes=limit)
    fatal = [v for v in report.all_violations() if v.is_fatal]
    if fatal or report.document is None:
        problems = [_problem(v.rule, v.message, v.message_es or v.message) for v in fatal[:50]]
        return _rejected(
            *problems
            or [
                _problem(
                    "FED-UNREADABLE",
                    f"The document of invoice {name} cannot be read.",
                    f"No se puede leer el documento de la factura {name}.",
                )
            ]
        )
    signature: dict[str, Any] = {}
    if report.signed:
        signature = verify(document).as_dict()
        if signature.get("status") != "valid":
            return _rejected(
                _problem(
                    "SIG-INVALID",
                    f"The electronic signature of invoice {name} is not valid: "
                    f"{signature.get('reason')}",
                    f"La firma electrónica de la factura {name} no es válida: "
                    f"{signature.get('reason_es')}",
                )
            )
    matches = [
        inv
        for inv in report.document.invoices
        if inv.series == reference.get("series") and inv.number == reference.get("number")
    ]
    if len(matches) != 1:
        return _rejected(
            _problem(
                "FED-INVOICE-MISSING",
                f"The document does not contain invoice {name} named in the envelope.",
                f"El documento no contiene la factura {name} que indica el sobre.",
            )
        )
    invoice = matches[0]
    buyer = normalise_tax_id(invoice.buyer.tax_id, invoice.buyer.address.country or "ES")
    seller = normalise_tax_id(invoice.seller.tax_id, invoice.seller.address.country or "ES")
    if buyer != company.tax_id:
        return _rejected(
            _problem(
                "FED-NOT-BUYER",
                f"Invoice {name} is addressed to {buyer}, not to {company.tax_id}.",
                f"La factura {name} va dirigida a {buyer}, no a {company.tax_id}.",
            )
        )
    try:
        sender_tax_id = tax_id_from_participant(
            parse_participant_id(str(envelope["sender_participant"]))
        )
    except TaxIdError:
        sender_tax_id = ""
    if seller != sender_tax_id:
        return _rejected(
            _problem(
                "FED-NOT-SELLER",
                f"Invoice {name} was issued by {seller}, not by the sending participant "
                f"{envelope['sender_participant']}.",
                f"La factura {name} la emitió {seller}, no el participante emisor "
                f"{envelope['sender_participant']}.",
            )
        )
    return CheckedInvoice(
        company=company,
        invoice=invoice,
        fmt=report.format,
        version=report.version,
        signed=bool(report.signed),
        signature=signature,
    )


def do_receive_from_peer(
    *, peer: PeerInfo, envelope: dict[str, Any], document: bytes, checked: CheckedInvoice
) -> _Outcome:
    """Store a checked peer invoice for the local recipient (origin PEER, issuer none, the
    original bytes archived unchanged), unless the same invoice is already on this platform.
    Runs inside the receiving transaction."""
    invoice = checked.invoice
    if Invoice.objects.filter(
        seller_tax_id=invoice.seller.tax_id, series=invoice.series, number=invoice.number
    ).exists():
        return _rejected(
            _problem(
                "IMPORT-DUPLICATE",
                f"Invoice {invoice.full_number} of seller {invoice.seller.tax_id} is already "
                "on this platform; an invoice number can be used only once.",
                f"La factura {invoice.full_number} del emisor {invoice.seller.tax_id} ya está "
                "en esta plataforma; un número de factura solo puede usarse una vez.",
            )
        )
    suffix = ".xsig" if checked.signed else ".xml"
    row = do_store_peer_invoice(
        company=checked.company,
        invoice=invoice,
        original=document,
        filename=f"{invoice.full_number}{suffix}",
        fmt=checked.fmt,
        version=checked.version,
        signed=checked.signed,
        signature=checked.signature,
        peer_id=peer.node_id,
        message_id=str(envelope["message_id"]),
    )
    return _Outcome(status=InboundStatus.ACCEPTED, invoice=row)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def do_receive_status_from_peer(
    *, peer: PeerInfo, envelope: dict[str, Any], body: bytes
) -> _Outcome:
    """Apply a status change the recipient made on ``peer`` to the invoice issued here.

    Only the peer the invoice was delivered to may change its status: the invoice is looked
    up by the original message id among the messages sent to that peer, else by its
    reference (seller, series, number) among invoices routed to that peer.
    """
    import json

    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not an object")
        kind = str(data["event"])
        status = str(data["status"])
        paid_total = _decimal(data.get("paid_total"))
        paid_date = dt.date.fromisoformat(data["paid_date"]) if data.get("paid_date") else None
    except (ValueError, KeyError, TypeError) as exc:
        return _rejected(
            _problem(
                "FED-STATUS",
                f"The status message cannot be read: {exc}.",
                f"No se puede leer el mensaje de estado: {exc}.",
            )
        )
    invoice: Invoice | None = None
    original = (
        OutboundMessage.objects.filter(
            message_id=_uuid_or_none(data.get("in_reply_to")),  # type: ignore[misc]
            peer_id=peer.node_id,
            kind=MessageKind.INVOICE,
        )
        .select_related("invoice")
        .first()
    )
    if original is not None:
        invoice = original.invoice
    else:
        reference = envelope["invoice"]
        invoice = Invoice.objects.filter(
            issuer__isnull=False,
            route_detail=peer.node_id,
            seller_tax_id=reference.get("seller_tax_id", ""),
            series=reference.get("series", ""),
            number=reference.get("number", ""),
        ).first()
    if invoice is None or invoice.issuer_id is None:
        return _rejected(
            _problem(
                "FED-UNKNOWN-INVOICE",
                f"No invoice sent to {peer.node_id} matches this status message.",
                f"Ninguna factura enviada a {peer.node_id} corresponde a este mensaje de estado.",
            )
        )
    if kind not in FORWARDED_EVENTS:
        return _rejected(
            _problem(
                "FED-STATUS",
                f"Status event {kind!r} cannot be reported by a peer.",
                f"Un par no puede comunicar el evento de estado {kind!r}.",
            )
        )
    try:
        do_apply_peer_status(
            invoice=invoice,
            peer_id=peer.node_id,
            kind=kind,
            status=status,
            reason=str(data.get("reason", ""))[:2000],
            paid_total=paid_total,
            paid_date=paid_date,
            data={
                **{k: str(data[k]) for k in ("amount", "date", "at") if data.get(k)},
                "message_id": str(envelope["message_id"]),
            },
        )
    except ValidationError as exc:
        return _rejected(_problem("FED-STATUS", str(exc.message), str(exc.message)))
    invoice.refresh_from_db()
    return _Outcome(status=InboundStatus.ACCEPTED, invoice=invoice)


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def answer_participant_query(*, participant: str) -> dict[str, Any]:
    """Discovery: does this node serve ``participant``?  (Asked by an authenticated peer.)"""
    try:
        parsed = parse_participant_id(participant)
    except TaxIdError as exc:
        raise MessageRefused(400, "FED-PARTICIPANT", exc.message, exc.message_es) from None
    return {
        "participant": str(parsed),
        "served": _local_recipient(str(parsed)) is not None,
        "node": identity.node_id(),
        "answered": protocol.utc_text(timezone.now()),
    }


def authenticate_query(
    *, path: str, node: str, time: str, signature: str, now: dt.datetime | None = None
) -> PeerInfo:
    """Check a signed discovery request (known peer, signature, within the replay window)."""
    peer = selectors.access_peer_by_id(node_id=node)
    if peer is None:
        raise MessageRefused(403, "FED-UNKNOWN-PEER", f"Node {node!r} is not a peer of this node.")
    material = protocol.discovery_material(path=path, node=node, time=time)
    if not signature or not identity.verify(
        public_key=peer.public_key, signature=signature, data=material
    ):
        raise MessageRefused(
            401, "FED-SIGNATURE", f"The request's signature does not verify for {node}."
        )
    try:
        moment = protocol.parse_utc(time)
    except protocol.ProtocolError as exc:
        raise MessageRefused(400, exc.code, exc.message) from None
    if abs(((now or timezone.now()) - moment).total_seconds()) > float(
        setting("REPLAY_WINDOW_SECONDS")
    ):
        raise MessageRefused(401, "FED-STALE", "The request is outside the replay window.")
    return peer


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


def _participant(tax_id: str) -> str:
    try:
        return participant_id(tax_id)
    except TaxIdError:
        return f"9920:{tax_id}"


def _enqueue(message: OutboundMessage, *, at: dt.datetime | None = None) -> None:
    from efactura.federation.tasks import send_message

    if at is not None and send_message.get_backend().supports_defer:
        send_message.using(run_after=at).enqueue(message_pk=message.pk)
    else:
        send_message.enqueue(message_pk=message.pk)


def do_queue_invoice_for_peer(*, invoice: Invoice) -> OutboundMessage:
    """Create the message delivering an issued invoice to the peer it was routed to.

    Runs in the routing transaction; the task is enqueued after commit.
    """
    original = invoice.documents.filter(role=Document.Role.ORIGINAL).order_by("id").first()
    fmt = f"{original.format}/{original.version}" if original is not None else "unknown"
    message = OutboundMessage.objects.create(
        kind=MessageKind.INVOICE,
        invoice=invoice,
        peer_id=invoice.route_detail,
        sender_participant=_participant(invoice.seller_tax_id),
        receiver_participant=_participant(invoice.buyer_tax_id),
        document_type=fmt,
        reference=protocol.invoice_reference(
            seller_tax_id=invoice.seller_tax_id,
            series=invoice.series,
            number=invoice.number,
            issue_date=invoice.issue_date,
        ),
        next_attempt=timezone.now(),
    )
    record(
        action="federation.message.queued",
        company=invoice.issuer,
        obj=invoice,
        source=Source.SYSTEM,
        data={"message_id": str(message.message_id), "peer": message.peer_id, "kind": "invoice"},
    )
    transaction.on_commit(lambda: _enqueue(message))
    return message


def do_queue_status_for_peer(*, invoice: Invoice, event: Event) -> OutboundMessage | None:
    """Create the status message telling the issuer's platform what the recipient did.

    Only for invoices that came from a peer, and only for the recipient's events
    (``FORWARDED_EVENTS``); returns ``None`` when there is nothing to send.
    """
    if event.kind not in FORWARDED_EVENTS:
        return None
    origin = selectors.inbound_origin(invoice=invoice)
    if origin is None:
        return None
    data = event.data or {}
    payload = {
        "in_reply_to": str(origin.message_id),
        "event": event.kind,
        "status": invoice.status,
        "reason": str(data.get("reason", "")),
        "amount": str(data.get("amount", "")),
        "date": str(data.get("date", "")),
        "paid_total": str(invoice.paid_amount) if invoice.paid_amount else "",
        "paid_date": invoice.paid_date.isoformat() if invoice.paid_date else "",
        "at": protocol.utc_text(event.at),
    }
    message = OutboundMessage.objects.create(
        kind=MessageKind.STATUS,
        invoice=invoice,
        peer_id=origin.peer_id,
        sender_participant=str(origin.envelope.get("receiver_participant", "")),
        receiver_participant=str(origin.envelope.get("sender_participant", "")),
        document_type=protocol.STATUS_DOCUMENT_TYPE,
        reference=protocol.invoice_reference(
            seller_tax_id=invoice.seller_tax_id,
            series=invoice.series,
            number=invoice.number,
            issue_date=invoice.issue_date,
        ),
        payload=payload,
        next_attempt=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(message))
    return message


def _payload(message: OutboundMessage) -> tuple[bytes, str]:
    if message.kind == MessageKind.STATUS:
        return protocol.canonical_json(message.payload), "application/json"
    original = message.invoice.documents.filter(role=Document.Role.ORIGINAL).order_by("id").first()
    if original is None:
        raise storage.ArchiveTampered(f"Invoice {message.invoice.full_number} has no original.")
    # The archived original, unchanged: a signed Facturae must arrive byte for byte.
    return storage.read(original), "application/xml"


class _Retry(Exception):
    """A failure worth another attempt (peer unreachable, 5xx, 429, unusable receipt)."""


class _Fatal(Exception):
    """A failure another attempt would not fix (the peer refused the message)."""


def do_send_message(*, message_pk: int) -> str:
    """One sending attempt of an outbound message; returns its status afterwards."""
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update().select_related("invoice").get(pk=message_pk)
        )
        if message.status not in {OutboundStatus.PENDING, OutboundStatus.RETRYING}:
            return str(message.status)
        message.status = OutboundStatus.SENDING
        message.attempts += 1
        message.updated = timezone.now()
        message.save(update_fields=["status", "attempts", "updated"])
    # Sentences recorded on the invoice's timeline are in the issuer's language.
    with translation.override(_language(message)):
        return _attempt(message)


def _attempt(message: OutboundMessage) -> str:
    peer = selectors.access_peer_by_id(node_id=message.peer_id)
    if peer is None:
        return _give_up(
            message,
            error=_("Platform %(peer)s is no longer a configured peer.")
            % {"peer": message.peer_id},
        )
    try:
        payload, content_type = _payload(message)
        receipt, signature = _transmit(
            message, peer=peer, payload=payload, content_type=content_type
        )
    except _Fatal as exc:
        return _give_up(message, error=str(exc))
    except (_Retry, storage.ArchiveTampered, OSError) as exc:
        return _retry_later(message, error=str(exc))
    return _record_receipt(message, peer=peer, receipt=receipt, signature=signature)


def _transmit(
    message: OutboundMessage, *, peer: PeerInfo, payload: bytes, content_type: str
) -> tuple[dict[str, Any], str]:
    now = timezone.now()
    envelope = protocol.build_envelope(
        message_id=str(message.message_id),
        kind=message.kind,
        sender=identity.node_id(),
        receiver=peer.node_id,
        sender_participant=message.sender_participant,
        receiver_participant=message.receiver_participant,
        document_type=message.document_type,
        invoice=message.reference,
        payload=payload,
        created=message.created,
        sent=now,
    )
    raw, header = protocol.encode_envelope(envelope)
    try:
        response = transport.post_message(
            peer,
            envelope_header=header,
            signature=identity.sign(raw),
            payload=payload,
            content_type=content_type,
            timeout=float(setting("HTTP_TIMEOUT_SECONDS")),
        )
    except transport.Unreachable as exc:
        raise _Retry(str(exc)) from None
    if response.status_code >= 500 or response.status_code in {408, 425, 429}:
        raise _Retry(f"HTTP {response.status_code}: {transport.problem_text(response)}")
    if response.status_code != 200:
        raise _Fatal(
            _("Platform %(peer)s refused the message (HTTP %(status)s): %(reason)s")
            % {
                "peer": peer.node_id,
                "status": response.status_code,
                "reason": transport.problem_text(response),
            }
        )
    try:
        receipt, canonical, signature = protocol.read_signed_body("receipt", response.content)
    except protocol.ProtocolError as exc:
        raise _Retry(exc.message) from None
    if not identity.verify(public_key=peer.public_key, signature=signature, data=canonical):
        raise _Retry(f"The receipt from {peer.node_id} is not signed with its key.")
    if receipt.get("message_id") != str(message.message_id) or receipt.get("node") != peer.node_id:
        raise _Retry(f"The receipt from {peer.node_id} is for another message or node.")
    return receipt, signature


def _retry_delay(attempts: int) -> float:
    base = float(setting("RETRY_BASE_SECONDS"))
    return float(min(base * 2 ** max(attempts - 1, 0), float(setting("RETRY_MAX_SECONDS"))))


def _retry_later(message: OutboundMessage, *, error: str) -> str:
    if message.attempts >= int(setting("MAX_ATTEMPTS")):
        return _give_up(
            message,
            error=_("Platform %(peer)s could not be reached after %(n)s attempts: %(error)s")
            % {"peer": message.peer_id, "n": message.attempts, "error": error},
        )
    delay = _retry_delay(message.attempts)
    message.status = OutboundStatus.RETRYING
    message.last_error = error[:2000]
    message.next_attempt = timezone.now() + dt.timedelta(seconds=delay)
    message.updated = timezone.now()
    message.save(update_fields=["status", "last_error", "next_attempt", "updated"])
    logger.warning(
        "Federation message %s to %s failed (attempt %s): %s; retrying in %.0f s",
        message.message_id,
        message.peer_id,
        message.attempts,
        error,
        delay,
    )
    _enqueue(message, at=message.next_attempt)
    return str(message.status)


def _language(message: OutboundMessage) -> str:
    company = message.invoice.issuer or message.invoice.recipient
    return company.language if company is not None else settings.LANGUAGE_CODE


def _give_up(message: OutboundMessage, *, error: str) -> str:
    with transaction.atomic():
        message.status = OutboundStatus.FAILED
        message.last_error = error[:2000]
        message.next_attempt = None
        message.updated = timezone.now()
        message.save(update_fields=["status", "last_error", "next_attempt", "updated"])
        if message.kind == MessageKind.INVOICE:
            do_record_peer_delivery(
                invoice=message.invoice,
                peer_id=message.peer_id,
                delivered=False,
                data={
                    "message_id": str(message.message_id),
                    "attempts": message.attempts,
                    "reason": error[:2000],
                },
            )
        else:
            record(
                action="federation.message.failed",
                company=message.invoice.recipient,
                obj=message.invoice,
                source=Source.SYSTEM,
                data={"message_id": str(message.message_id), "peer": message.peer_id},
            )
    logger.error(
        "Federation message %s to %s failed: %s", message.message_id, message.peer_id, error
    )
    return str(message.status)


def _reasons(receipt: dict[str, Any], language: str) -> str:
    key = "message_es" if language.startswith("es") else "message"
    return " ".join(
        f"[{v.get('rule', '')}] {v.get(key) or v.get('message', '')}"
        for v in receipt.get("violations") or []
        if isinstance(v, dict)
    )


def _record_receipt(
    message: OutboundMessage, *, peer: PeerInfo, receipt: dict[str, Any], signature: str
) -> str:
    accepted = receipt.get("status") == InboundStatus.ACCEPTED
    with transaction.atomic():
        message.status = OutboundStatus.DELIVERED if accepted else OutboundStatus.REJECTED
        message.receipt = receipt
        message.receipt_signature = signature
        message.last_error = ""
        message.next_attempt = None
        message.updated = timezone.now()
        message.save()
        if message.kind == MessageKind.INVOICE:
            data: dict[str, Any] = {"message_id": str(message.message_id)}
            if not accepted:
                data["reason"] = (
                    _("Platform %(peer)s rejected the invoice: %(reasons)s")
                    % {"peer": peer.node_id, "reasons": _reasons(receipt, _language(message))}
                )[:2000]
                data["violations"] = receipt.get("violations") or []
            do_record_peer_delivery(
                invoice=message.invoice, peer_id=peer.node_id, delivered=accepted, data=data
            )
        else:
            record(
                action="federation.message.delivered"
                if accepted
                else "federation.message.rejected",
                company=message.invoice.recipient,
                obj=message.invoice,
                source=Source.SYSTEM,
                data={"message_id": str(message.message_id), "peer": peer.node_id},
            )
    return str(message.status)


def do_requeue_stalled_messages(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Hand again to the worker messages whose task was lost (worker stopped mid-send, queue
    emptied): sending or waiting past their time by ``older_than``.  Receivers are idempotent
    by message id, so a message that did arrive is only answered with its receipt again."""
    limit = timezone.now() - older_than
    count = 0
    stalled = OutboundMessage.objects.filter(
        Q(status__in=[OutboundStatus.PENDING, OutboundStatus.SENDING], updated__lt=limit)
        | Q(status=OutboundStatus.RETRYING, next_attempt__lt=limit)
    )
    for message in stalled:
        with transaction.atomic():
            if message.status == OutboundStatus.SENDING:
                message.status = OutboundStatus.RETRYING
                message.save(update_fields=["status"])
            transaction.on_commit(partial(_enqueue, message))
        count += 1
    return count


def do_add_peer(
    *, node_id: str, base_url: str, public_key: str, note: str = "", source: str = Source.CLI
) -> Peer:
    """Trust a peer (or update its address and key): what ``efactura peer add`` does."""
    from django.core.exceptions import ImproperlyConfigured

    from efactura.federation.config import check_base_url, check_node_id, public_key_bytes

    try:
        check_node_id(node_id, name="--id")
        url = check_base_url(base_url, where="--url")
    except ImproperlyConfigured as exc:
        raise ValidationError(str(exc), code="invalid") from None
    try:
        public_key_bytes(public_key)
    except ValueError as exc:
        raise ValidationError(
            _("The public key cannot be used: %(reason)s.") % {"reason": exc}, code="invalid"
        ) from None
    if node_id == identity.node_id():
        raise ValidationError(_("A node cannot be its own peer."), code="invalid")
    with transaction.atomic():
        peer, created = Peer.objects.update_or_create(
            node_id=node_id,
            defaults={
                "base_url": url,
                "public_key": public_key.strip(),
                "note": note,
                "is_active": True,
                "updated": timezone.now(),
            },
        )
        record(
            action="federation.peer.added" if created else "federation.peer.updated",
            source=Source(source),
            data={"node_id": node_id, "url": url, "public_key": public_key.strip()},
        )
    return peer
