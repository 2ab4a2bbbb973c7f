"""What happens after an invoice changes: every side effect, listed here and enqueued.

A service that changes an invoice calls :func:`enqueue` in the same transaction as the change.
That writes one task running every handler of :data:`EFFECTS` for the change (``django.tasks``,
the database backend):
the task rows commit — or roll back — with the change, so a rolled-back action emails and
delivers nothing, and a committed one cannot lose its email, peer delivery or webhook.

The worker runs each task after the commit, each handler in its own transaction.  A handler
that fails is not swallowed: the failure is logged with its traceback, the task result records
it (visible in the admin's task list), and the failed handlers alone are retried with growing
delays, up to
:data:`MAX_ATTEMPTS`.  Handlers must therefore be idempotent enough to run again after a
failure; they only record rows (emails, outbound messages, webhook deliveries) whose own tasks
do the network calls.

A handler's follow-up work that does the network call (an email, the SPFE copy) is recorded
in its rows and handed to :func:`follow_up`: inside a side-effect task it runs in the same
task, right after the handlers (no second and third task to queue, claim and finish per
invoice); anywhere else it is enqueued.  If it fails or the worker stops first, its rows are
still pending and its own retry or the housekeeping sweep sends it.

Contract of a handler: a function taking keyword arguments ``invoice`` (:class:`Invoice`),
``event`` (:class:`Event` or ``None``), ``route`` and ``source`` (strings), ignoring the rest.
A new consumer adds its dotted path to the table below — nothing else calls it implicitly.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
from typing import Any

from django.tasks import Task, task
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
    *what: str,
    invoice: Invoice,
    event: Event | None = None,
    source: str = "",
) -> None:
    """Enqueue every handler of each change in ``what`` for ``invoice`` as **one** task; call
    it inside the transaction that made the change.

    One task per change (not per handler) keeps the queue and the worker's per-task cost small:
    a locally delivered invoice is routed and received in one transaction, and its handlers run
    from a single task.  Each handler still runs in its own transaction and a failing one is
    retried alone (see :func:`run_effect`), so merging loses no effect.
    """
    handlers = [handler for change in what for handler in EFFECTS[change]]
    run_effect.enqueue(
        handlers=list(dict.fromkeys(handlers)),
        invoice_id=str(invoice.pk),
        event_id=event.pk if event is not None else None,
        source=source,
    )


@task()
def run_effect(
    *,
    handlers: list[str] | None = None,
    handler: str = "",
    invoice_id: str,
    event_id: int | None = None,
    source: str = "",
    attempt: int = 1,
) -> str:
    """Run the ``handlers`` of :data:`EFFECTS` for an invoice (and event), each in its own
    transaction; the ones that fail are logged and retried together in one later task, and the
    task fails (so the failure shows in the task list) after the others have run.

    ``handler`` (one dotted path) is what tasks queued before handlers were merged carry."""
    names = list(handlers or []) + ([handler] if handler else [])
    for name in names:
        if not any(name in listed for listed in EFFECTS.values()):
            raise ValueError(f"{name!r} is not a side effect listed in EFFECTS")
    from django.db import transaction

    # Issuer and recipient come with the row: every handler asks for them.
    invoice = Invoice.objects.select_related("issuer", "recipient").filter(pk=invoice_id).first()
    if invoice is None:
        return "missing"
    event = Event.objects.filter(pk=event_id).first() if event_id is not None else None
    failed: list[str] = []
    first_error: Exception | None = None
    collected: list[tuple[Task[Any, Any], dict[str, Any]]] = []
    outer, _follow_ups.pending = _follow_ups.pending, collected
    try:
        for name in names:
            # Each handler gets its own copy of the row as loaded, not as the previous one
            # left it.
            row = copy.copy(invoice)
            try:
                with transaction.atomic():
                    import_string(name)(invoice=row, event=event, route=row.route, source=source)
            except Exception as exc:
                logger.exception(
                    "Side effect %s failed for invoice %s (attempt %s of %s)",
                    name,
                    invoice_id,
                    attempt,
                    MAX_ATTEMPTS,
                )
                failed.append(name)
                first_error = first_error or exc
    finally:
        _follow_ups.pending = outer
    # After every handler committed, outside any transaction: an email and the SPFE copy
    # are network calls.
    _run_follow_ups(collected)
    if first_error is not None:
        _retry(failed, invoice_id, event_id, source, attempt)
        raise first_error
    return "done"


class _FollowUps(threading.local):
    """The follow-ups recorded while this thread runs a side-effect task's handlers."""

    pending: list[tuple[Task[Any, Any], dict[str, Any]]] | None = None


_follow_ups = _FollowUps()


def follow_up(task: Task[Any, Any], **kwargs: Any) -> None:
    """Run ``task(**kwargs)`` after the current transaction commits: in this side-effect task
    once its handlers are done, or else through the queue.  Call it from ``on_commit``."""
    pending = _follow_ups.pending
    if pending is None:
        task.enqueue(**kwargs)
    else:
        pending.append((task, kwargs))


def _run_follow_ups(collected: list[tuple[Task[Any, Any], dict[str, Any]]]) -> None:
    for follow, kwargs in collected:
        try:
            follow.call(**kwargs)
        except Exception:
            # Its own retries never started: leave it to the queue, which retries it.
            logger.exception("Follow-up %s failed; queued again", follow.name)
            follow.enqueue(**kwargs)


def _retry(
    handlers: list[str], invoice_id: str, event_id: int | None, source: str, attempt: int
) -> None:
    if attempt >= MAX_ATTEMPTS:
        return
    if (
        not run_effect.get_backend().supports_defer
    ):  # the immediate backend of tests: the failure stays visible
        return
    delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)]
    run_effect.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(
        handlers=handlers,
        invoice_id=invoice_id,
        event_id=event_id,
        source=source,
        attempt=attempt + 1,
    )
