"""Side-effect handlers: the invoices app says what happened, notifications decide who to email.

They are listed in :data:`efactura.invoices.effects.EFFECTS` and run as tasks enqueued in the
invoice service's transaction, so a rolled-back action emails nobody.  They only *record*
emails (rows plus an ``on_commit`` hand-off to the sending task).  A failure is not swallowed:
it fails the effect's task, which logs it and retries (``efactura.invoices.effects``).
"""

from __future__ import annotations

from typing import Any

from efactura.invoices.models import Event, Invoice


def on_invoice_routed(*, invoice: Invoice, route: str, **_kwargs: Any) -> None:
    from efactura.notifications.services import notify_invoice_routed

    notify_invoice_routed(invoice=invoice, route=route)


def on_invoice_received(*, invoice: Invoice, **_kwargs: Any) -> None:
    from efactura.notifications.services import notify_invoice_received

    notify_invoice_received(invoice=invoice)


def on_invoice_status_changed(*, invoice: Invoice, event: Event | None, **_kwargs: Any) -> None:
    from efactura.notifications.services import notify_status_changed

    if event is not None:
        notify_status_changed(invoice=invoice, event=event)


def on_event_saved(*, event: Event | None, **_kwargs: Any) -> None:
    """A delivery failure, recorded as a timeline event by whichever channel failed."""
    from efactura.notifications.services import notify_delivery_failed

    if event is not None:
        notify_delivery_failed(event=event)
