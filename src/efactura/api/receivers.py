"""Side-effect handlers that turn invoice events into webhook deliveries.

Listed in :data:`efactura.invoices.effects.EFFECTS`; they run as tasks enqueued in the
service's transaction and only create delivery rows; the HTTP calls are tasks enqueued on
commit.
"""

from __future__ import annotations

from typing import Any

from efactura.api.choices import WebhookEvent
from efactura.api.services import do_enqueue_webhook_event
from efactura.invoices.choices import EventKind
from efactura.invoices.models import Event, Invoice


def on_invoice_received(*, invoice: Invoice, **_kwargs: Any) -> None:
    if invoice.recipient_id is not None:
        do_enqueue_webhook_event(
            company_id=invoice.recipient_id, event=WebhookEvent.INVOICE_RECEIVED, invoice=invoice
        )


def on_status_changed(*, invoice: Invoice, event: Event | None, **_kwargs: Any) -> None:
    """Both sides on this platform are told; ``data.event.by`` says who made the change."""
    if event is None or event.kind == EventKind.DELIVERY_FAILED:
        return  # told by on_event_created
    for company_id in {c for c in (invoice.issuer_id, invoice.recipient_id) if c is not None}:
        do_enqueue_webhook_event(
            company_id=company_id,
            event=WebhookEvent.STATUS_CHANGED,
            invoice=invoice,
            timeline_event=event,
        )


def on_event_created(*, invoice: Invoice, event: Event | None, **_kwargs: Any) -> None:
    """An invoice could not be delivered: its issuer's ``delivery.failed`` webhook."""
    if event is None or event.kind != EventKind.DELIVERY_FAILED:
        return
    if invoice.issuer_id is not None:
        do_enqueue_webhook_event(
            company_id=invoice.issuer_id,
            event=WebhookEvent.DELIVERY_FAILED,
            invoice=invoice,
            timeline_event=event,
        )
