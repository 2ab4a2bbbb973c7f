"""Writes of the API app: submitting invoices idempotently, status changes through the API,
acknowledgements of received invoices, webhooks and their deliveries.

Keyword-only, acting company explicit, one transaction each, audited (STYLE.md habits 2-5).
Lifecycle changes are delegated to :mod:`efactura.invoices.services`; errors stay Django's
(``ValidationError``, ``PermissionDenied``, ``Invoice.DoesNotExist``) and the handlers turn
them into problem documents.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from efactura.accounts.models import User
from efactura.api.choices import (
    DEFAULT_IDEMPOTENCY_WAIT_SECONDS,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_LEASE_SECONDS,
    DeliveryStatus,
    WebhookEvent,
)
from efactura.api.models import Acknowledgement, IdempotencyRecord, Webhook, WebhookDelivery
from efactura.api.problems import problem_body
from efactura.api.representations import event_dict, invoice_summary
from efactura.audit.choices import Source
from efactura.audit.services import record
from efactura.companies.models import ApiKey, Company
from efactura.invoices import services as invoice_services
from efactura.invoices.models import Event, Invoice
from efactura.invoices.selectors import access_invoice_by_id
from efactura.invoices.services import statuses as status_services
from einvoice.errors import EInvoiceError, Layer, Violation
from einvoice.serialize import invoice_from_data

logger = logging.getLogger(__name__)

# -- Submitting invoices ----------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """What an ERP posted: an XML file (any supported format, batch or zip) or canonical JSON."""

    kind: Literal["xml", "json"]
    filename: str = ""
    data: bytes = b""
    payload: Any = None

    @property
    def fingerprint(self) -> str:
        """Identifies the request's content (not its envelope: a multipart boundary or a
        reformatted JSON does not make a retry a different request)."""
        if self.kind == "json":
            material = json.dumps(self.payload, sort_keys=True, separators=(",", ":")).encode()
        else:
            material = self.data
        return hashlib.sha256(self.kind.encode() + b"\0" + material).hexdigest()


@dataclass
class ApiResult:
    """A status code and JSON body, as stored for idempotent replays."""

    status: int
    body: dict[str, Any]
    replayed: bool = False
    headers: dict[str, str] = field(default_factory=dict)


_ZERO_TOTALS = {
    "line_net_total": "0",
    "tax_exclusive": "0",
    "vat_total": "0",
    "tax_inclusive": "0",
    "payable": "0",
}


def _rejected(detail: str, violations: Iterable[Violation | dict[str, Any]]) -> ApiResult:
    return ApiResult(
        status=422,
        body=problem_body(
            status=422,
            slug="invoice-rejected",
            title=_("The invoice was not accepted."),
            detail=detail,
            violations=violations,
        ),
    )


def _violation(rule: str, en: str, es: str, location: str = "") -> Violation:
    return Violation(rule=rule, message=en, message_es=es, layer=Layer.SPAIN, location=location)


def _submit_json(*, company: Company, actor: ApiKey | None, payload: Any) -> ApiResult:
    if not isinstance(payload, dict):
        return _rejected(
            _("The body must be a JSON object: the invoice in the canonical model."),
            [
                _violation(
                    "JSON-FIELD",
                    "The body must be a JSON object holding the invoice.",
                    "El cuerpo debe ser un objeto JSON con la factura.",
                    "invoice",
                )
            ],
        )
    if payload.get("number"):
        # JSON invoices are numbered by the platform: gap-free and correlative per series
        # (RD 1619/2012 art. 6.1.a).  Programmes that number themselves send their XML.
        return _rejected(
            _("Invoices sent as JSON are numbered by the platform; leave out “number”."),
            [
                _violation(
                    "API-NUMBER",
                    "Leave out 'number': the platform gives the next number of the series "
                    "('series'). To keep your own numbering, send the invoice as XML.",
                    "Omita 'number': la plataforma asigna el siguiente número de la serie "
                    "('series'). Para conservar su numeración, envíe la factura en XML.",
                    "invoice.number",
                )
            ],
        )
    data = dict(payload)
    data["number"] = ""
    data.setdefault("seller", {"name": company.legal_name, "tax_id": company.tax_id})
    data.setdefault("totals", _ZERO_TOTALS)
    try:
        draft = invoice_from_data(data)
    except EInvoiceError as exc:
        return _rejected(exc.summary(), exc.violations)
    try:
        invoice = invoice_services.do_issue_invoice(
            company=company, actor=actor, draft=draft, series_code=draft.series, source=Source.API
        )
    except invoice_services.InvoiceRejected as exc:
        return _rejected(str(exc), exc.violations)
    except ValidationError as exc:  # the company's signing policy refused
        message = " ".join(exc.messages)
        return _rejected(message, [_violation("SIGNING", message, message)])
    body = invoice_summary(invoice, company=company, acknowledged=False)
    body["invoices"] = [dict(body)]
    return ApiResult(status=201, body=body)


def _submit_xml(*, company: Company, actor: ApiKey | None, filename: str, data: bytes) -> ApiResult:
    report = invoice_services.do_import_files(
        company=company,
        actor=actor,
        files=[(filename, data)],
        direction="issued",
        source=Source.API,
    )
    imported = report.imported
    problems: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    duplicate_of = None
    for file_report in report.files:
        problems.extend(v.as_dict() for v in file_report.violations)
        for item in file_report.invoices:
            if item.outcome == "imported":
                continue
            for v in item.violations:
                entry = v.as_dict()
                if entry.get("invoice") is None and len(file_report.invoices) > 1:
                    entry["invoice"] = item.index
                problems.append(entry)
            rejected.append(item.as_dict())
            if item.duplicate_of is not None and duplicate_of is None:
                duplicate_of = str(item.duplicate_of.pk)
    warnings = [v.as_dict() for f in report.files for v in f.warnings]
    if not imported:
        if not problems:
            problems = [
                _violation(
                    "IMPORT-EMPTY",
                    f"{filename} holds no invoice.",
                    f"{filename} no contiene facturas.",
                ).as_dict()
            ]
        first = problems[0]
        result = _rejected(
            _("%(file)s: %(message)s") % {"file": filename, "message": first["message"]}, problems
        )
        if duplicate_of:
            result.body["duplicate_of"] = duplicate_of
        if warnings:
            result.body["warnings"] = warnings
        return result
    summaries = [invoice_summary(i, company=company, acknowledged=False) for i in imported]
    body = {**summaries[0], "invoices": summaries, "warnings": warnings, "rejected": rejected}
    return ApiResult(status=201, body=body)


def _submit(*, company: Company, actor: ApiKey | None, submission: Submission) -> ApiResult:
    if submission.kind == "json":
        return _submit_json(company=company, actor=actor, payload=submission.payload)
    return _submit_xml(
        company=company, actor=actor, filename=submission.filename, data=submission.data
    )


def do_submit_invoice(
    *,
    company: Company,
    submission: Submission,
    idempotency_key: str = "",
    actor: ApiKey | None = None,
) -> ApiResult:
    """Issue (JSON) or import as issuer (XML) what an ERP posted, at most once per key.

    With ``idempotency_key`` the work is in three steps, none holding a transaction or a lock
    across the others (route discovery and deliveries may call other platforms): the key is
    claimed (a short transaction inserting the record), the submission runs (its invoices are
    stored in their own transactions, each adding itself to the record), and the answer is
    stored.  A concurrent request with the same key waits for that answer
    (``EFACTURA_IDEMPOTENCY_WAIT_SECONDS``), then gets it (``replayed``) or 409 with
    ``Retry-After``.  If the submission fails unexpectedly before storing any invoice, the claim
    is released and a retry does the work; if the process dies, a retry after
    :data:`IDEMPOTENCY_LEASE_SECONDS` takes the claim over and answers with the invoices already
    stored (or does the work when there are none).  Validation failures (422) are stored too,
    so a retry always sees the same answer.  The same key with different content is 422.
    """
    key = idempotency_key.strip()
    if not key:
        return _submit(company=company, actor=actor, submission=submission)
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        return ApiResult(
            status=422,
            body=problem_body(
                status=422,
                slug="idempotency-key-invalid",
                title=_("The Idempotency-Key header is too long."),
                detail=_("Use at most %(n)s characters, e.g. a UUID or a hash of the file.")
                % {"n": IDEMPOTENCY_KEY_MAX_LENGTH},
            ),
        )
    claimed = _claim_key(company=company, key=key, fingerprint=submission.fingerprint)
    if isinstance(claimed, ApiResult):
        return claimed
    stored_ids = list(claimed.invoice_ids)
    earlier = _invoices_of(company, stored_ids)
    if earlier:  # taken over from a request that died after storing its invoices
        result = _answer_for(company, submission, earlier)
        result.replayed = True
    else:
        try:
            with invoice_services.on_invoice_created(
                partial(_remember_invoice, record_pk=claimed.pk, ids=stored_ids)
            ):
                result = _submit(company=company, actor=actor, submission=submission)
        except BaseException:
            _release_claim(claimed)
            raise
    # Stored only while the claim is still ours (a request slower than the lease lost it).
    IdempotencyRecord.objects.filter(pk=claimed.pk, status_code=0, created=claimed.created).update(
        status_code=result.status, body=result.body
    )
    return result


def _claim_key(*, company: Company, key: str, fingerprint: str) -> IdempotencyRecord | ApiResult:
    """Claim ``key`` (the record, ``status_code`` 0) or answer from the stored record."""
    wait = float(
        getattr(settings, "EFACTURA_IDEMPOTENCY_WAIT_SECONDS", DEFAULT_IDEMPOTENCY_WAIT_SECONDS)
    )
    deadline = time.monotonic() + wait
    pause = 0.02
    while True:
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    company=company, key=key, fingerprint=fingerprint
                )
        except IntegrityError:
            stored = IdempotencyRecord.objects.filter(company=company, key=key).first()
        if stored is not None:
            if stored.fingerprint != fingerprint:
                return _key_reused(key)
            if stored.status_code:
                return ApiResult(status=stored.status_code, body=stored.body, replayed=True)
            now = timezone.now()
            if stored.created < now - dt.timedelta(seconds=IDEMPOTENCY_LEASE_SECONDS):
                # The request holding the claim died: take it over (one retry wins).
                taken = IdempotencyRecord.objects.filter(
                    pk=stored.pk, status_code=0, created=stored.created
                ).update(created=now)
                if taken:
                    stored.created = now
                    return stored
                continue
        if time.monotonic() >= deadline:
            return _key_in_progress(key)
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _remember_invoice(invoice: Invoice, *, record_pk: int, ids: list[str]) -> None:
    """In ``invoice``'s transaction: add it to the claim, so a retry after a crash finds it."""
    ids.append(str(invoice.pk))
    IdempotencyRecord.objects.filter(pk=record_pk).update(invoice_ids=list(ids))


def _release_claim(claimed: IdempotencyRecord) -> None:
    """After an unexpected failure: drop the claim unless an invoice was stored under it (then
    it stays, and a retry after the lease answers with those invoices)."""
    try:
        row = IdempotencyRecord.objects.filter(pk=claimed.pk, created=claimed.created).first()
        if row is not None and not _invoices_of(claimed.company, list(row.invoice_ids)):
            row.delete()
    except Exception:  # the original error matters more; the lease covers this case
        logger.exception("Could not release the Idempotency-Key claim %s", claimed.pk)


def _invoices_of(company: Company, ids: list[str]) -> list[Invoice]:
    """The invoices of ``ids`` that exist (an id of a rolled-back transaction does not)."""
    if not ids:
        return []
    found = {str(i.pk): i for i in Invoice.objects.filter(pk__in=ids, issuer=company)}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def _answer_for(company: Company, submission: Submission, invoices: list[Invoice]) -> ApiResult:
    """The 201 answer for invoices a request stored before its process died."""
    summaries = [invoice_summary(i, company=company, acknowledged=False) for i in invoices]
    if submission.kind == "json":
        body = dict(summaries[0])
        body["invoices"] = [dict(summaries[0])]
    else:
        body = {**summaries[0], "invoices": summaries, "warnings": [], "rejected": []}
    return ApiResult(status=201, body=body)


def _key_reused(key: str) -> ApiResult:
    return ApiResult(
        status=422,
        body=problem_body(
            status=422,
            slug="idempotency-key-reused",
            title=_("This Idempotency-Key was already used for another request."),
            detail=_(
                "The key %(key)s was first used with different content; use a new "
                "key for a new invoice."
            )
            % {"key": key},
        ),
    )


def _key_in_progress(key: str) -> ApiResult:
    return ApiResult(
        status=409,
        body=problem_body(
            status=409,
            slug="idempotency-key-in-progress",
            title=_("A request with this Idempotency-Key is still being processed."),
            detail=_(
                "The first request with the key %(key)s has not finished yet; send the same "
                "request again in a moment to get its answer."
            )
            % {"key": key},
        ),
        headers={"Retry-After": "1"},
    )


def do_purge_idempotency_records(*, older_than_days: int) -> int:
    """Delete stored answers older than ``older_than_days``; returns how many."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted, _detail = IdempotencyRecord.objects.filter(created__lt=cutoff).delete()
    return deleted


# -- Status changes -----------------------------------------------------------------------------

StatusName = Literal[
    "read",
    "accepted",
    "rejected",
    "rejection_cancelled",
    "paid",
    "payment_cancelled",
    "settled",
    "settlement_cancelled",
    "defaulted",
    "default_cancelled",
    "cancellation_requested",
    "cancellation_accepted",
    "cancellation_refused",
]

_COLLECTION_STEPS = {
    "settled": "settle",
    "settlement_cancelled": "cancel_settlement",
    "defaulted": "default",
    "default_cancelled": "cancel_default",
}


def do_change_invoice_status(
    *,
    company: Company,
    invoice_id: str,
    status: StatusName,
    reason: str = "",
    date: dt.date | None = None,
    amount: Decimal | None = None,
    actor: ApiKey | None = None,
    reason_code: str = "OTH",
    payment_id: int | None = None,
) -> Invoice:
    """Apply one lifecycle step reported by the company's programme (``actor``: its key).

    The buyer reports read / accepted / rejected (reason and reason code) / paid (amount
    defaults to what is outstanding, date to today), cancels its rejection or a payment, and
    answers cancellation requests; the seller reports collection or default (and cancels
    them) and requests cancellation (reason required).  The rules are those of
    :mod:`efactura.invoices.transitions`.
    """
    invoice = access_invoice_by_id(company=company, invoice_id=invoice_id)
    common: dict[str, Any] = {"invoice": invoice, "company": company, "actor": actor}
    common["source"] = Source.API
    if status == "read":
        invoice_services.do_mark_read(**common)
    elif status == "accepted":
        invoice = invoice_services.do_accept_invoice(**common, note=reason)
    elif status == "rejected":
        invoice = invoice_services.do_reject_invoice(**common, reason=reason, code=reason_code)
    elif status == "rejection_cancelled":
        invoice = status_services.do_cancel_rejection(**common, reason=reason)
    elif status == "payment_cancelled":
        invoice = status_services.do_cancel_payment(**common, payment_id=payment_id)
    elif status in _COLLECTION_STEPS:
        invoice = status_services.do_report_collection(
            **common, step=_COLLECTION_STEPS[status], date=date, reason=reason
        )
    elif status == "paid":
        invoice = invoice_services.do_record_payment(
            **common,
            amount=amount if amount is not None else invoice.payable - invoice.paid_amount,
            date=date or timezone.localdate(),
        )
    elif status == "cancellation_requested":
        invoice = invoice_services.do_request_cancellation(**common, reason=reason)
    else:
        invoice = invoice_services.do_answer_cancellation(
            **common, accept=status == "cancellation_accepted", reason=reason
        )
    return access_invoice_by_id(company=company, invoice_id=invoice.pk)


# -- Acknowledgements ---------------------------------------------------------------------------


@transaction.atomic
def do_acknowledge_invoices(
    *, company: Company, invoice_ids: Iterable[str], api_key_id: int | None = None
) -> tuple[list[str], list[str]]:
    """Record that the company's programme has taken these received invoices in.

    Returns ``(acknowledged, not_found)``; ids that are not invoices received by the company
    (unknown, another company's, or issued by it) are ``not_found``.  Acknowledging twice is
    harmless.
    """
    wanted: list[str] = []
    for raw in invoice_ids:
        if str(raw) not in wanted:
            wanted.append(str(raw))
    found: list[Invoice] = []
    missing: list[str] = []
    for raw in wanted:
        try:
            invoice = access_invoice_by_id(company=company, invoice_id=raw)
        except Invoice.DoesNotExist:
            missing.append(raw)
            continue
        if invoice.recipient_id != company.pk:
            missing.append(raw)
            continue
        found.append(invoice)
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(company=company, invoice=i, api_key_id=api_key_id) for i in found],
        ignore_conflicts=True,
    )
    if found:
        record(
            action="api.invoice.acknowledged",
            company=company,
            source=Source.API,
            data={"invoices": [str(i.pk) for i in found], "api_key": api_key_id},
        )
    return [str(i.pk) for i in found], missing


# -- Webhooks -----------------------------------------------------------------------------------


def _check_webhook_url(url: str) -> str:
    url = url.strip()
    production = bool(getattr(settings, "PRODUCTION", False))
    allowed = ("https://",) if production else ("https://", "http://")
    if not url.lower().startswith(allowed):
        raise ValidationError(
            _("The webhook address must start with https://.")
            if production
            else _("The webhook address must start with https:// or http://."),
            code="url",
        )
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            _("%(url)s is not a valid web address.") % {"url": url}, code="url"
        ) from None
    from efactura.api import egress

    # Refuses internal addresses now; a name that does not resolve yet is checked (and must
    # resolve to a public address) again at every delivery.
    egress.check_url(url, resolve_required=False)
    return url


@transaction.atomic
def do_create_webhook(
    *,
    company: Company,
    url: str,
    events: Iterable[str],
    actor: User | None = None,
    source: Source = Source.WEB,
) -> tuple[Webhook, str]:
    """Register a webhook; returns it and its signing secret (shown once, stored encrypted)."""
    from efactura.signing.services import encrypt

    url = _check_webhook_url(url)
    chosen = [e for e in WebhookEvent.values if e in set(events)]
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown:
        raise ValidationError(
            _("Unknown webhook event %(event)s.") % {"event": unknown[0]}, code="event"
        )
    if not chosen:
        raise ValidationError(_("Choose at least one event for the webhook."), code="no_event")
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    webhook = Webhook.objects.create(
        company=company,
        url=url,
        events=chosen,
        secret_encrypted=encrypt(secret.encode()),
        secret_hint=secret[:10],
        created_by=actor,
    )
    record(
        action="api.webhook.created",
        actor=actor,
        company=company,
        obj=webhook,
        source=source,
        data={"url": url, "events": chosen},
    )
    return webhook, secret


@transaction.atomic
def do_delete_webhook(
    *, webhook: Webhook, actor: User | None = None, source: Source = Source.WEB
) -> None:
    """Remove a webhook and its delivery log; nothing more is sent to it."""
    record(
        action="api.webhook.deleted",
        actor=actor,
        company=webhook.company,
        obj=webhook,
        source=source,
        data={"url": webhook.url},
    )
    webhook.delete()


def webhook_secret(webhook: Webhook) -> str:
    from efactura.signing.services import decrypt

    return decrypt(bytes(webhook.secret_encrypted)).decode()


def do_enqueue_webhook_event(
    *,
    company_id: int,
    event: WebhookEvent,
    invoice: Invoice,
    timeline_event: Event | None = None,
) -> list[WebhookDelivery]:
    """Create a delivery for each of the company's webhooks listening to ``event`` and send
    each after the current transaction commits (called by the handlers in api.receivers)."""
    from efactura.api.tasks import deliver_webhook

    hooks = [
        w
        for w in Webhook.objects.filter(company_id=company_id, is_active=True)
        if event in w.events
    ]
    if not hooks:
        return []
    company = Company.objects.get(pk=company_id)
    data: dict[str, Any] = {"invoice": invoice_summary(invoice, company=company)}
    if timeline_event is not None:
        data["event"] = event_dict(timeline_event)
    deliveries = []
    for hook in hooks:
        delivery = WebhookDelivery.objects.create(webhook=hook, event=event, invoice=invoice)
        delivery.payload = {
            "id": f"evt_{delivery.pk}",
            "type": str(event),
            "created": delivery.created.isoformat(),
            "company": company.tax_id,
            "data": data,
        }
        delivery.save(update_fields=["payload"])
        deliveries.append(delivery)
        transaction.on_commit(
            partial(deliver_webhook.enqueue, delivery_id=delivery.pk), robust=True
        )
    return deliveries


def backoff_seconds(attempt: int) -> int:
    """Wait before retrying after failed attempt number ``attempt`` (1-based)."""
    from efactura.api.choices import WEBHOOK_BACKOFF_BASE_SECONDS

    return int(WEBHOOK_BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))


def sign_payload(*, secret: str, body: bytes, timestamp: int) -> str:
    """The ``Efactura-Signature`` header value: ``t=<unix time>,v1=<hex HMAC-SHA256>`` of
    ``"<t>." + body`` with the webhook's secret."""
    import hmac

    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def do_attempt_webhook_delivery(*, delivery_id: int) -> WebhookDelivery | None:
    """POST one delivery to its webhook and record the outcome (the delivery task's body).

    A 2xx answer is success.  Anything else is retried with exponential back-off
    (:func:`backoff_seconds`) up to ``WEBHOOK_MAX_ATTEMPTS``, then marked failed.  The HTTP call
    runs outside any transaction; the row is locked only to record the result.
    """
    import time

    import httpx

    from efactura.api.choices import (
        WEBHOOK_MAX_ATTEMPTS,
        WEBHOOK_SIGNATURE_HEADER,
        WEBHOOK_TIMEOUT_SECONDS,
    )

    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in {DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED}:
        return delivery
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "efactura-webhooks/1",
        WEBHOOK_SIGNATURE_HEADER: sign_payload(
            secret=webhook_secret(webhook), body=body, timestamp=timestamp
        ),
        "Efactura-Event": delivery.event,
        "Efactura-Delivery": f"evt_{delivery.pk}",
    }
    status_code: int | None = None
    error = ""
    if not webhook.is_active:
        error = "The webhook is switched off."
    else:
        from efactura.api import egress

        try:
            response = egress.post(
                webhook.url, content=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
            )
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {response.text[:200]}"
        except egress.UnsafeAddress as exc:
            error = f"Refused: {' '.join(exc.messages)}"[:500]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error[:500]
        if not error:
            delivery.status = DeliveryStatus.SUCCEEDED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif delivery.attempts >= WEBHOOK_MAX_ATTEMPTS or not webhook.is_active:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = DeliveryStatus.RETRYING
            delivery.next_attempt_at = now + dt.timedelta(
                seconds=backoff_seconds(delivery.attempts)
            )
        delivery.save()
        if delivery.status == DeliveryStatus.RETRYING:
            _schedule_retry(delivery)
    return delivery


def _schedule_retry(delivery: WebhookDelivery) -> None:
    """Enqueue the next attempt for ``next_attempt_at`` when the task backend can defer
    (the database backend can); otherwise :func:`do_retry_due_webhook_deliveries` picks it up."""
    from django.tasks import task_backends

    from efactura.api.tasks import deliver_webhook

    backend = task_backends[deliver_webhook.backend]
    if not backend.supports_defer:
        return
    pk, when = delivery.pk, delivery.next_attempt_at
    transaction.on_commit(
        lambda: deliver_webhook.using(run_after=when).enqueue(delivery_id=pk), robust=True
    )


def do_retry_due_webhook_deliveries(*, now: dt.datetime | None = None) -> int:
    """Attempt every delivery whose retry time has come; returns how many were attempted."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.RETRYING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
    for pk in due:
        do_attempt_webhook_delivery(delivery_id=pk)
    return len(due)
