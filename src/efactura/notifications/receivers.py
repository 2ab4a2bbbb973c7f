"""Signal receivers: the invoices app says what happened, notifications decide who to email.

They run inside the invoice service's transaction and only *record* emails (rows plus an
``on_commit`` hand-off to the worker), so a rolled-back action emails nobody.  A failure here
is logged and never breaks issuing or receiving an invoice.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from efactura.invoices import signals
from efactura.invoices.choices import EventKind
from efactura.invoices.models import Event

logger = logging.getLogger(__name__)


def _guarded(name: str, func: Any, **kwargs: Any) -> None:
    from django.db import transaction

    try:
        with transaction.atomic():
            func(**kwargs)
    except Exception:
        logger.exception("Notification %s could not be queued", name)


@receiver(signals.invoice_routed, dispatch_uid="notifications.invoice_routed")
def on_invoice_routed(sender: Any, invoice: Any, route: str, **_kwargs: Any) -> None:
    from efactura.notifications.services import notify_invoice_routed

    _guarded("invoice_routed", notify_invoice_routed, invoice=invoice, route=route)


@receiver(signals.invoice_received, dispatch_uid="notifications.invoice_received")
def on_invoice_received(sender: Any, invoice: Any, **_kwargs: Any) -> None:
    from efactura.notifications.services import notify_invoice_received

    _guarded("invoice_received", notify_invoice_received, invoice=invoice)


@receiver(signals.invoice_status_changed, dispatch_uid="notifications.invoice_status_changed")
def on_invoice_status_changed(sender: Any, invoice: Any, event: Any, **_kwargs: Any) -> None:
    from efactura.notifications.services import notify_status_changed

    _guarded("status_changed", notify_status_changed, invoice=invoice, event=event)


@receiver(post_save, sender=Event, dispatch_uid="notifications.delivery_failed")
def on_event_saved(sender: Any, instance: Event, created: bool, **_kwargs: Any) -> None:
    """Delivery failures are recorded as timeline events by whichever channel failed
    (federation, future channels); reacting to the event covers them all."""
    if created and instance.kind == EventKind.DELIVERY_FAILED:
        from efactura.notifications.services import notify_delivery_failed

        _guarded("delivery_failed", notify_delivery_failed, event=instance)
