"""Side-effect handlers: hand peer-routed invoices and recipients' answers to the sending task.

Listed in :data:`efactura.invoices.effects.EFFECTS`; they run as tasks enqueued in the invoice
service's transaction and only create :class:`OutboundMessage` rows (the sending task is
enqueued on commit), so a rolled-back action sends nothing.
"""

from __future__ import annotations

from typing import Any

from efactura.audit.choices import Source
from efactura.invoices.choices import Origin, Route
from efactura.invoices.models import Event, Invoice


def on_invoice_routed(*, invoice: Invoice, route: str, **_kwargs: Any) -> None:
    if route != Route.PEER or not invoice.route_detail or invoice.issuer_id is None:
        return
    from efactura.federation.services import do_queue_invoice_for_peer

    do_queue_invoice_for_peer(invoice=invoice)


def on_invoice_status_changed(
    *, invoice: Invoice, event: Event | None, source: str = "", **_kwargs: Any
) -> None:
    # Only what the recipient did here to an invoice that came from a peer travels back;
    # a status that itself came from a peer is never echoed.
    if event is None or invoice.origin != Origin.PEER or source == Source.PEER:
        return
    from efactura.federation.services import do_queue_status_for_peer

    do_queue_status_for_peer(invoice=invoice, event=event)
