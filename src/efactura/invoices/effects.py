"""What happens after an invoice changes: every side effect, listed here and enqueued.

A service that changes an invoice calls :func:`enqueue` in the same transaction as the change.
That writes one task per handler of :data:`EFFECTS` (``django.tasks``, the database backend):
the task rows commit — or roll back — with the change, so a rolled-back action emails and
delivers nothing, and a committed one cannot lose its email, peer delivery or webhook.

The worker runs each task after the commit, in its own transaction.  A handler that fails is
not swallowed: the failure is logged with its traceback, the task result records it (visible
in the admin's task list), and the task is retried with growing delays, up to
:data:`MAX_ATTEMPTS`.  Handlers must therefore be idempotent enough to run again after a
failure; they only record rows (emails, outbound messages, webhook deliveries) whose own tasks
do the network calls.

Contract of a handler: a function taking keyword arguments ``invoice`` (:class:`Invoice`),
``event`` (:class:`Event` or ``None``), ``route`` and ``source`` (strings), ignoring the rest.
A new consumer adds its dotted path to the table below — nothing else calls it implicitly.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.tasks import task
from django.utils import timezone
from django.utils.module_loading import import_string

from efactura.invoices.models import Event, Invoice

logger = logging.getLogger(__name__)

INVOICE_ROUTED = "invoice_routed"
"""An issued invoice got its routing decision (local inbox, partner platform, awaiting
registration): the customer's email or invitation, the delivery to the partner platform."""
INVOICE_RECEIVED = "invoice_received"
"""An invoice entered a company's *Invoices payable* (delivery, import, release on
registration, partner platform): the recipient's email, the ``invoice.received`` webhook."""
STATUS_CHANGED = "status_changed"
"""A business status event was recorded (read, accepted, rejected, payment, cancellation …):
the other side's email, the status message back to the issuer's platform, webhooks."""
DELIVERY_FAILED = "delivery_failed"
"""An invoice could not be delivered: the issuer's email and ``delivery.failed`` webhook."""

EFFECTS: dict[str, tuple[str, ...]] = {
    INVOICE_ROUTED: (
        "efactura.notifications.receivers.on_invoice_routed",
        "efactura.interconnection.receivers.on_invoice_routed",
        "efactura.spfe.receivers.on_invoice_routed",
    ),
    INVOICE_RECEIVED: (
        "efactura.notifications.receivers.on_invoice_received",
        "efactura.api.receivers.on_invoice_received",
    ),
    STATUS_CHANGED: (
        "efactura.notifications.receivers.on_invoice_status_changed",
        "efactura.interconnection.receivers.on_invoice_status_changed",
        "efactura.api.receivers.on_status_changed",
        "efactura.spfe.receivers.on_status_changed",
    ),
    DELIVERY_FAILED: (
        "efactura.notifications.receivers.on_event_saved",
        "efactura.api.receivers.on_event_created",
    ),
}
"""Which handlers run after which change (dotted paths, so this app imports none of them)."""

MAX_ATTEMPTS = 5
"""Attempts per handler before its failure is left as is (logged, and failed in the task list)."""

RETRY_DELAYS = (60, 300, 1800, 7200)
"""Seconds before the 2nd, 3rd … attempt."""


def enqueue(
    what: str,
    *,
    invoice: Invoice,
    event: Event | None = None,
    source: str = "",
) -> None:
    """Enqueue every handler of ``what`` for ``invoice``; call it inside the transaction that
    made the change."""
    for handler in EFFECTS[what]:
        run_effect.enqueue(
            handler=handler,
            invoice_id=str(invoice.pk),
            event_id=event.pk if event is not None else None,
            source=source,
        )


@task()
def run_effect(
    *,
    handler: str,
    invoice_id: str,
    event_id: int | None = None,
    source: str = "",
    attempt: int = 1,
) -> str:
    """Run one handler of :data:`EFFECTS` for an invoice (and event), retrying on failure."""
    if not any(handler in handlers for handlers in EFFECTS.values()):
        raise ValueError(f"{handler!r} is not a side effect listed in EFFECTS")
    from django.db import transaction

    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        return "missing"
    event = Event.objects.filter(pk=event_id).first() if event_id is not None else None
    try:
        with transaction.atomic():
            import_string(handler)(invoice=invoice, event=event, route=invoice.route, source=source)
    except Exception:
        logger.exception(
            "Side effect %s failed for invoice %s (attempt %s of %s)",
            handler,
            invoice_id,
            attempt,
            MAX_ATTEMPTS,
        )
        _retry(handler, invoice_id, event_id, source, attempt)
        raise
    return "done"


def _retry(handler: str, invoice_id: str, event_id: int | None, source: str, attempt: int) -> None:
    if attempt >= MAX_ATTEMPTS:
        return
    if (
        not run_effect.get_backend().supports_defer
    ):  # the immediate backend of tests: the failure stays visible
        return
    delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
    run_effect.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(
        handler=handler,
        invoice_id=invoice_id,
        event_id=event_id,
        source=source,
        attempt=attempt + 1,
    )
