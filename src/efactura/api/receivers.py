"""Signal receivers that turn invoice events into webhook deliveries.

They run inside the service's transaction and only create delivery rows; the HTTP calls are
tasks enqueued on commit (efactura.invoices.signals contract).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from efactura.api.choices import WebhookEvent
from efactura.api.services import do_enqueue_webhook_event
from efactura.invoices.choices import EventKind
from efactura.invoices.models import Event, Invoice
from efactura.invoices.signals import invoice_received, invoice_status_changed


@receiver(invoice_received, dispatch_uid="api.webhooks.invoice_received")
def on_invoice_received(sender: Any, invoice: Invoice, **kwargs: Any) -> None:
    if invoice.recipient_id is not None:
        do_enqueue_webhook_event(
            company_id=invoice.recipient_id, event=WebhookEvent.INVOICE_RECEIVED, invoice=invoice
        )


@receiver(invoice_status_changed, dispatch_uid="api.webhooks.status_changed")
def on_status_changed(sender: Any, invoice: Invoice, event: Event, **kwargs: Any) -> None:
    """Both sides on this platform are told; ``data.event.by`` says who made the change."""
    if event.kind == EventKind.DELIVERY_FAILED:
        return  # told by on_event_created, whichever way the event was recorded
    for company_id in {invoice.issuer_id, invoice.recipient_id} - {None}:
        do_enqueue_webhook_event(
            company_id=company_id,  # type: ignore[arg-type]
            event=WebhookEvent.STATUS_CHANGED,
            invoice=invoice,
            timeline_event=event,
        )


@receiver(post_save, sender=Event, dispatch_uid="api.webhooks.delivery_failed")
def on_event_created(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    if not created or instance.kind != EventKind.DELIVERY_FAILED:
        return
    invoice = instance.invoice
    if invoice.issuer_id is not None:
        do_enqueue_webhook_event(
            company_id=invoice.issuer_id,
            event=WebhookEvent.DELIVERY_FAILED,
            invoice=invoice,
            timeline_event=instance,
        )
