"""Signal receivers: hand peer-routed invoices and recipients' answers to the sending task.

They run inside the invoice service's transaction and only create :class:`OutboundMessage`
rows (the task is enqueued on commit), so a rolled-back action sends nothing.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from efactura.audit.choices import Source
from efactura.invoices import signals
from efactura.invoices.choices import Origin, Route


@receiver(signals.invoice_routed, dispatch_uid="federation.invoice_routed")
def on_invoice_routed(sender: Any, invoice: Any, route: str, **_kwargs: Any) -> None:
    if route != Route.PEER or not invoice.route_detail or invoice.issuer_id is None:
        return
    from efactura.federation.services import do_queue_invoice_for_peer

    do_queue_invoice_for_peer(invoice=invoice)


@receiver(signals.invoice_status_changed, dispatch_uid="federation.invoice_status_changed")
def on_invoice_status_changed(
    sender: Any, invoice: Any, event: Any, source: str = "", **_kwargs: Any
) -> None:
    # Only what the recipient did here to an invoice that came from a peer travels back;
    # a status that itself came from a peer is never echoed.
    if invoice.origin != Origin.PEER or source == Source.PEER:
        return
    from efactura.federation.services import do_queue_status_for_peer

    do_queue_status_for_peer(invoice=invoice, event=event)
