"""Side-effect handlers that queue the SPFE copy and status messages.

Listed in :data:`efactura.invoices.effects.EFFECTS`; they only create queue items (the sending
task is enqueued on commit), so a rolled-back action sends nothing.
"""

from __future__ import annotations

from typing import Any

from efactura.invoices.models import Event, Invoice


def on_invoice_routed(*, invoice: Invoice, **_kwargs: Any) -> None:
    """An invoice issued on this platform: its faithful UBL copy goes to the SPFE."""
    from efactura.spfe.services import do_queue_copy

    do_queue_copy(invoice=invoice)


def on_status_changed(
    *, invoice: Invoice, event: Event | None, source: str = "", **_kwargs: Any
) -> None:
    """A status made on this platform that the SPFE knows: its status message."""
    if event is None:
        return
    from efactura.spfe.services import do_queue_status

    do_queue_status(invoice=invoice, event=event, source=source)
