"""Side-effect handlers: hand partner-routed invoices and recipients' answers to the AS4 queue.

Listed in :data:`efactura.invoices.effects.EFFECTS`; they run as tasks enqueued in the invoice
service's transaction and only create ``OutboundMessage`` rows (the sending task is enqueued
on commit), so a rolled-back action sends nothing.
"""

from __future__ import annotations

from typing import Any

from efactura.audit.choices import Source
from efactura.invoices.choices import Route
from efactura.invoices.models import Event, Invoice


def on_invoice_routed(*, invoice: Invoice, route: str, **_kwargs: Any) -> None:
    if route != Route.PEER or invoice.issuer_id is None:
        return
    from efactura.interconnection.services import do_queue_invoice

    do_queue_invoice(invoice=invoice)


def on_invoice_status_changed(
    *, invoice: Invoice, event: Event | None, source: str = "", **_kwargs: Any
) -> None:
    # What the recipient did here to an invoice that came over AS4 travels back as an
    # Invoice Response; a status that itself came from a partner is never echoed.
    if event is None or source == Source.PEER or invoice.recipient_id is None:
        return
    from efactura.interconnection.services import do_queue_response

    do_queue_response(invoice=invoice, event=event)
