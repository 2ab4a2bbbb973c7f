"""Writes of the interconnection app: receive AS4 messages, queue and send them, partners.

Receiving (:func:`do_receive_as4`): :mod:`.transport` verifies the signature (certificate
on the trust list, naming the sending party, of a registered partner), decrypts and
decompresses; a message that fails gets an ebMS error signal and nothing is stored.  A
MessageId seen before gets a fresh signed receipt and changes nothing (duplicate
elimination).  An invoice then passes exactly the inbound pipeline of a web import or an API
upload (:func:`efactura.invoices.services.do_import_files`); an Invoice Response or a Message
Level Status updates the issued invoice it refers to (:mod:`.statuses`).

Sending is two steps so nothing leaves before the data behind it is committed: a signal
receiver creates an :class:`OutboundMessage` in the invoice service's transaction and
enqueues :func:`~efactura.interconnection.tasks.send_message` on commit; the task discovers
the recipient (SMP, outside any transaction), sends, checks the signed receipt, and retries
with exponential back-off until ``EFACTURA_AS4_MAX_ATTEMPTS``, after which the failure is
an event on the invoice's timeline.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import Company
from efactura.interconnection import config, documents, pki, smp, statuses, transport, wire
from efactura.interconnection.choices import (
    BILLING_PROCESS,
    INVOICE_FACTURAE,
    INVOICE_RESPONSE,
    INVOICE_RESPONSE_PROCESS,
    INVOICE_UBL,
    MLS,
    MLS_PROCESS,
    PING_DOCUMENT,
    PING_PROCESS,
    MessageKind,
    OutboundStatus,
)
from efactura.interconnection.models import InboundMessage, OutboundMessage, Partner
from efactura.invoices import storage
from efactura.invoices.models import Document, Event, Invoice
from efactura.invoices.services import (
    do_apply_peer_status,
    do_import_files,
    do_record_peer_delivery,
)
from efactura.invoices.services.peer import do_mark_received_from_partner
from efactura.invoices.services.routing import do_fall_back_to_registration
from einvoice.identifiers import (
    TaxIdError,
    parse_participant_id,
    participant_id,
    tax_id_from_participant,
)

logger = logging.getLogger(__name__)

DOCUMENT_KINDS = {
    INVOICE_UBL: MessageKind.INVOICE,
    INVOICE_FACTURAE: MessageKind.INVOICE,
    INVOICE_RESPONSE: MessageKind.RESPONSE,
    MLS: MessageKind.MLS,
}


def participant_of(tax_id: str) -> str:
    """``9920:ESB12345678`` for a tax ID (other EAS schemes for foreign VAT numbers)."""
    try:
        return participant_id(tax_id)
    except TaxIdError:
        return f"9920:{tax_id}"


def _company_of(participant: str) -> Company | None:
    try:
        tax_id = tax_id_from_participant(parse_participant_id(participant))
    except TaxIdError:
        return None
    if not tax_id:
        return None
    return Company.objects.filter(tax_id=tax_id, is_active=True).first()


# ---------------------------------------------------------------------------------------------
# Receiving
# ---------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """The HTTP answer to an AS4 request: a signed receipt or an ebMS error signal."""

    body: bytes
    content_type: str
    outcome: str
    status: int = 200


def _accept_participant(participant: str) -> None:
    if _company_of(participant) is None:
        raise wire.NotServiced(participant)


SIGNAL = wire.SOAP_CONTENT_TYPE


def do_receive_as4(*, content_type: str, body: bytes) -> Answer:
    """Receive one AS4 request and return the signal to answer it with."""
    message = transport.receive(
        content_type=content_type, body=body, accept_participant=_accept_participant
    )
    if message.error is not None:
        problem = transport.error_description(message)
        logger.warning("AS4 message refused: %s", problem)
        record(
            action="interconnection.message.refused",
            source=Source.PEER,
            data={"message_id": message.message_id, "error": problem[:500]},
        )
        return Answer(body=transport.answer(message), content_type=SIGNAL, outcome="error")

    message_id = message.message_id
    if InboundMessage.objects.filter(message_id=message_id).exists():
        # Duplicate elimination: the same MessageId is never processed twice; the sender
        # still gets a receipt (for this copy, so its non-repudiation check holds).
        return Answer(body=transport.answer(message), content_type=SIGNAL, outcome="duplicate")

    document_type = message.document_type
    party_id = message.party_from
    if message.process == PING_PROCESS:
        kind, outcome, invoice, detail = MessageKind.PING, "ping", None, ""
    elif document_type not in DOCUMENT_KINDS:
        return Answer(
            body=transport.refuse(message, wire.not_serviced()),
            content_type=SIGNAL,
            outcome="not_serviced",
        )
    else:
        kind = DOCUMENT_KINDS[document_type]
        partner = Partner.objects.filter(party_id=party_id, is_active=True).first()
        label = partner.name if partner is not None else party_id
        try:
            payload = documents.sbd_payload(message.document)
        except documents.DocumentError as exc:
            return Answer(
                body=transport.refuse(message, wire.not_serviced(exc.message)),
                content_type=SIGNAL,
                outcome="bad_sbd",
            )
        handler = {
            MessageKind.INVOICE: _receive_invoice,
            MessageKind.RESPONSE: _receive_response,
            MessageKind.MLS: _receive_mls,
        }[kind]
        outcome, invoice, detail = handler(
            payload=payload,
            sender=message.sender,
            recipient=message.recipient,
            partner=label,
            message_id=message_id,
            instance_id=message.instance_id,
        )
    # Signed once the message is handled: the receipt proves the invoice is stored.
    signal = transport.answer(message)
    try:
        InboundMessage.objects.create(
            message_id=message_id,
            kind=kind,
            party_id=party_id,
            sender_participant=message.sender,
            recipient_participant=message.recipient,
            document_type=document_type[:300],
            instance_id=message.instance_id[:200],
            invoice=invoice,
            outcome=outcome,
            detail=detail,
            receipt=signal,
            receipt_content_type=SIGNAL,
        )
    except IntegrityError:
        outcome = "duplicate"
    return Answer(body=signal, content_type=SIGNAL, outcome=outcome)


_import_pool: ThreadPoolExecutor | None = None
_import_pool_threads = 0
_import_pool_lock = threading.Lock()


def _warm_import_thread() -> None:
    # The official EN 16931 / Peppol rules compile once per thread (several seconds of CPU):
    # the pool's threads compile them when they start, not while a sender waits.
    from einvoice.rules.official import warm_up

    warm_up("peppol-cen-ubl", "peppol-ubl")  # what a Peppol BIS invoice is checked with


def _import_in_pool(**kwargs: Any) -> Any:
    close_old_connections()
    try:
        return do_import_files(**kwargs)
    finally:
        close_old_connections()


def import_pool() -> ThreadPoolExecutor:
    """The few threads that run the inbound pipeline for AS4 invoices.

    Without it every web server thread would compile the official rules on its first AS4
    invoice (seconds each, under load the p99 of a burst); ``EFACTURA_AS4_IMPORT_THREADS``
    bounds how many do (and how many imports run at once)."""
    global _import_pool, _import_pool_threads
    with _import_pool_lock:
        if _import_pool is None:
            threads = _import_pool_threads = int(config.setting("IMPORT_THREADS"))
            _import_pool = ThreadPoolExecutor(
                max_workers=threads,
                thread_name_prefix="as4-import",
                initializer=_warm_import_thread,
            )
            for _thread in range(threads):
                _import_pool.submit(time.sleep, 0)  # start (and warm) every thread now
        return _import_pool


def shutdown_import_pool() -> None:
    """Stop the import threads, closing their database connections, for a process that is
    about to end (a test session drops its database afterwards).  A later AS4 invoice starts
    a new pool."""
    global _import_pool
    with _import_pool_lock:
        pool, _import_pool = _import_pool, None
    if pool is None:
        return
    threads = _import_pool_threads
    barrier = threading.Barrier(threads)

    def close_connection() -> None:
        try:
            barrier.wait(timeout=30)  # so that every thread takes exactly one of these tasks
        except threading.BrokenBarrierError:
            pass
        finally:
            connection.close()

    for _thread in range(threads):
        pool.submit(close_connection)
    pool.shutdown(wait=True)


def _import(**kwargs: Any) -> Any:
    if connection.in_atomic_block:
        # The caller holds a transaction (tests do): another thread's connection could not
        # see its rows, so the pipeline runs here.
        return do_import_files(**kwargs)
    return import_pool().submit(_import_in_pool, **kwargs).result()


def _receive_invoice(
    *, payload: bytes, sender: str, recipient: str, partner: str, message_id: str, instance_id: str
) -> tuple[str, Invoice | None, str]:
    company = _company_of(recipient)
    assert company is not None  # the transport asked _accept_participant already
    report = _import(
        company=company,
        actor=None,
        files=[(f"as4-{instance_id or message_id}.xml", payload)],
        direction="received",
        source=Source.PEER,
    )
    [file_report] = report.files
    items = file_report.invoices
    if items and all(item.outcome == "imported" for item in items):
        invoice = items[0].invoice
        assert invoice is not None
        for item in items:
            assert item.invoice is not None
            do_mark_received_from_partner(
                invoice=item.invoice, partner=partner, message_id=message_id
            )
        return "stored", invoice, ""
    if items and all(item.outcome == "duplicate" for item in items):
        return "duplicate_invoice", items[0].duplicate_of, ""
    violations = list(file_report.violations) + [v for i in items for v in i.violations]
    detail = "; ".join(f"[{v.rule}] {v.message}" for v in violations)[:4000]
    do_queue_mls(
        sender=recipient,
        recipient=sender,
        reference=instance_id,
        code="RE",
        description="Rejected by the receiving platform's inbound validation",
        lines=[("NA", "BV", f"[{v.rule}] {v.message}") for v in violations[:50]],
    )
    return "rejected", None, detail


def _issued_invoice(*, seller: str, buyer: str, number: str) -> Invoice | None:
    company = _company_of(seller)
    if company is None:
        return None
    try:
        buyer_tax_id = tax_id_from_participant(parse_participant_id(buyer))
    except TaxIdError:
        buyer_tax_id = ""
    query = Invoice.objects.filter(issuer=company, full_number=number)
    if buyer_tax_id:
        query = query.filter(buyer_tax_id=buyer_tax_id)
    return query.order_by("-id").first()


def _receive_response(
    *, payload: bytes, sender: str, recipient: str, partner: str, message_id: str, instance_id: str
) -> tuple[str, Invoice | None, str]:
    try:
        response = documents.parse_invoice_response(payload)
    except documents.DocumentError as exc:
        return "rejected", None, exc.message
    invoice = _issued_invoice(seller=recipient, buyer=sender, number=response.invoice_number)
    if invoice is None:
        return "unknown_invoice", None, response.invoice_number
    change = statuses.change_for_response(
        response=response, payable=invoice.payable, status=invoice.status, paid=invoice.paid_amount
    )
    if change is None:
        record(
            action="interconnection.response.received",
            company=invoice.issuer,
            obj=invoice,
            source=Source.PEER,
            data={"code": response.code, "reason": response.reason, "partner": partner},
        )
        return "recorded", invoice, response.code
    do_apply_peer_status(
        invoice=invoice,
        peer_id=partner,
        kind=change.kind,
        status=change.status,
        reason=change.reason,
        paid_total=change.paid_total,
        paid_date=response.effective if change.paid_total is not None else None,
        reason_code=change.reason_code,
        data={"invoice_response": response.code, "message_id": message_id},
    )
    return "applied", invoice, response.code


def _receive_mls(
    *, payload: bytes, sender: str, recipient: str, partner: str, message_id: str, instance_id: str
) -> tuple[str, Invoice | None, str]:
    try:
        status = documents.parse_mls(payload)
    except documents.DocumentError as exc:
        return "rejected", None, exc.message
    sent = (
        OutboundMessage.objects.filter(instance_id=status.reference, kind=MessageKind.INVOICE)
        .select_related("invoice")
        .first()
    )
    if sent is None or sent.invoice is None:
        return "unknown_reference", None, status.reference
    if statuses.mls_failed(status.code):
        reasons = "; ".join(line[2] for line in status.lines) or status.description
        do_record_peer_delivery(
            invoice=sent.invoice,
            peer_id=partner,
            delivered=False,
            data={"mls": status.code, "error": reasons[:2000], "message_id": sent.message_id},
        )
    return "applied", sent.invoice, status.code


# ---------------------------------------------------------------------------------------------
# Queueing
# ---------------------------------------------------------------------------------------------


def _enqueue(message: OutboundMessage, *, at: dt.datetime | None = None) -> None:
    from efactura.interconnection.tasks import send_message

    if at is not None and send_message.get_backend().supports_defer:
        send_message.using(run_after=at).enqueue(message_pk=message.pk)
    else:
        send_message.enqueue(message_pk=message.pk)


def _queue(**fields: Any) -> OutboundMessage:
    message = OutboundMessage.objects.create(next_attempt=timezone.now(), **fields)
    transaction.on_commit(lambda: _enqueue(message))
    return message


def do_queue_invoice(*, invoice: Invoice) -> OutboundMessage:
    """Queue the AS4 delivery of an issued invoice routed to a partner platform (runs in the
    routing transaction; sent after commit)."""
    message = _queue(
        kind=MessageKind.INVOICE,
        invoice=invoice,
        sender_participant=participant_of(invoice.seller_tax_id),
        recipient_participant=participant_of(invoice.buyer_tax_id),
        partner=invoice.route_detail,
    )
    record(
        action="interconnection.message.queued",
        company=invoice.issuer,
        obj=invoice,
        source=Source.SYSTEM,
        data={"message_id": message.message_id, "kind": MessageKind.INVOICE},
    )
    return message


def do_queue_response(*, invoice: Invoice, event: Event) -> OutboundMessage | None:
    """Queue the Invoice Response telling the seller's platform what the buyer did here.

    Only for invoices that arrived over AS4, and only for events with a response code."""
    origin = (
        InboundMessage.objects.filter(invoice=invoice, kind=MessageKind.INVOICE)
        .order_by("id")
        .first()
    )
    if origin is None:
        return None
    data = event.data or {}
    response = statuses.response_for_event(
        invoice=invoice,
        event_kind=event.kind,
        reason=str(data.get("reason", "") or invoice.rejection_reason or ""),
        sender=origin.recipient_participant,
        receiver=origin.sender_participant,
    )
    if response is None:
        return None
    return _queue(
        kind=MessageKind.RESPONSE,
        invoice=invoice,
        sender_participant=origin.recipient_participant,
        recipient_participant=origin.sender_participant,
        payload=documents.build_invoice_response(response),
    )


def do_queue_mls(
    *,
    sender: str,
    recipient: str,
    reference: str,
    code: str,
    description: str = "",
    lines: list[tuple[str, str, str]] | None = None,
) -> OutboundMessage:
    """Queue a Message Level Status about a document received from ``recipient``'s platform.

    Addressed to the original sender's participant (found through discovery like any
    document), not to a separate SPIS id: see docs/interconnection.md.
    """
    status = documents.MessageLevelStatus(
        code=code,
        reference=reference,
        sender=sender,
        receiver=recipient,
        description=description,
        lines=lines or [],
    )
    with transaction.atomic():
        return _queue(
            kind=MessageKind.MLS,
            sender_participant=sender,
            recipient_participant=recipient,
            payload=documents.build_mls(status),
        )


# ---------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------


class _Retry(Exception):
    """Worth another attempt: partner unreachable, 5xx, SMP not answering, unusable receipt."""


class _Fatal(Exception):
    """Another attempt would not help: the partner refused the message with an ebMS error."""


LEASE = dt.timedelta(minutes=5)

_client: httpx.Client | None = None


def http_client() -> httpx.Client:
    """One HTTP client per process for partners' access points: its connections stay open
    between messages (keep-alive), so a burst does not pay a TCP (and TLS) handshake each."""
    global _client
    if _client is None:
        _client = httpx.Client(
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            timeout=float(config.setting("HTTP_TIMEOUT_SECONDS")),
        )
    return _client


def _claim(message_pk: int) -> OutboundMessage | None:
    """Take the message for one attempt (a short lease instead of a lock held while sending)."""
    now = timezone.now()
    claimed = OutboundMessage.objects.filter(
        Q(next_attempt__lte=now) | Q(next_attempt__isnull=True),
        pk=message_pk,
        status__in=[OutboundStatus.PENDING, OutboundStatus.RETRYING],
    ).update(next_attempt=now + LEASE)
    if not claimed:
        return None
    return OutboundMessage.objects.select_related("invoice").get(pk=message_pk)


def do_send_message(*, message_pk: int) -> str:
    """One sending attempt of an outbound message; returns its status afterwards.

    Runs outside any transaction: discovery and the HTTP call hold no lock.  The task also
    takes up to ``EFACTURA_AS4_SEND_THREADS - 1`` other messages that are due and sends them
    at the same time from a bounded thread pool (a burst of invoices is not sent one round
    trip after another); their own tasks then find them taken and skip."""
    message = _claim(message_pk)
    if message is None:
        return "skipped"
    others = [] if connection.in_atomic_block else _claim_due(exclude=message_pk)
    if not others:
        return _send_claimed(message)
    with ThreadPoolExecutor(max_workers=len(others), thread_name_prefix="as4-send") as pool:
        futures = [pool.submit(_send_in_thread, other) for other in others]
        status = _send_claimed(message)
        for future in futures:
            future.result()
    return status


def _claim_due(*, exclude: int) -> list[OutboundMessage]:
    extra = int(config.setting("SEND_THREADS")) - 1
    if extra <= 0:
        return []
    due = OutboundMessage.objects.filter(
        Q(next_attempt__lte=timezone.now()) | Q(next_attempt__isnull=True),
        status__in=[OutboundStatus.PENDING, OutboundStatus.RETRYING],
    ).exclude(pk=exclude)
    candidates = list(due.order_by("next_attempt", "pk").values_list("pk", flat=True)[:extra])
    return [m for m in (_claim(pk) for pk in candidates) if m is not None]


def _send_in_thread(message: OutboundMessage) -> str:
    try:
        return _send_claimed(message)
    except Exception:
        # The lease expires and the housekeeping requeue sends it again.
        logger.exception("AS4 message %s: sending failed unexpectedly", message.message_id)
        return "error"
    finally:
        # The pool's threads end with the task that made them: close the thread's database
        # connection now instead of leaving it open until the garbage collector finds it.
        connection.close()


def _send_claimed(message: OutboundMessage) -> str:
    try:
        return _attempt(message)
    except _Retry as exc:
        return _retry_later(message, error=str(exc))
    except _Fatal as exc:
        return _give_up(message, error=str(exc))


def _document(
    message: OutboundMessage, endpoints: dict[str, dict[str, str]]
) -> tuple[bytes, str, str]:
    """(payload, document type, process) for the message, in a syntax the recipient takes."""
    if message.kind == MessageKind.RESPONSE:
        return bytes(message.payload), INVOICE_RESPONSE, INVOICE_RESPONSE_PROCESS
    if message.kind == MessageKind.MLS:
        return bytes(message.payload), MLS, MLS_PROCESS
    if message.kind == MessageKind.PING:
        return bytes(message.payload), PING_DOCUMENT, PING_PROCESS
    invoice = message.invoice
    assert invoice is not None
    original = invoice.documents.filter(role=Document.Role.ORIGINAL).order_by("id").first()
    if original is not None and original.format == "facturae" and INVOICE_FACTURAE in endpoints:
        # Both platforms publish Facturae: the signed original travels unchanged.
        return storage.read(original), INVOICE_FACTURAE, BILLING_PROCESS
    if original is not None and original.format == "ubl":
        return storage.read(original), INVOICE_UBL, BILLING_PROCESS
    from efactura.invoices.mapping import canonical_of
    from einvoice import formats

    return formats.render("ubl", [canonical_of(invoice)]), INVOICE_UBL, BILLING_PROCESS


def _endpoint_for(message: OutboundMessage) -> tuple[dict[str, dict[str, str]], str]:
    try:
        endpoints = smp.discover(message.recipient_participant)
    except smp.DiscoveryUnavailable as exc:
        raise _Retry(
            _("The recipient's SMP could not be asked: %(error)s") % {"error": exc}
        ) from None
    return endpoints, ""


def _attempt(message: OutboundMessage) -> str:
    endpoints, _none = _endpoint_for(message)
    if message.kind == MessageKind.PING:
        wanted = PING_DOCUMENT
    elif message.kind == MessageKind.INVOICE:
        wanted = INVOICE_FACTURAE if INVOICE_FACTURAE in endpoints else INVOICE_UBL
    else:
        by_kind: dict[str, str] = {MessageKind.RESPONSE: INVOICE_RESPONSE, MessageKind.MLS: MLS}
        wanted = by_kind[message.kind]
    endpoint = endpoints.get(wanted)
    if endpoint is None:
        return _unroutable(message)
    payload, document_type, process = _document(message, endpoints)
    outgoing = transport.build(
        payload=payload,
        message_id=message.message_id,
        sender=message.sender_participant,
        recipient=message.recipient_participant,
        document_type=document_type,
        process=process,
        instance_id=str(message.instance_id),
        receiver_certificate=pki.cached_certificate(endpoint["certificate"]),
    )
    OutboundMessage.objects.filter(pk=message.pk).update(
        attempts=message.attempts + 1,
        partner=endpoint.get("partner", "")[:200],
        endpoint_url=endpoint["url"][:500],
        document_type=document_type[:300],
    )
    message.attempts += 1
    message.partner = endpoint.get("partner", "")[:200]
    try:
        answer = http_client().post(
            endpoint["url"],
            content=outgoing.body,
            headers=outgoing.headers,
            timeout=float(config.setting("HTTP_TIMEOUT_SECONDS")),
        )
    except httpx.HTTPError as exc:
        raise _Retry(
            _("The partner's access point could not be reached: %(error)s") % {"error": exc}
        ) from None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise _Retry(
            _("The partner's access point answered HTTP %(status)s.")
            % {"status": answer.status_code}
        )
    try:
        signal = transport.check_receipt(outgoing, answer.content)
    except transport.ReceiptError as exc:
        raise _Retry(
            _("The partner's receipt could not be verified: %(error)s") % {"error": exc}
        ) from None
    if not signal.successful:
        raise _Fatal(
            _("The partner refused the message: %(error)s")
            % {"error": transport.error_description(signal)}
        )
    return _delivered(message, receipt=answer.content)


def _delivered(message: OutboundMessage, *, receipt: bytes) -> str:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.DELIVERED, receipt=receipt, last_error="", next_attempt=None
    )
    if message.kind == MessageKind.INVOICE and message.invoice is not None:
        do_record_peer_delivery(
            invoice=message.invoice,
            peer_id=message.partner,
            delivered=True,
            data={"message_id": message.message_id, "as4": True},
        )
    return OutboundStatus.DELIVERED


def _unroutable(message: OutboundMessage) -> str:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.UNROUTABLE, next_attempt=None
    )
    if message.kind == MessageKind.INVOICE and message.invoice is not None:
        # No platform serves the customer: the invoice waits for its registration here.
        do_fall_back_to_registration(invoice=message.invoice)
    else:
        record(
            action="interconnection.message.unroutable",
            source=Source.SYSTEM,
            data={"message_id": message.message_id, "to": message.recipient_participant},
        )
    return OutboundStatus.UNROUTABLE


def retry_delay(attempts: int) -> float:
    base = float(config.setting("RETRY_BASE_SECONDS"))
    return float(min(base * (2 ** max(attempts - 1, 0)), 3600.0))


def _retry_later(message: OutboundMessage, *, error: str) -> str:
    attempts = max(message.attempts, 1)
    if message.attempts == 0:
        OutboundMessage.objects.filter(pk=message.pk).update(attempts=1)
    if attempts >= int(config.setting("MAX_ATTEMPTS")):
        return _give_up(message, error=error)
    at = timezone.now() + dt.timedelta(seconds=retry_delay(attempts))
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.RETRYING, next_attempt=at, last_error=error[:4000]
    )
    _enqueue(message, at=at)
    return OutboundStatus.RETRYING


def _give_up(message: OutboundMessage, *, error: str) -> str:
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundStatus.FAILED, next_attempt=None, last_error=error[:4000]
    )
    if message.kind == MessageKind.INVOICE and message.invoice is not None:
        do_record_peer_delivery(
            invoice=message.invoice,
            peer_id=message.partner or message.recipient_participant,
            delivered=False,
            data={
                "message_id": message.message_id,
                "error": error[:2000],
                "attempts": message.attempts,
            },
        )
    else:
        record(
            action="interconnection.message.failed",
            source=Source.SYSTEM,
            data={"message_id": message.message_id, "kind": message.kind, "error": error[:500]},
        )
    return OutboundStatus.FAILED


def do_requeue_stalled_messages(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Hand again to the worker messages whose task was lost (housekeeping)."""
    cutoff = timezone.now() - older_than
    stalled = list(
        OutboundMessage.objects.filter(
            status__in=[OutboundStatus.PENDING, OutboundStatus.RETRYING], next_attempt__lte=cutoff
        ).values_list("pk", flat=True)[:1000]
    )
    for pk in stalled:
        message = OutboundMessage(pk=pk)
        _enqueue(message)
    return len(stalled)


# ---------------------------------------------------------------------------------------------
# Partners
# ---------------------------------------------------------------------------------------------


def do_add_partner(*, name: str, smp_url: str, certificate_pem: bytes, note: str = "") -> Partner:
    """Register (or update) a partner platform: ``efactura partner add``.

    The certificate must chain to the configured trust list; its CN is the partner's AS4
    party id.  Raises :class:`ValidationError` with a sentence saying what is wrong."""
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(smp_url)
    except ValidationError:
        raise ValidationError(
            _("%(url)s is not an http(s) address of an SMP.") % {"url": smp_url}, code="smp_url"
        ) from None
    certificate = pki.load_certificate(certificate_pem)
    try:
        pki.check_trusted(certificate)
    except Exception as exc:
        raise ValidationError(
            _("The partner's certificate is not trusted: %(error)s (EFACTURA_AS4_TRUST_ANCHORS).")
            % {"error": exc},
            code="untrusted",
        ) from None
    from cryptography.hazmat.primitives import serialization

    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    name = name.strip() or pki.common_name(certificate)
    with transaction.atomic():
        partner, _created = Partner.objects.update_or_create(
            fingerprint=pki.fingerprint(certificate),
            defaults={
                "name": name[:100],
                "smp_url": smp_url.rstrip("/"),
                "party_id": pki.common_name(certificate),
                "certificate": pem,
                "note": note[:200],
                "is_active": True,
            },
        )
        record(
            action="interconnection.partner.added",
            source=Source.CLI,
            data={"name": partner.name, "smp_url": partner.smp_url, "party_id": partner.party_id},
        )
    return partner


@dataclass
class PingResult:
    ok: bool
    detail: str


def do_ping_partner(*, partner: Partner, participant: str) -> PingResult:
    """Send a Peppol connectivity test (AS4 ``.../200704/test`` service) to the access point
    serving ``participant`` through ``partner``'s SMP, and check the signed receipt."""
    message = OutboundMessage.objects.create(
        kind=MessageKind.PING,
        sender_participant=participant,
        recipient_participant=participant,
        payload=b'<?xml version="1.0" encoding="UTF-8"?><Ping xmlns="urn:efactura:ping"/>',
        next_attempt=timezone.now(),
    )
    try:
        status = _attempt(message)
    except (_Retry, _Fatal) as exc:
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutboundStatus.FAILED, last_error=str(exc)[:4000], next_attempt=None
        )
        return PingResult(ok=False, detail=str(exc))
    return PingResult(ok=status == OutboundStatus.DELIVERED, detail=status)
