"""Signal receivers: hand partner-routed invoices and recipients' answers to the AS4 queue.

They run inside the invoice service's transaction and only create ``OutboundMessage`` rows
(the task is enqueued on commit), so a rolled-back action sends nothing.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from efactura.audit.choices import Source
from efactura.invoices import signals
from efactura.invoices.choices import Route


@receiver(signals.invoice_routed, dispatch_uid="interconnection.invoice_routed")
def on_invoice_routed(sender: Any, invoice: Any, route: str, **_kwargs: Any) -> None:
    if route != Route.PEER or invoice.issuer_id is None:
        return
    from efactura.interconnection.services import do_queue_invoice

    do_queue_invoice(invoice=invoice)


@receiver(signals.invoice_status_changed, dispatch_uid="interconnection.invoice_status_changed")
def on_invoice_status_changed(
    sender: Any, invoice: Any, event: Any, source: str = "", **_kwargs: Any
) -> None:
    # What the recipient did here to an invoice that came over AS4 travels back as an
    # Invoice Response; a status that itself came from a partner is never echoed.
    if source == Source.PEER or invoice.recipient_id is None:
        return
    from efactura.interconnection.services import do_queue_response

    do_queue_response(invoice=invoice, event=event)
